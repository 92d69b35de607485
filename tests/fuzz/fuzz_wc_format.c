/*
 * tests/fuzz/fuzz_wc_format.c — libFuzzer target for common/wc_format.
 *
 * The whole input is, at once, a PHP date() format, a price amount (first 64 bytes, NUL-terminated
 * copy) with the separators taken from its first bytes, and the text of a plain e-mail. Checks, beyond
 * "no crash": wc_price and wc_date return the length they wrote when the buffer was big enough and a
 * NUL-terminated prefix when it was not; the plain text has no CR and no run of two spaces; wordwrap only turns spaces into newlines.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/wc_format.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *src = malloc(size + 1);
    if (src == NULL)
        abort();
    memcpy(src, data, size);
    src[size] = '\0';

    /* price */
    struct wc_price_format f;
    wc_price_format_default(&f);
    static const char *const pos[] = {"left", "right", "left_space", "right_space"};
    if (size > 0)
        memcpy(f.position, pos[data[0] % 4], strlen(pos[data[0] % 4]) + 1);
    if (size > 1)
        f.decimals = data[1] % 12;
    if (size > 2) {
        f.thousand_sep[0] = (char)(data[2] ? data[2] : ' ');
        f.thousand_sep[1] = '\0';
    }
    char amount[65];
    size_t an = size < 64 ? size : 64;
    memcpy(amount, data, an);
    amount[an] = '\0';
    char big[512], small[7];
    size_t n = wc_price(&f, amount, big, sizeof big);
    if (n < sizeof big && strlen(big) != n)
        abort();
    size_t m = wc_price(&f, amount, small, sizeof small);
    if (m != n || strlen(small) != (n < sizeof small ? n : sizeof small - 1))
        abort();

    /* date */
    struct tm t = {.tm_year = size > 3 ? data[3] : 126, .tm_mon = size > 4 ? data[4] % 12 : 0,
                   .tm_mday = size > 5 ? 1 + data[5] % 31 : 1, .tm_hour = size > 6 ? data[6] % 24 : 0};
    char *dout = malloc(size * 40 + 64);
    if (dout == NULL)
        abort();
    size_t dn = wc_date(src, &t, dout, size * 40 + 64);
    if (dn < size * 40 + 64 && strlen(dout) != dn)
        abort();
    free(dout);

    /* plain text */
    size_t pn;
    char *plain = wc_plain_text(src, size, &pn);
    if (strlen(plain) > pn)
        abort();
    for (size_t i = 0; i < pn; i++)
        if (plain[i] == '\r' || (plain[i] == ' ' && i > 0 && plain[i - 1] == ' '))
            abort();
    free(plain);

    /* wordwrap alone */
    char *w = malloc(size + 1);
    if (w == NULL)
        abort();
    memcpy(w, src, size + 1);
    wc_wordwrap(w, size, size > 7 ? data[7] % 80 : 70);
    for (size_t i = 0; i < size; i++)
        if (w[i] != src[i] && !(src[i] == ' ' && w[i] == '\n'))
            abort();
    free(w);
    free(src);
    return 0;
}
