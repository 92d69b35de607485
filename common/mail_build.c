/*
 * common/mail_build.c — building an outgoing mail's bytes: headers, encoded words, quoted-printable
 * bodies, multipart/alternative.
 *
 * Owns the wire format of what we send. It does not check its inputs (common/mail_address.c does),
 * read the outbox or talk SMTP (apid/mail_sender.c).
 */
#include "common/mail_build.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#define LINE_MAX_CHARS 78
#define QP_LINE_CHARS 76
#define WORD_CHUNK_BYTES 36 /* UTF-8 bytes per encoded word: 48 base64 characters, 60 with the =?UTF-8?B?…?= */

void mail_buf_add(struct mail_buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (p == NULL)
            abort();
        b->p = p;
        b->cap = cap;
    }
    if (n)
        memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void add_str(struct mail_buf *b, const char *s)
{
    mail_buf_add(b, s, strlen(s));
}

void mail_build_date(int64_t t, char *out, size_t cap)
{
    static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t tt = (time_t)t;
    struct tm tm;
    if (gmtime_r(&tt, &tm) == NULL)
        memset(&tm, 0, sizeof tm);
    snprintf(out, cap, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday % 7], tm.tm_mday, months[tm.tm_mon % 12],
             tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* Printable ASCII (and TAB) only, and no "=?" that a reader could take for an encoded word. */
static bool plain_ascii(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\t') || c > 0x7e)
            return false;
        if (c == '=' && i + 1 < n && s[i + 1] == '?')
            return false;
    }
    return true;
}

/* RFC 2047 encoded words for s, each on its own folded line after the first; col is the current
 * column. Chunks end on UTF-8 character boundaries. Returns the column after the last word. */
static size_t add_encoded_words(struct mail_buf *b, const char *s, size_t n, size_t col)
{
    size_t i = 0;
    bool first = true;
    do {
        size_t take = n - i < WORD_CHUNK_BYTES ? n - i : WORD_CHUNK_BYTES;
        /* never split a character: back off over continuation bytes */
        while (take > 0 && i + take < n && ((unsigned char)s[i + take] & 0xc0) == 0x80)
            take--;
        if (take == 0) /* not UTF-8 (cannot happen after the checks): take the chunk as it is */
            take = n - i < WORD_CHUNK_BYTES ? n - i : WORD_CHUNK_BYTES;
        unsigned char enc[4 * ((WORD_CHUNK_BYTES + 2) / 3) + 1];
        int elen = EVP_EncodeBlock(enc, (const unsigned char *)s + i, (int)take);
        if (!first) {
            add_str(b, "\r\n ");
            col = 1;
        }
        add_str(b, "=?UTF-8?B?");
        mail_buf_add(b, (const char *)enc, (size_t)elen);
        add_str(b, "?=");
        col += 12 + (size_t)elen;
        i += take;
        first = false;
    } while (i < n);
    return col;
}

void mail_build_text_header(struct mail_buf *b, const char *name, const char *s, size_t n)
{
    add_str(b, name);
    add_str(b, ": ");
    size_t col = strlen(name) + 2;
    if (plain_ascii(s, n) && col + n <= LINE_MAX_CHARS)
        mail_buf_add(b, s, n);
    else
        add_encoded_words(b, s, n, col);
    add_str(b, "\r\n");
}

void mail_build_address_header(struct mail_buf *b, const char *name, const struct mail_address *a)
{
    add_str(b, name);
    add_str(b, ": ");
    size_t col = strlen(name) + 2, nlen = strlen(a->name), alen = strlen(a->addr);
    if (nlen == 0) {
        mail_buf_add(b, a->addr, alen);
        add_str(b, "\r\n");
        return;
    }
    /* a quoted string when it is plain ASCII and fits on the line, encoded words otherwise */
    size_t quoted = 2;
    for (size_t i = 0; i < nlen; i++)
        quoted += a->name[i] == '"' || a->name[i] == '\\' ? 2 : 1;
    if (plain_ascii(a->name, nlen) && col + quoted <= LINE_MAX_CHARS) {
        add_str(b, "\"");
        for (size_t i = 0; i < nlen; i++) {
            if (a->name[i] == '"' || a->name[i] == '\\')
                add_str(b, "\\");
            mail_buf_add(b, &a->name[i], 1);
        }
        add_str(b, "\"");
        col += quoted;
    } else {
        col = add_encoded_words(b, a->name, nlen, col);
    }
    if (col + 3 + alen > LINE_MAX_CHARS)
        add_str(b, "\r\n <");
    else
        add_str(b, " <");
    mail_buf_add(b, a->addr, alen);
    add_str(b, ">\r\n");
}

void mail_build_qp(struct mail_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t i = 0;
    while (i <= n) {
        /* one input line: up to \r\n, \n, \r or the end */
        size_t end = i;
        while (end < n && s[end] != '\r' && s[end] != '\n')
            end++;
        size_t col = 0;
        for (size_t k = i; k < end; k++) {
            unsigned char c = (unsigned char)s[k];
            bool last = k + 1 == end;
            bool enc = c == '=' || (c < 0x20 && c != '\t') || c > 0x7e || ((c == ' ' || c == '\t') && last);
            size_t width = enc || (c == '.' && col == 0) ? 3 : 1;
            /* a soft break leaves room for its '=' (the last character may use the whole line) */
            if (col + width > (last ? QP_LINE_CHARS : QP_LINE_CHARS - 1)) {
                add_str(b, "=\r\n");
                col = 0;
            }
            if (enc || (c == '.' && col == 0)) {
                char e[3] = {'=', hex[c >> 4], hex[c & 15]};
                mail_buf_add(b, e, 3);
                col += 3;
            } else {
                mail_buf_add(b, (const char *)&c, 1);
                col++;
            }
        }
        if (end == n)
            break;
        add_str(b, "\r\n");
        i = end + (s[end] == '\r' && end + 1 < n && s[end + 1] == '\n' ? 2 : 1);
    }
}

char *mail_build(const struct mail_build_input *in, size_t *len)
{
    struct mail_buf b = {0};
    char date[40];
    mail_build_date(in->date, date, sizeof date);
    add_str(&b, "Date: ");
    add_str(&b, date);
    add_str(&b, "\r\n");
    mail_build_address_header(&b, "From", in->from);
    mail_build_address_header(&b, "To", in->to);
    if (in->reply_to != NULL)
        mail_build_address_header(&b, "Reply-To", in->reply_to);
    mail_build_text_header(&b, "Subject", in->subject, in->subject_len);
    add_str(&b, "Message-ID: <");
    add_str(&b, in->message_id);
    add_str(&b, ">\r\nMIME-Version: 1.0\r\nAuto-Submitted: auto-generated\r\n");
    static const char TEXT_HEAD[] = "Content-Type: text/plain; charset=UTF-8\r\n"
                                    "Content-Transfer-Encoding: quoted-printable\r\n\r\n";
    if (in->html == NULL) {
        add_str(&b, TEXT_HEAD);
        mail_build_qp(&b, in->text, in->text_len);
        add_str(&b, "\r\n");
    } else {
        /* the boundary: "=_" never occurs in quoted-printable text; the Message-ID keeps it unique */
        char boundary[80];
        size_t o = (size_t)snprintf(boundary, sizeof boundary, "=_cartman_");
        for (const char *p = in->message_id; *p && o + 1 < sizeof boundary; p++)
            if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '.')
                boundary[o++] = *p;
        boundary[o] = '\0';
        add_str(&b, "Content-Type: multipart/alternative;\r\n boundary=\"");
        add_str(&b, boundary);
        add_str(&b, "\"\r\n\r\nThis is a MIME message: a plain-text and an HTML version.\r\n\r\n--");
        add_str(&b, boundary);
        add_str(&b, "\r\n");
        add_str(&b, TEXT_HEAD);
        mail_build_qp(&b, in->text, in->text_len);
        add_str(&b, "\r\n--");
        add_str(&b, boundary);
        add_str(&b, "\r\nContent-Type: text/html; charset=UTF-8\r\n"
                    "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
        mail_build_qp(&b, in->html, in->html_len);
        add_str(&b, "\r\n--");
        add_str(&b, boundary);
        add_str(&b, "--\r\n");
    }
    *len = b.len;
    return b.p;
}
