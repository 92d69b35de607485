/*
 * tests/fuzz/fuzz_mail_build.c — libFuzzer target for common/mail_build.
 *
 * The input is split at NUL bytes into a display name, a subject, a text body and an HTML body; parts
 * that common/mail_address.h would refuse are replaced, as the outbox would have refused them. Checks,
 * beyond "no crash": the message is 7-bit, every line ends in CRLF (no bare CR or LF) and is at most 998
 * bytes; the Subject header, unfolded and its encoded words decoded, gives the subject back; the
 * quoted-printable body has lines of at most 76 characters and decodes to the text with line ends made
 * CRLF.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "common/mail_address.h"
#include "common/mail_build.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_lines(const char *m, size_t len, size_t max)
{
    size_t col = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)m[i];
        if (c >= 0x80 || c == 0)
            abort();
        if (c == '\r') {
            if (i + 1 >= len || m[i + 1] != '\n')
                abort();
            i++;
            col = 0;
        } else if (c == '\n' || ++col > max) { /* a bare LF, or a line over the limit */
            abort();
        }
    }
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* quoted-printable text of mail_build_qp back to bytes; CRLF stays CRLF */
static void qp_roundtrip(const char *s, size_t n)
{
    struct mail_buf b = {0};
    mail_buf_add(&b, "", 0);
    mail_build_qp(&b, s, n);
    check_lines(b.p, b.len, 76);
    char *out = malloc(b.len + 1), *want = malloc(2 * n + 1);
    if (out == NULL || want == NULL)
        abort();
    size_t o = 0, w = 0;
    for (size_t i = 0; i < b.len; i++) {
        if (b.p[i] != '=') {
            out[o++] = b.p[i];
        } else if (i + 2 < b.len && b.p[i + 1] == '\r' && b.p[i + 2] == '\n') {
            i += 2; /* soft break */
        } else if (i + 2 < b.len && hexval(b.p[i + 1]) >= 0 && hexval(b.p[i + 2]) >= 0) {
            out[o++] = (char)(hexval(b.p[i + 1]) * 16 + hexval(b.p[i + 2]));
            i += 2;
        } else {
            abort(); /* a '=' that is neither */
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\r' || s[i] == '\n') {
            want[w++] = '\r';
            want[w++] = '\n';
            if (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n')
                i++;
        } else {
            want[w++] = s[i];
        }
    }
    if (o != w || memcmp(out, want, o) != 0)
        abort();
    free(out);
    free(want);
    free(b.p);
}

/* the Subject header's value, unfolded and decoded */
static void subject_roundtrip(const char *msg, const char *subject, size_t slen)
{
    const char *h = strstr(msg, "\r\nSubject: ");
    if (h == NULL)
        abort();
    h += 11;
    const char *end = h;
    while (!(end[0] == '\r' && end[1] == '\n' && end[2] != ' '))
        end++;
    char *got = malloc(slen + 1);
    if (got == NULL)
        abort();
    size_t g = 0;
    if ((size_t)(end - h) >= 10 && memcmp(h, "=?UTF-8?B?", 10) == 0) {
        const char *p = h;
        while (p < end) {
            if (memcmp(p, "=?UTF-8?B?", 10) != 0)
                abort();
            p += 10;
            const char *q = strstr(p, "?=");
            if (q == NULL || q > end)
                abort();
            unsigned char dec[64];
            if (q - p > 64 || (q - p) % 4 != 0)
                abort();
            int dn = EVP_DecodeBlock(dec, (const unsigned char *)p, (int)(q - p));
            if (dn < 0)
                abort();
            /* EVP_DecodeBlock counts the padding bytes as zeros */
            dn -= (q - p >= 1 && q[-1] == '=') + (q - p >= 2 && q[-2] == '=');
            if (g + (size_t)dn > slen)
                abort();
            memcpy(got + g, dec, (size_t)dn);
            g += (size_t)dn;
            p = q + 2;
            if (p < end && memcmp(p, "\r\n ", 3) == 0)
                p += 3;
        }
    } else {
        g = (size_t)(end - h);
        if (g > slen)
            abort();
        memcpy(got, h, g);
    }
    if (g != slen || memcmp(got, subject, slen) != 0)
        abort();
    free(got);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *part[4] = {"", "x", "", NULL};
    size_t plen[4] = {0, 1, 0, 0};
    char *src = malloc(size + 1);
    if (src == NULL)
        abort();
    memcpy(src, data, size);
    src[size] = '\0';
    size_t start = 0, k = 0;
    for (size_t i = 0; i <= size && k < 4; i++) {
        if (i == size || src[i] == '\0') {
            part[k] = src + start;
            plen[k] = i - start;
            k++;
            start = i + 1;
        }
    }
    const char *err;
    struct mail_address from = {"", "shop@example.com"}, to = {"", "anna@example.com"};
    if (plen[0] <= LIMIT_MAIL_NAME_BYTES && mail_header_value_check(part[0], plen[0], LIMIT_MAIL_NAME_BYTES, &err) == 0) {
        memcpy(to.name, part[0], plen[0]);
        to.name[plen[0]] = '\0';
    }
    if (plen[1] == 0 || mail_header_value_check(part[1], plen[1], LIMIT_MAIL_SUBJECT_CHARS, &err) != 0)
        part[1] = "x", plen[1] = 1;
    for (int i = 2; i < 4; i++)
        if (part[i] && !mail_utf8_valid(part[i], plen[i], NULL))
            part[i] = i == 2 ? "" : NULL, plen[i] = 0;
    struct mail_build_input in = {
        .from = &from,
        .to = &to,
        .subject = part[1],
        .subject_len = plen[1],
        .text = part[2],
        .text_len = plen[2],
        .html = part[3],
        .html_len = plen[3],
        .date = 1795768647,
        .message_id = "cartman.1.1795768647@example.com",
    };
    size_t len;
    char *m = mail_build(&in, &len);
    if (strlen(m) != len)
        abort();
    check_lines(m, len, 998);
    subject_roundtrip(m, part[1], plen[1]);
    qp_roundtrip(part[2], plen[2]);
    free(m);
    free(src);
    return 0;
}
