/*
 * tests/unit/test_mail_sender.c — apid/mail_sender: the retry schedule (doubling from a minute, capped
 * at six hours) and that all attempts together cover most of a day before a mail is given up.
 * Delivery itself is tested against a real SMTP server in tests/integration/60-mail.t.
 */
#include "apid/mail_sender.h"
#include "tests/tap.h"

int main(void)
{
    static const struct {
        unsigned attempts, want;
    } rows[] = {{1, 60}, {2, 120}, {3, 240}, {4, 480}, {8, 7680}, {9, 15360}, {10, 21600}, {11, 21600}, {40, 21600}};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        if (!tap_ok(mail_sender_backoff(rows[i].attempts) == rows[i].want, "after attempt %u: wait %u s",
                    rows[i].attempts, rows[i].want))
            tap_diag("  got %u", mail_sender_backoff(rows[i].attempts));
    unsigned long total = 0;
    for (unsigned a = 1; a < MAIL_MAX_ATTEMPTS; a++)
        total += mail_sender_backoff(a);
    tap_ok(total >= 18UL * 3600 && total <= 24UL * 3600, "retries span %lu s (18-24 h) before giving up", total);
    tap_ok(MAIL_LEASE_S > MAIL_SEND_TIMEOUT_S + MAIL_CONNECT_TIMEOUT_S, "a claim outlives one send");
    return tap_done();
}
