/*
 * authd/seed_loader.c — LOAD DATA LOCAL INFILE from memory for the demo generator.
 *
 * Owns: per-table text buffers in LOAD DATA's default format (fields split by tab, lines by newline,
 * backslash escapes, \N for NULL), and streaming them through mysql_set_local_infile_handler.
 * Speed: the server's parsing and inserting is the cost, about one core per LOAD, so
 *  - a flush loads on two connections at once ("lanes") — the caller's, inside the caller's
 *    transaction, and a second one opened here with the same account and session settings
 *    (sql_mode, time_zone, unique_checks, foreign_key_checks), whose LOADs commit one by one — both
 *    taking tables from one queue, largest first; without a second connection, one lane does all;
 *  - seed_loader_flush_start() loads in the background while the caller generates the next rows
 *    into a second set of buffers; seed_loader_wait() collects the result. The caller must not use
 *    the connection in between.
 * Does not: decide transactions or session settings (seed_demo.c), or know what the rows mean.
 */
#include "authd/seed_loader.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SEED_MAX_TABLES 48

struct buf {
    char *p;
    size_t len, cap;
    size_t rows;
};

struct seed_table {
    char name[64];
    char columns[512];
    struct buf cur;    /* being filled by the generator */
    struct buf flight; /* being loaded */
    bool in_row;       /* a field was written to the current row */
    uint64_t loaded;   /* flushed so far */
    double seconds;    /* share of the load time */
};

/* The tables of one flush, largest first; each lane takes the next one when it is free. */
struct queue {
    pthread_mutex_t lock;
    struct seed_table *tables[SEED_MAX_TABLES];
    size_t n, next;
    bool failed;
};

struct lane {
    struct seed_loader *ld;
    struct queue *q;
    MYSQL *m;
    pthread_t thread;
    bool started;
    int rc;
    char err[512];
};

struct seed_loader {
    struct db *db;
    struct db *second_db; /* the second lane's connection, NULL when not (yet) open */
    MYSQL *second;        /* its handle */
    bool second_tried;
    struct seed_table tables[SEED_MAX_TABLES];
    size_t ntables;
    uint64_t rows;
    /* the flush in flight */
    bool busy;
    struct queue q;
    struct lane lanes[2];
    size_t flight_bytes;
    struct timespec started;
};

/* The buffer being streamed by the local-infile callbacks. */
struct infile_src {
    const char *data;
    size_t len, pos;
};

struct seed_loader *seed_loader_new(struct db *db)
{
    struct seed_loader *ld = calloc(1, sizeof *ld);
    if (ld == NULL)
        abort();
    ld->db = db;
    pthread_mutex_init(&ld->q.lock, NULL);
    return ld;
}

static int refuse_init(void **ptr, const char *filename, void *userdata)
{
    (void)filename;
    (void)userdata;
    *ptr = NULL;
    return 1;
}
static int refuse_read(void *ptr, char *buf, unsigned int len)
{
    (void)ptr;
    (void)buf;
    (void)len;
    return -1;
}
static void refuse_end(void *ptr)
{
    (void)ptr;
}
static int refuse_error(void *ptr, char *msg, unsigned int len)
{
    (void)ptr;
    snprintf(msg, len, "LOAD DATA LOCAL is not accepted on this connection");
    return 2000;
}

void seed_loader_free(struct seed_loader *ld)
{
    if (ld == NULL)
        return;
    char ignored[512];
    seed_loader_wait(ld, ignored, sizeof ignored);
    /* After the load, a LOCAL INFILE request from the server (only a hostile server sends one
     * unasked) gets a refusal rather than a file from this machine. */
    MYSQL *m = db_mysql(ld->db); /* NULL after a reconnect failed */
    if (m)
        mysql_set_local_infile_handler(m, refuse_init, refuse_read, refuse_end, refuse_error, NULL);
    db_close(ld->second_db);
    ld->second_db = NULL;
    for (size_t i = 0; i < ld->ntables; i++) {
        free(ld->tables[i].cur.p);
        free(ld->tables[i].flight.p);
    }
    pthread_mutex_destroy(&ld->q.lock);
    free(ld);
}

struct seed_table *seed_loader_table(struct seed_loader *ld, const char *table, const char *columns)
{
    if (ld->ntables == SEED_MAX_TABLES)
        abort();
    struct seed_table *t = &ld->tables[ld->ntables++];
    snprintf(t->name, sizeof t->name, "%s", table);
    snprintf(t->columns, sizeof t->columns, "%s", columns);
    return t;
}

static void reserve(struct seed_table *t, size_t more)
{
    struct buf *b = &t->cur;
    if (b->len + more <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 1 << 16;
    while (cap < b->len + more)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (p == NULL)
        abort();
    b->p = p;
    b->cap = cap;
}

static void field_start(struct seed_table *t)
{
    if (t->in_row) {
        reserve(t, 1);
        t->cur.p[t->cur.len++] = '\t';
    }
    t->in_row = true;
}

static void put_raw(struct seed_table *t, const char *s, size_t n)
{
    reserve(t, n);
    memcpy(t->cur.p + t->cur.len, s, n);
    t->cur.len += n;
}

void seed_row_u64(struct seed_table *t, uint64_t v)
{
    char tmp[24];
    int n = snprintf(tmp, sizeof tmp, "%" PRIu64, v);
    field_start(t);
    put_raw(t, tmp, (size_t)n);
}

void seed_row_i64(struct seed_table *t, int64_t v)
{
    char tmp[24];
    int n = snprintf(tmp, sizeof tmp, "%" PRId64, v);
    field_start(t);
    put_raw(t, tmp, (size_t)n);
}

void seed_row_cents(struct seed_table *t, int64_t cents)
{
    char tmp[32];
    uint64_t a = cents < 0 ? (uint64_t)(-cents) : (uint64_t)cents;
    int n = snprintf(tmp, sizeof tmp, "%s%" PRIu64 ".%02" PRIu64, cents < 0 ? "-" : "", a / 100, a % 100);
    field_start(t);
    put_raw(t, tmp, (size_t)n);
}

void seed_row_strn(struct seed_table *t, const char *s, size_t n)
{
    field_start(t);
    reserve(t, 2 * n);
    char *o = t->cur.p + t->cur.len;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        switch (c) {
        case '\\': *o++ = '\\'; *o++ = '\\'; break;
        case '\t': *o++ = '\\'; *o++ = 't'; break;
        case '\n': *o++ = '\\'; *o++ = 'n'; break;
        case '\r': *o++ = '\\'; *o++ = 'r'; break;
        case '\0': *o++ = '\\'; *o++ = '0'; break;
        default: *o++ = c; break;
        }
    }
    t->cur.len = (size_t)(o - t->cur.p);
}

void seed_row_str(struct seed_table *t, const char *s)
{
    seed_row_strn(t, s, strlen(s));
}

void seed_row_null(struct seed_table *t)
{
    field_start(t);
    put_raw(t, "\\N", 2);
}

void seed_row_end(struct seed_table *t)
{
    reserve(t, 1);
    t->cur.p[t->cur.len++] = '\n';
    t->in_row = false;
    t->cur.rows++;
}

static int src_init(void **ptr, const char *filename, void *userdata)
{
    (void)filename;
    struct infile_src *src = userdata;
    src->pos = 0;
    *ptr = src;
    return 0;
}

static int src_read(void *ptr, char *buf, unsigned int len)
{
    struct infile_src *src = ptr;
    size_t n = src->len - src->pos;
    if (n > len)
        n = len;
    memcpy(buf, src->data + src->pos, n);
    src->pos += n;
    return (int)n;
}

static void src_end(void *ptr)
{
    (void)ptr;
}

static int src_error(void *ptr, char *msg, unsigned int len)
{
    (void)ptr;
    snprintf(msg, len, "seed loader: buffer read failed");
    return 2000;
}

/* The first warning of the last statement, for the error message. */
static void first_warning(MYSQL *m, char *out, size_t outlen)
{
    snprintf(out, outlen, "unknown warning");
    if (mysql_query(m, "SHOW WARNINGS LIMIT 1") != 0)
        return;
    MYSQL_RES *res = mysql_store_result(m);
    if (res == NULL)
        return;
    MYSQL_ROW row = mysql_fetch_row(res);
    if (row && row[2])
        snprintf(out, outlen, "%s", row[2]);
    mysql_free_result(res);
}

static int load_table(struct seed_loader *ld, MYSQL *m, struct seed_table *t, char *err, size_t errlen)
{
    char sql[1024];
    snprintf(sql, sizeof sql,
             "LOAD DATA LOCAL INFILE 'cartman-seed' INTO TABLE `%s%s` CHARACTER SET utf8mb4"
             " FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' (%s)",
             db_prefix(ld->db), t->name, t->columns);
    struct infile_src src = {t->flight.p, t->flight.len, 0};
    mysql_set_local_infile_handler(m, src_init, src_read, src_end, src_error, &src);
    if (mysql_real_query(m, sql, strlen(sql)) != 0) {
        snprintf(err, errlen, "loading %s%s: %s", db_prefix(ld->db), t->name, mysql_error(m));
        return -1;
    }
    my_ulonglong affected = mysql_affected_rows(m);
    unsigned warnings = mysql_warning_count(m);
    if (warnings > 0 || affected != (my_ulonglong)t->flight.rows) {
        char w[256];
        first_warning(m, w, sizeof w);
        snprintf(err, errlen, "loading %s%s: %llu of %zu rows, %u warnings (first: %s)", db_prefix(ld->db), t->name,
                 (unsigned long long)affected, t->flight.rows, warnings, w);
        return -1;
    }
    return 0;
}

/* The first row of a one-row query on m, into out (NUL-terminated cells), or -1. */
static int query_row(MYSQL *m, const char *sql, char out[][64], unsigned ncols)
{
    if (mysql_query(m, sql) != 0)
        return -1;
    MYSQL_RES *res = mysql_store_result(m);
    MYSQL_ROW row = res ? mysql_fetch_row(res) : NULL;
    int rc = row && mysql_num_fields(res) == ncols ? 0 : -1;
    for (unsigned i = 0; rc == 0 && i < ncols; i++)
        snprintf(out[i], 64, "%s", row[i] ? row[i] : "");
    if (res)
        mysql_free_result(res);
    return rc;
}

/* Opens the second lane with the first connection's settings and session variables. */
static MYSQL *open_second(struct seed_loader *ld)
{
    MYSQL *first = db_mysql(ld->db);
    char v[4][64], sql[512];
    if (query_row(first, "SELECT @@SESSION.sql_mode, @@SESSION.time_zone, @@SESSION.unique_checks,"
                         " @@SESSION.foreign_key_checks", v, 4) != 0)
        return NULL;
    if (strchr(v[0], '\'') || strchr(v[1], '\''))
        return NULL;
    char err[300];
    struct db *second = db_connect_again(ld->db, err, sizeof err);
    if (second == NULL) {
        fprintf(stderr, "seed-demo: loading on one connection only (%s)\n", err);
        return NULL;
    }
    MYSQL *m = db_mysql(second);
    snprintf(sql, sizeof sql, "SET SESSION sql_mode = '%s', time_zone = '%s', unique_checks = %s, foreign_key_checks = %s",
             v[0], v[1], v[2], v[3]);
    if (mysql_query(m, sql) != 0) {
        fprintf(stderr, "seed-demo: loading on one connection only (%s)\n", mysql_error(m));
        db_close(second);
        return NULL;
    }
    ld->second_db = second;
    return m;
}

static struct seed_table *take(struct queue *q)
{
    pthread_mutex_lock(&q->lock);
    struct seed_table *t = !q->failed && q->next < q->n ? q->tables[q->next++] : NULL;
    pthread_mutex_unlock(&q->lock);
    return t;
}

static void *lane_run(void *arg)
{
    struct lane *l = arg;
    struct seed_table *t;
    l->rc = 0;
    while (l->rc == 0 && (t = take(l->q)) != NULL) {
        l->rc = load_table(l->ld, l->m, t, l->err, sizeof l->err);
        if (l->rc != 0) {
            pthread_mutex_lock(&l->q->lock);
            l->q->failed = true;
            pthread_mutex_unlock(&l->q->lock);
        }
    }
    return NULL;
}

/* Moves the filled buffers to the flight side and queues them, largest first (longest processing
 * time first keeps the lanes even). The flight side is empty here: the previous flush is done. */
static void fill_queue(struct seed_loader *ld)
{
    struct queue *q = &ld->q;
    q->n = q->next = 0;
    q->failed = false;
    ld->flight_bytes = 0;
    for (size_t i = 0; i < ld->ntables; i++) {
        struct seed_table *t = &ld->tables[i];
        if (t->cur.rows == 0)
            continue;
        struct buf spare = t->flight;
        t->flight = t->cur;
        t->cur = spare;
        t->cur.len = t->cur.rows = 0;
        ld->flight_bytes += t->flight.len;
        size_t j = q->n++;
        while (j > 0 && q->tables[j - 1]->flight.len < t->flight.len) {
            q->tables[j] = q->tables[j - 1];
            j--;
        }
        q->tables[j] = t;
    }
}

int seed_loader_flush_start(struct seed_loader *ld, char *err, size_t errlen)
{
    if (seed_loader_wait(ld, err, errlen) != 0)
        return -1;
    if (!ld->second_tried) {
        ld->second_tried = true;
        ld->second = open_second(ld);
    }
    fill_queue(ld);
    if (ld->q.n == 0)
        return 0;
    clock_gettime(CLOCK_MONOTONIC, &ld->started);
    MYSQL *conns[2] = {db_mysql(ld->db), ld->second};
    for (size_t k = 0; k < 2; k++) {
        struct lane *l = &ld->lanes[k];
        *l = (struct lane){.ld = ld, .q = &ld->q, .m = conns[k]};
        if (l->m == NULL || (k == 1 && ld->q.n < 2))
            continue;
        if (pthread_create(&l->thread, NULL, lane_run, l) != 0)
            abort();
        l->started = true;
    }
    ld->busy = true;
    return 0;
}

int seed_loader_wait(struct seed_loader *ld, char *err, size_t errlen)
{
    if (!ld->busy)
        return 0;
    ld->busy = false;
    int rc = 0;
    for (size_t k = 0; k < 2; k++) {
        struct lane *l = &ld->lanes[k];
        if (!l->started)
            continue;
        pthread_join(l->thread, NULL);
        l->started = false;
        if (l->rc != 0 && rc == 0) {
            snprintf(err, errlen, "%s", l->err);
            rc = -1;
        }
    }
    if (rc == 0 && ld->q.next < ld->q.n) { /* no lane could run */
        snprintf(err, errlen, "seed loader: no connection to load on");
        rc = -1;
    }
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double secs = (double)(now.tv_sec - ld->started.tv_sec) + (double)(now.tv_nsec - ld->started.tv_nsec) / 1e9;
    for (size_t i = 0; i < ld->q.n; i++) {
        struct seed_table *t = ld->q.tables[i];
        /* the flush's wall time, shared by size: with two lanes a table's own time is not measured */
        t->seconds += secs * (double)t->flight.len / (double)ld->flight_bytes;
        if (rc == 0) {
            ld->rows += t->flight.rows;
            t->loaded += t->flight.rows;
        }
        t->flight.len = t->flight.rows = 0;
    }
    ld->q.n = 0;
    return rc;
}

int seed_loader_flush(struct seed_loader *ld, char *err, size_t errlen)
{
    if (seed_loader_flush_start(ld, err, errlen) != 0)
        return -1;
    return seed_loader_wait(ld, err, errlen);
}

uint64_t seed_loader_rows(const struct seed_loader *ld)
{
    return ld->rows;
}

void seed_loader_report(const struct seed_loader *ld, FILE *out)
{
    for (size_t i = 0; i < ld->ntables; i++) {
        const struct seed_table *t = &ld->tables[i];
        if (t->loaded)
            fprintf(out, "seed-demo:   %-28s %10" PRIu64 " rows %7.1f s (share of wall time)\n", t->name, t->loaded,
                    t->seconds);
    }
}

size_t seed_loader_pending_bytes(const struct seed_loader *ld)
{
    size_t n = 0;
    for (size_t i = 0; i < ld->ntables; i++)
        n += ld->tables[i].cur.len;
    return n;
}
