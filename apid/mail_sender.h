/*
 * apid/mail_sender.h — the background thread that delivers {p}cartman_mail_outbox over SMTP.
 *
 * Started with `apid serve` (when smtp_url is set) and stopped on SIGTERM, it owns one database
 * connection and one libcurl handle. About once a second it reads the due rows and claims each with
 * one atomic UPDATE by primary key (a random claim token, attempts + 1, next_attempt_at moved
 * MAIL_LEASE_S ahead, only if still pending and due), so several apid instances never send the same
 * row at once, and an instance that dies mid-send only delays the row by the lease. It builds the message (common/mail_build.h) From the store's address (WooCommerce's
 * woocommerce_email_from_address / _name, else admin_email / blogname), sends it, and marks it sent;
 * a failure is written to last_error (curl's sentence and the SMTP code, never a server text or the
 * URL) and retried after mail_sender_backoff(attempts); after MAIL_MAX_ATTEMPTS the row is marked
 * failed and stays in the table. Expected failures (SMTP down) log at warning level.
 */
#ifndef APID_MAIL_SENDER_H
#define APID_MAIL_SENDER_H

#include "common/config.h"

#define MAIL_POLL_MS 1000       /* how often the outbox is looked at */
#define MAIL_CLAIM_BATCH 32     /* due rows read at once; each is then claimed on its own */
#define MAIL_RECORD_TRIES 5     /* writes of an outcome before leaving the row to its lease */
#define MAIL_LEASE_S 300        /* a claimed row is not due again before this; above one send's timeout */
#define MAIL_SEND_TIMEOUT_S 60  /* one SMTP transaction, connect included */
#define MAIL_CONNECT_TIMEOUT_S 10
#define MAIL_MAX_ATTEMPTS 12    /* then status 'failed'; with the backoff below about 20 hours of retries */
#define MAIL_RETRY_BASE_S 60    /* the wait after the first failure, doubling after each next one */
#define MAIL_RETRY_MAX_S 21600  /* ... up to 6 hours */

/* Seconds to wait after the attempts-th failed attempt (attempts >= 1). */
unsigned mail_sender_backoff(unsigned attempts);

/* From the main thread, around daemon_serve. Without smtp_url nothing starts (mail stays queued) and
 * 0 is returned; -1 (logged) for a bad smtp_tls value or a thread that does not start. */
int mail_sender_start(const struct config *cfg);
void mail_sender_stop(void);

#endif
