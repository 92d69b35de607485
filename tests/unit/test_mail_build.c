/*
 * tests/unit/test_mail_build.c — common/mail_build: quoted-printable rows (line ends, long lines, soft
 * breaks, trailing spaces, leading dots, UTF-8), header encoding (raw, quoted names, RFC 2047 words
 * split on character boundaries, folding), the date, and two whole messages byte for byte.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/mail_build.h"
#include "tests/tap.h"

static void test_qp(void)
{
    static const struct {
        const char *in, *want;
    } rows[] = {
        {"", ""},
        {"Hello", "Hello"},
        {"a\nb", "a\r\nb"},
        {"a\r\nb\rc\n", "a\r\nb\r\nc\r\n"},
        {"x = 1", "x =3D 1"},
        {"trailing  \nspace ", "trailing =20\r\nspace=20"},
        {"tab\t", "tab=09"},
        {".\n..dots", "=2E\r\n=2E.dots"},
        {"M\xc3\xbcller", "M=C3=BCller"},
        {"nul\x01", "nul=01"},
        /* 76 characters fit on a line; 77 need a soft break after 75 (the '=' is the 76th) */
        {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},
        {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\r\naa"},
        /* an encoded triple is never cut by a soft break */
        {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\xc3\xa4",
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\r\n=C3=A4"},
        /* a '.' that a soft break puts at the start of a line is encoded too */
        {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.b",
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\r\n=2Eb"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct mail_buf b = {0};
        mail_buf_add(&b, "", 0);
        mail_build_qp(&b, rows[i].in, strlen(rows[i].in));
        char name[40];
        snprintf(name, sizeof name, "quoted-printable row %zu", i);
        TAP_EQ_STR(b.p, rows[i].want, name);
        free(b.p);
    }
}

static void test_headers(void)
{
    static const struct {
        const char *in, *want;
    } subj[] = {
        {"Your order", "Subject: Your order\r\n"},
        {"Tab\there", "Subject: Tab\there\r\n"},
        {"=?UTF-8?B?x?=", "Subject: =?UTF-8?B?PT9VVEYtOD9CP3g/PQ==?=\r\n"},
        {"Bestellung f\xc3\xbcr Anna", "Subject: =?UTF-8?B?QmVzdGVsbHVuZyBmw7xyIEFubmE=?=\r\n"},
        /* 36 bytes per word, never inside a character: the 'ä' (2 bytes) starting at byte 35 moves on */
        {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\xc3\xa4z",
         "Subject: =?UTF-8?B?YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWE=?=\r\n =?UTF-8?B?w6R6?=\r\n"},
    };
    for (size_t i = 0; i < sizeof subj / sizeof subj[0]; i++) {
        struct mail_buf b = {0};
        mail_build_text_header(&b, "Subject", subj[i].in, strlen(subj[i].in));
        char name[40];
        snprintf(name, sizeof name, "subject row %zu", i);
        TAP_EQ_STR(b.p, subj[i].want, name);
        free(b.p);
    }
    static const struct {
        const char *name, *addr, *want;
    } addr[] = {
        {"", "a@example.com", "To: a@example.com\r\n"},
        {"Anna", "a@example.com", "To: \"Anna\" <a@example.com>\r\n"},
        {"Smith, \"J\" \\", "a@example.com", "To: \"Smith, \\\"J\\\" \\\\\" <a@example.com>\r\n"},
        {"M\xc3\xbcller", "a@example.com", "To: =?UTF-8?B?TcO8bGxlcg==?= <a@example.com>\r\n"},
        {"An extremely long display name that goes on and on well past the line",
         "someone@example.com",
         "To: \"An extremely long display name that goes on and on well past the line\"\r\n <someone@example.com>\r\n"},
    };
    for (size_t i = 0; i < sizeof addr / sizeof addr[0]; i++) {
        struct mail_address a;
        snprintf(a.name, sizeof a.name, "%s", addr[i].name);
        snprintf(a.addr, sizeof a.addr, "%s", addr[i].addr);
        struct mail_buf b = {0};
        mail_build_address_header(&b, "To", &a);
        char name[40];
        snprintf(name, sizeof name, "address header row %zu", i);
        TAP_EQ_STR(b.p, addr[i].want, name);
        free(b.p);
    }
    char d[40];
    mail_build_date(0, d, sizeof d);
    TAP_EQ_STR(d, "Thu, 01 Jan 1970 00:00:00 +0000", "the epoch");
    mail_build_date(1795768647, d, sizeof d);
    TAP_EQ_STR(d, "Fri, 27 Nov 2026 08:37:27 +0000", "a date in 2026");
}

static void test_whole(void)
{
    struct mail_address from = {"Demo Shop", "shop@example.com"}, to = {"Anna M\xc3\xbcller", "anna@example.com"},
                        reply = {"", "help@example.com"};
    const char *text = "Hello Anna,\n\nyour parcel left today.\n";
    struct mail_build_input in = {
        .from = &from,
        .to = &to,
        .subject = "Note on order #42",
        .subject_len = 17,
        .text = text,
        .text_len = strlen(text),
        .date = 1795768647,
        .message_id = "cartman.42.1795768647@example.com",
    };
    size_t len;
    char *m = mail_build(&in, &len);
    TAP_EQ_STR(m,
               "Date: Fri, 27 Nov 2026 08:37:27 +0000\r\n"
               "From: \"Demo Shop\" <shop@example.com>\r\n"
               "To: =?UTF-8?B?QW5uYSBNw7xsbGVy?= <anna@example.com>\r\n"
               "Subject: Note on order #42\r\n"
               "Message-ID: <cartman.42.1795768647@example.com>\r\n"
               "MIME-Version: 1.0\r\n"
               "Auto-Submitted: auto-generated\r\n"
               "Content-Type: text/plain; charset=UTF-8\r\n"
               "Content-Transfer-Encoding: quoted-printable\r\n"
               "\r\n"
               "Hello Anna,\r\n\r\nyour parcel left today.\r\n\r\n",
               "a text-only message");
    TAP_EQ_INT(len, strlen(m), "its length");
    free(m);

    in.reply_to = &reply;
    in.html = "<p>Hello</p>";
    in.html_len = strlen(in.html);
    in.text = "Hello";
    in.text_len = 5;
    m = mail_build(&in, &len);
    TAP_EQ_STR(m,
               "Date: Fri, 27 Nov 2026 08:37:27 +0000\r\n"
               "From: \"Demo Shop\" <shop@example.com>\r\n"
               "To: =?UTF-8?B?QW5uYSBNw7xsbGVy?= <anna@example.com>\r\n"
               "Reply-To: help@example.com\r\n"
               "Subject: Note on order #42\r\n"
               "Message-ID: <cartman.42.1795768647@example.com>\r\n"
               "MIME-Version: 1.0\r\n"
               "Auto-Submitted: auto-generated\r\n"
               "Content-Type: multipart/alternative;\r\n"
               " boundary=\"=_cartman_cartman.42.1795768647example.com\"\r\n"
               "\r\n"
               "This is a MIME message: a plain-text and an HTML version.\r\n"
               "\r\n"
               "--=_cartman_cartman.42.1795768647example.com\r\n"
               "Content-Type: text/plain; charset=UTF-8\r\n"
               "Content-Transfer-Encoding: quoted-printable\r\n"
               "\r\n"
               "Hello\r\n"
               "--=_cartman_cartman.42.1795768647example.com\r\n"
               "Content-Type: text/html; charset=UTF-8\r\n"
               "Content-Transfer-Encoding: quoted-printable\r\n"
               "\r\n"
               "<p>Hello</p>\r\n"
               "--=_cartman_cartman.42.1795768647example.com--\r\n",
               "a multipart/alternative message with Reply-To");
    free(m);
}

int main(void)
{
    test_qp();
    test_headers();
    test_whole();
    return tap_done();
}
