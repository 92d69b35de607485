/*
 * tests/tools/mail_enqueue.c — queues mail through common/mail_outbox.h, as a handler would, for the
 * integration tests of apid's sender. Test-only: never installed, never reachable over HTTP.
 *
 *   mail_enqueue [--count N] [--rollback] TO SUBJECT TEXT [HTML [REPLY_TO [KIND [OBJECT_TYPE OBJECT_ID]]]]
 *
 * Connects with the daemons' configuration (CARTMAN_* variables), inserts N copies (default 1) inside
 * one transaction and commits it (or rolls it back with --rollback), and prints each new row's id.
 * An empty HTML or REPLY_TO means none. Exit status 0, 1 (database) or 3 (message refused).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/config.h"
#include "common/mail_outbox.h"

extern char **environ;

int main(int argc, char **argv)
{
    long count = 1;
    int rollback = 0, i = 1;
    for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        if (strcmp(argv[i], "--count") == 0 && i + 1 < argc)
            count = strtol(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--rollback") == 0)
            rollback = 1;
    }
    if (argc - i < 3 || count < 1) {
        fputs("usage: mail_enqueue [--count N] [--rollback] TO SUBJECT TEXT [HTML [REPLY_TO [KIND [OBJECT_TYPE "
              "OBJECT_ID]]]]\n",
              stderr);
        return 2;
    }
    char **a = argv + i;
    int n = argc - i;
    struct mail_message m = {
        .to = a[0],
        .subject = a[1],
        .body_text = a[2],
        .body_html = n > 3 ? a[3] : NULL,
        .reply_to = n > 4 ? a[4] : NULL,
        .kind = n > 5 ? a[5] : "test",
        .object_type = n > 6 ? a[6] : NULL,
        .object_id = n > 7 ? strtoull(a[7], NULL, 10) : 0,
    };
    static struct config cfg;
    char err[512];
    if (config_load(&cfg, CONFIG_APID, NULL, (const char *const *)environ, err, sizeof err) != 0) {
        fprintf(stderr, "mail_enqueue: %s\n", err);
        return 1;
    }
    struct db_config dc = config_db(&cfg);
    struct db *db = db_connect(&dc, err, sizeof err);
    if (db == NULL) {
        fprintf(stderr, "mail_enqueue: %s\n", err);
        return 1;
    }
    int status = 0;
    if (db_begin(db) != 0) {
        fprintf(stderr, "mail_enqueue: %s\n", db_error(db));
        db_close(db);
        return 1;
    }
    for (long k = 0; k < count && status == 0; k++) {
        int rc = mail_outbox_enqueue(db, &m);
        struct db_rows r;
        if (rc == MAIL_OUTBOX_INVALID) {
            status = 3;
        } else if (rc != MAIL_OUTBOX_OK || db_query(db, "SELECT LAST_INSERT_ID()", NULL, 0, &r) != 0) {
            fprintf(stderr, "mail_enqueue: %s\n", db_error(db));
            status = 1;
        } else {
            printf("%s\n", db_cell(&r, 0, 0));
            db_rows_free(&r);
        }
    }
    if (status == 0 && !rollback && db_commit(db) != 0) {
        fprintf(stderr, "mail_enqueue: %s\n", db_error(db));
        status = 1;
    } else if (status != 0 || rollback) {
        db_rollback(db);
    }
    db_close(db);
    return status;
}
