/*
 * apid/mail_sender.c — delivering the outbox: claim a due row, build the message, send it with
 * libcurl's SMTP, record the outcome, retry with backoff.
 *
 * Owns the sender thread, its database connection and its curl handle, and the outbox row's life after
 * enqueueing (pending → sent, or failed after MAIL_MAX_ATTEMPTS). It does not decide what mail to send
 * (callers of common/mail_outbox.h do) nor how a message looks on the wire (common/mail_build.c).
 * Delivery is at least once: a crash between the server's "250" and the row's update sends that
 * mail again after the lease.
 */
#include "apid/mail_sender.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/rand.h>

#include "common/bg_thread.h"
#include "common/db.h"
#include "common/log.h"
#include "common/mail_address.h"
#include "common/mail_build.h"

#define STR_(x) #x
#define STR(x) STR_(x)
#define FROM_CACHE_S 60 /* the store's From address is read again after this */

/* Due rows are read without locks, then each is claimed by its primary key with a condition that
 * only one statement can meet: every write here touches one row found by its primary key, so two
 * instances wait on each other at most for one short statement and never deadlock (a claim that
 * scanned the status index with ORDER BY … LIMIT locked ranges and did, against the other instance's
 * updates). A claim that finds the row taken (0 rows) moves on to the next candidate. */
static const char SQL_DUE[] = "SELECT id FROM {p}cartman_mail_outbox WHERE status = 'pending'"
                              " AND next_attempt_at <= UTC_TIMESTAMP() ORDER BY next_attempt_at, id"
                              " LIMIT " STR(MAIL_CLAIM_BATCH);
static const char SQL_CLAIM[] =
    "UPDATE {p}cartman_mail_outbox SET claim_token = ?, attempts = attempts + 1,"
    " next_attempt_at = UTC_TIMESTAMP() + INTERVAL " STR(MAIL_LEASE_S) " SECOND"
    " WHERE id = ? AND status = 'pending' AND next_attempt_at <= UTC_TIMESTAMP()";
static const char SQL_ROW[] = "SELECT to_addr, reply_to, subject, body_text, body_html, attempts, UNIX_TIMESTAMP(created_at),"
                              " kind FROM {p}cartman_mail_outbox WHERE id = ? AND claim_token = ?";
static const char SQL_SENT[] = "UPDATE {p}cartman_mail_outbox SET status = 'sent', sent_at = UTC_TIMESTAMP(),"
                               " claim_token = NULL, last_error = NULL WHERE id = ? AND claim_token = ?";
static const char SQL_RETRY[] = "UPDATE {p}cartman_mail_outbox SET next_attempt_at = UTC_TIMESTAMP() + INTERVAL ? SECOND,"
                                " last_error = ?, claim_token = NULL WHERE id = ? AND claim_token = ?";
static const char SQL_GIVE_UP[] = "UPDATE {p}cartman_mail_outbox SET status = 'failed', last_error = ?,"
                                  " claim_token = NULL WHERE id = ? AND claim_token = ?";
/* a send cut short by shutdown does not count as an attempt */
static const char SQL_RELEASE[] = "UPDATE {p}cartman_mail_outbox SET next_attempt_at = UTC_TIMESTAMP(),"
                                  " attempts = GREATEST(attempts, 1) - 1, claim_token = NULL"
                                  " WHERE id = ? AND claim_token = ?";
static const char SQL_FROM[] = "SELECT option_name, option_value FROM {p}options WHERE option_name IN"
                               " ('admin_email', 'blogname', 'woocommerce_email_from_address',"
                               " 'woocommerce_email_from_name')";

unsigned mail_sender_backoff(unsigned attempts)
{
    unsigned long long s = MAIL_RETRY_BASE_S;
    for (unsigned i = 1; i < attempts && s < MAIL_RETRY_MAX_S; i++)
        s *= 2;
    return s > MAIL_RETRY_MAX_S ? MAIL_RETRY_MAX_S : (unsigned)s;
}

static struct {
    pthread_mutex_t mu;
    pthread_cond_t cond;
    pthread_t thread;
    bool stop, running;
    struct db_config dc;
    char url[CONFIG_STR];
    char ca[CONFIG_STR];
    long use_ssl;
} ms = {.mu = PTHREAD_MUTEX_INITIALIZER};
static atomic_bool abort_send;

static bool stopping(void)
{
    pthread_mutex_lock(&ms.mu);
    bool s = ms.stop;
    pthread_mutex_unlock(&ms.mu);
    return s;
}

/* ---- the store's From address ---- */

struct from_cache {
    struct mail_address from;
    bool valid;
    time_t read_at;
};

/* wp_specialchars_decode(…, ENT_QUOTES): the five entities WordPress encodes in option values */
static void specialchars_decode(const char *s, char *out, size_t cap)
{
    static const struct {
        const char *ent, *ch;
    } map[] = {{"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&#039;", "'"}, {"&#39;", "'"},
               {"&#x27;", "'"}};
    size_t o = 0;
    while (*s && o + 1 < cap) {
        size_t i = 0;
        for (; i < sizeof map / sizeof map[0]; i++)
            if (strncmp(s, map[i].ent, strlen(map[i].ent)) == 0)
                break;
        if (i < sizeof map / sizeof map[0]) {
            out[o++] = map[i].ch[0];
            s += strlen(map[i].ent);
        } else {
            out[o++] = *s++;
        }
    }
    out[o] = '\0';
}

static void trim_copy(const char *s, char *out, size_t cap)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    snprintf(out, cap, "%.*s", (int)n, s);
}

/* As WC_Email::get_from_address / get_from_name: WooCommerce's options, else admin_email and blogname. */
static int read_from(struct db *db, struct from_cache *fc)
{
    time_t now = time(NULL);
    if (fc->valid && now - fc->read_at < FROM_CACHE_S)
        return 0;
    struct db_rows r;
    if (db_query(db, SQL_FROM, NULL, 0, &r) != 0)
        return -1;
    char wc_addr[LIMIT_MAIL_FIELD_BYTES + 1] = "", admin[LIMIT_MAIL_FIELD_BYTES + 1] = "";
    char wc_name[LIMIT_MAIL_NAME_BYTES * 2 + 1] = "", blogname[LIMIT_MAIL_NAME_BYTES * 2 + 1] = "";
    for (size_t i = 0; i < r.nrows; i++) {
        const char *k = db_cell(&r, i, 0), *v = db_cell(&r, i, 1);
        if (k == NULL || v == NULL)
            continue;
        if (strcmp(k, "woocommerce_email_from_address") == 0)
            trim_copy(v, wc_addr, sizeof wc_addr);
        else if (strcmp(k, "admin_email") == 0)
            trim_copy(v, admin, sizeof admin);
        else if (strcmp(k, "woocommerce_email_from_name") == 0)
            specialchars_decode(v, wc_name, sizeof wc_name);
        else if (strcmp(k, "blogname") == 0)
            specialchars_decode(v, blogname, sizeof blogname);
    }
    db_rows_free(&r);
    const char *err;
    struct mail_address *f = &fc->from;
    /* a checked address fits f->addr (LIMIT_MAIL_ADDRESS_BYTES), a checked name f->name */
    const char *addr = mail_address_check_addr(wc_addr, strlen(wc_addr), &err) == 0 ? wc_addr
                       : mail_address_check_addr(admin, strlen(admin), &err) == 0 ? admin
                                                                                    : "";
    memcpy(f->addr, addr, strlen(addr) + 1);
    const char *name = wc_name[0] ? wc_name : blogname;
    size_t nlen = strlen(name);
    if (nlen > LIMIT_MAIL_NAME_BYTES || mail_header_value_check(name, nlen, LIMIT_MAIL_NAME_BYTES, &err) != 0)
        nlen = 0;
    memcpy(f->name, name, nlen);
    f->name[nlen] = '\0';
    fc->valid = f->addr[0] != '\0';
    fc->read_at = now;
    return 0;
}

/* ---- SMTP ---- */

struct upload {
    const char *p;
    size_t len, off;
};

static size_t read_cb(char *buf, size_t size, size_t nitems, void *ud)
{
    struct upload *u = ud;
    size_t n = size * nitems, left = u->len - u->off;
    if (n > left)
        n = left;
    memcpy(buf, u->p + u->off, n);
    u->off += n;
    return n;
}

static int progress_cb(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
    (void)ud, (void)dt, (void)dn, (void)ut, (void)un;
    return atomic_load(&abort_send) ? 1 : 0;
}

/* 0 sent; -1 with a sentence in err (no server text, no URL: they may carry secrets). */
static int smtp_send(CURL *c, const char *from, const char *to, const char *msg, size_t len, char *err, size_t errlen)
{
    char f[LIMIT_MAIL_ADDRESS_BYTES + 3], t[LIMIT_MAIL_ADDRESS_BYTES + 3];
    snprintf(f, sizeof f, "<%s>", from);
    snprintf(t, sizeof t, "<%s>", to);
    struct curl_slist *rcpt = curl_slist_append(NULL, t);
    if (rcpt == NULL)
        abort();
    struct upload u = {msg, len, 0};
    curl_easy_setopt(c, CURLOPT_URL, ms.url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(c, CURLOPT_USE_SSL, ms.use_ssl);
    if (ms.ca[0])
        curl_easy_setopt(c, CURLOPT_CAINFO, ms.ca);
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, f);
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
    curl_easy_setopt(c, CURLOPT_READDATA, &u);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)MAIL_CONNECT_TIMEOUT_S);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)MAIL_SEND_TIMEOUT_S);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, progress_cb);
    CURLcode rc = curl_easy_perform(c);
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    if (rc == CURLE_ABORTED_BY_CALLBACK) {
        /* stopping: libcurl keeps the connection and would say QUIT on cleanup, then wait up to two
         * minutes for a server that is still busy with our DATA. Cut the connection instead. */
        curl_socket_t fd = CURL_SOCKET_BAD;
        if (curl_easy_getinfo(c, CURLINFO_ACTIVESOCKET, &fd) == CURLE_OK && fd != CURL_SOCKET_BAD)
            shutdown(fd, SHUT_RDWR);
    }
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, NULL);
    curl_slist_free_all(rcpt);
    if (rc == CURLE_OK)
        return 0;
    if (code > 0)
        snprintf(err, errlen, "%s (SMTP %ld)", curl_easy_strerror(rc), code);
    else
        snprintf(err, errlen, "%s", curl_easy_strerror(rc));
    return -1;
}

/* ---- one row ---- */

enum outcome { SENT, RETRY, GIVE_UP, RELEASE };

struct claimed {
    unsigned long long id;
    char token[33];
    char kind[LIMIT_MAIL_KIND_BYTES + 1];
    unsigned attempts;
};

/* An outcome must not be lost: a row marked sent too late is sent again after its lease. A failed
 * write (a lock wait, a connection that went away and is reopened by db.c) is tried a few times. */
static int exec_retrying(struct db *db, const char *sql, const struct db_value *p, size_t n)
{
    for (int attempt = 0;; attempt++) {
        if (db_exec(db, sql, p, n, NULL) == 0)
            return 0;
        if (attempt + 1 >= MAIL_RECORD_TRIES)
            return -1;
        struct timespec ts = {0, 200000000L * (attempt + 1)};
        nanosleep(&ts, NULL);
    }
}

static void record(struct db *db, const struct claimed *cl, enum outcome o, const char *why)
{
    struct db_value id = DB_UINT(cl->id), tok = DB_STR(cl->token);
    int rc;
    if (o == SENT) {
        struct db_value p[] = {id, tok};
        rc = exec_retrying(db, SQL_SENT, p, 2);
        log_info("mail: #%llu (%s) sent", cl->id, cl->kind);
    } else if (o == RELEASE) {
        struct db_value p[] = {id, tok};
        rc = exec_retrying(db, SQL_RELEASE, p, 2);
        log_info("mail: #%llu (%s) put back for later: %s", cl->id, cl->kind, why);
    } else if (o == GIVE_UP) {
        struct db_value p[] = {DB_STR(why), id, tok};
        rc = exec_retrying(db, SQL_GIVE_UP, p, 3);
        log_warn("mail: #%llu (%s) not sent after %u attempts, giving up: %s", cl->id, cl->kind, cl->attempts, why);
    } else {
        unsigned wait = mail_sender_backoff(cl->attempts);
        struct db_value p[] = {DB_UINT(wait), DB_STR(why), id, tok};
        rc = exec_retrying(db, SQL_RETRY, p, 4);
        log_warn("mail: #%llu (%s) not sent (attempt %u of %d), next try in %u s: %s", cl->id, cl->kind, cl->attempts,
                 MAIL_MAX_ATTEMPTS, wait, why);
    }
    if (rc != 0)
        log_warn("mail: #%llu: cannot record the outcome (the row is retried after its lease): %s", cl->id,
                 db_error(db));
}

/* 1 claimed (cl filled), 0 another sender has it or it is no longer due, -1 database error. */
static int claim(struct db *db, unsigned long long id, struct claimed *cl)
{
    unsigned char raw[16];
    if (RAND_bytes(raw, sizeof raw) != 1)
        abort();
    for (size_t i = 0; i < sizeof raw; i++)
        snprintf(cl->token + 2 * i, 3, "%02x", raw[i]);
    struct db_value p[] = {DB_STR(cl->token), DB_UINT(id)};
    struct db_exec_result res;
    if (db_exec(db, SQL_CLAIM, p, 2, &res) != 0)
        return -1;
    if (res.affected == 0)
        return 0;
    cl->id = id;
    return 1;
}

/* Sends one claimed row. */
static void deliver(struct db *db, CURL *c, struct from_cache *fc, struct claimed *cl)
{
    struct db_value p[] = {DB_UINT(cl->id), DB_STR(cl->token)};
    struct db_rows r;
    if (db_query(db, SQL_ROW, p, 2, &r) != 0) {
        log_warn("mail: #%llu: cannot read the claimed row (retried after its lease): %s", cl->id, db_error(db));
        return;
    }
    if (r.nrows != 1) { /* claimed by this token a moment ago: only a manual change gets here */
        db_rows_free(&r);
        return;
    }
    snprintf(cl->kind, sizeof cl->kind, "%s", db_cell(&r, 0, 7) ? db_cell(&r, 0, 7) : "");
    cl->attempts = (unsigned)strtoul(db_cell(&r, 0, 5), NULL, 10);
    struct mail_address to, reply;
    const char *err, *reply_s = db_cell(&r, 0, 1);
    bool has_reply = reply_s != NULL && reply_s[0] != '\0';
    if (mail_address_parse(db_cell(&r, 0, 0), db_cell_len(&r, 0, 0), &to, &err) != 0 ||
        (has_reply && mail_address_parse(reply_s, db_cell_len(&r, 0, 1), &reply, &err) != 0)) {
        record(db, cl, GIVE_UP, "the stored recipient or Reply-To is not a valid address");
        db_rows_free(&r);
        return;
    }
    if (read_from(db, fc) != 0 || !fc->valid) {
        record(db, cl, cl->attempts >= MAIL_MAX_ATTEMPTS ? GIVE_UP : RETRY,
               "the store has no valid sender address (woocommerce_email_from_address, admin_email)");
        db_rows_free(&r);
        return;
    }
    char mid[LIMIT_MAIL_ADDRESS_BYTES + 64];
    const char *domain = strchr(fc->from.addr, '@') + 1;
    long long created = strtoll(db_cell(&r, 0, 6) ? db_cell(&r, 0, 6) : "0", NULL, 10);
    snprintf(mid, sizeof mid, "cartman.%llu.%lld@%s", cl->id, created, domain);
    const char *html = db_cell(&r, 0, 4);
    struct mail_build_input in = {
        .from = &fc->from,
        .to = &to,
        .reply_to = has_reply ? &reply : NULL,
        .subject = db_cell(&r, 0, 2),
        .subject_len = db_cell_len(&r, 0, 2),
        .text = db_cell(&r, 0, 3),
        .text_len = db_cell_len(&r, 0, 3),
        .html = html && html[0] ? html : NULL,
        .html_len = html ? db_cell_len(&r, 0, 4) : 0,
        .date = created,
        .message_id = mid,
    };
    size_t len;
    char *msg = mail_build(&in, &len);
    char why[300];
    int rc = smtp_send(c, fc->from.addr, to.addr, msg, len, why, sizeof why);
    free(msg);
    db_rows_free(&r);
    if (rc == 0)
        record(db, cl, SENT, NULL);
    else if (atomic_load(&abort_send))
        record(db, cl, RELEASE, "apid is stopping");
    else
        record(db, cl, cl->attempts >= MAIL_MAX_ATTEMPTS ? GIVE_UP : RETRY, why);
}

/* One pass: the due rows, oldest first, each claimed and sent. 1 when there may be more, 0 when the
 * outbox has nothing due, -1 on a database error. */
static int pass(struct db *db, CURL *c, struct from_cache *fc)
{
    struct db_rows due;
    if (db_query(db, SQL_DUE, NULL, 0, &due) != 0)
        return -1;
    int rc = due.nrows == MAIL_CLAIM_BATCH ? 1 : 0;
    for (size_t i = 0; i < due.nrows && !stopping(); i++) {
        struct claimed cl = {0};
        int got = claim(db, strtoull(db_cell(&due, i, 0), NULL, 10), &cl);
        if (got < 0) {
            rc = -1;
            break;
        }
        if (got == 1) {
            deliver(db, c, fc, &cl);
            rc = 1; /* more may have become due meanwhile */
        }
    }
    db_rows_free(&due);
    return rc;
}

/* ---- the thread ---- */

static void *sender_main(void *arg)
{
    (void)arg;
    struct db *db = NULL;
    CURL *c = curl_easy_init();
    struct from_cache fc = {0};
    bool failing = false;
    if (c == NULL)
        abort();
    while (!stopping()) {
        if (db == NULL) {
            char err[300];
            db = db_connect(&ms.dc, err, sizeof err);
            if (db == NULL && !failing) {
                log_warn("mail: cannot reach the database, mail waits: %s", err);
                failing = true;
            }
        }
        if (db != NULL) {
            /* an idle outbox costs one indexed read and no write */
            int rc;
            while ((rc = pass(db, c, &fc)) == 1 && !stopping())
                ;
            if (rc < 0 && !failing) {
                log_warn("mail: cannot read the outbox, mail waits: %s", db_error(db));
                failing = true;
            } else if (rc >= 0 && failing) {
                log_info("mail: reading the outbox again");
                failing = false;
            }
        }
        pthread_mutex_lock(&ms.mu);
        if (!ms.stop)
            bg_thread_wait(&ms.cond, &ms.mu, MAIL_POLL_MS / 1000.0);
        pthread_mutex_unlock(&ms.mu);
    }
    curl_easy_cleanup(c);
    db_close(db);
    return NULL;
}

int mail_sender_start(const struct config *cfg)
{
    if (cfg->smtp_url[0] == '\0') {
        log_info("mail: smtp_url is not set; outgoing mail stays queued in the outbox");
        return 0;
    }
    bool smtps = strncmp(cfg->smtp_url, "smtps://", 8) == 0;
    if (!smtps && strncmp(cfg->smtp_url, "smtp://", 7) != 0) {
        log_error("smtp_url must start with smtp:// or smtps://");
        return -1;
    }
    /* credentials in the URL: user[:password]@ before the host */
    const char *auth_end = strchr(cfg->smtp_url + (smtps ? 8 : 7), '/');
    const char *at = strchr(cfg->smtp_url, '@');
    bool has_password = at != NULL && (auth_end == NULL || at < auth_end);
    if (strcmp(cfg->smtp_tls, "starttls") == 0 || smtps)
        ms.use_ssl = CURLUSESSL_ALL;
    else if (strcmp(cfg->smtp_tls, "none") == 0)
        ms.use_ssl = CURLUSESSL_NONE;
    else if (strcmp(cfg->smtp_tls, "auto") == 0)
        ms.use_ssl = has_password ? CURLUSESSL_ALL : CURLUSESSL_TRY;
    else {
        log_error("smtp_tls must be auto, starttls or none");
        return -1;
    }
    snprintf(ms.url, sizeof ms.url, "%s", cfg->smtp_url);
    snprintf(ms.ca, sizeof ms.ca, "%s", cfg->smtp_ca);
    ms.dc = config_db(cfg);
    ms.stop = false;
    atomic_store(&abort_send, false);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
        log_error("mail: libcurl does not initialise");
        return -1;
    }
    bg_thread_cond_init(&ms.cond);
    int rc = bg_thread_start(&ms.thread, sender_main, NULL);
    if (rc != 0) {
        pthread_cond_destroy(&ms.cond);
        curl_global_cleanup();
        log_error("mail: cannot start the sender thread");
        return -1;
    }
    ms.running = true;
    log_info("mail: sending the outbox through %s (STARTTLS %s)", smtps ? "smtps" : "smtp",
             ms.use_ssl == CURLUSESSL_ALL ? "required" : ms.use_ssl == CURLUSESSL_TRY ? "when offered" : "off");
    return 0;
}

void mail_sender_stop(void)
{
    if (!ms.running)
        return;
    atomic_store(&abort_send, true);
    pthread_mutex_lock(&ms.mu);
    ms.stop = true;
    pthread_cond_signal(&ms.cond);
    pthread_mutex_unlock(&ms.mu);
    pthread_join(ms.thread, NULL);
    pthread_cond_destroy(&ms.cond);
    curl_global_cleanup();
    ms.running = false;
}
