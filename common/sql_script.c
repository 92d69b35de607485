/*
 * common/sql_script.c — splitting and running the project's own SQL scripts.
 *
 * Only for trusted text shipped with the binaries (schemas, migrations): it is not an SQL parser and
 * never sees input from a request.
 */
#include "common/sql_script.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool blank_or_comment(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
        i++;
    if (i == n)
        return true;
    /* a statement made only of "--" comment lines */
    while (i < n) {
        if (n - i >= 2 && s[i] == '-' && s[i + 1] == '-') {
            while (i < n && s[i] != '\n')
                i++;
        } else if (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n') {
            i++;
        } else {
            return false;
        }
    }
    return true;
}

size_t sql_script_split(const char *text, size_t len, void (*cb)(const char *stmt, size_t len, void *ud), void *ud)
{
    size_t count = 0, start = 0;
    for (size_t i = 0; i < len; i++) {
        bool end_of_stmt = text[i] == ';' && (i + 1 == len || text[i + 1] == '\n' || text[i + 1] == '\r');
        if (!end_of_stmt)
            continue;
        if (!blank_or_comment(text + start, i - start)) {
            cb(text + start, i - start, ud);
            count++;
        }
        start = i + 1;
    }
    if (start < len && !blank_or_comment(text + start, len - start)) {
        cb(text + start, len - start, ud);
        count++;
    }
    return count;
}

struct run_state {
    struct db *db;
    int failed;
    char *err;
    size_t errlen;
};

static void run_one(const char *stmt, size_t len, void *ud)
{
    struct run_state *st = ud;
    if (st->failed)
        return;
    char *copy = strndup(stmt, len);
    if (copy == NULL)
        abort();
    if (db_exec_text(st->db, copy) != 0) {
        const char *s = copy;
        while (*s == '\n' || *s == ' ')
            s++;
        snprintf(st->err, st->errlen, "%s (in: %.60s)", db_error(st->db), s);
        st->failed = 1;
    }
    free(copy);
}

int sql_script_run(struct db *db, const char *text, size_t len, char *err, size_t errlen)
{
    struct run_state st = {db, 0, err, errlen};
    sql_script_split(text, len, run_one, &st);
    return st.failed ? -1 : 0;
}
