/*
 * authd/seed_loader.h — bulk loading of generated rows with LOAD DATA LOCAL INFILE.
 *
 * Rows are appended, as escaped tab-separated text, to one in-memory buffer per destination table;
 * seed_loader_flush() streams each buffer to the server through a local-infile handler (no file is
 * ever read or written) and empties it. Callers flush every few thousand orders, so memory stays
 * bounded whatever the store size.
 *
 * Only for the demo generator: values are not parameters here, they are escaped into LOAD DATA's
 * text format (backslash escapes, \N for NULL), which has no injection surface: the statement text
 * itself is fixed and the data never goes through the SQL parser.
 */
#ifndef AUTHD_SEED_LOADER_H
#define AUTHD_SEED_LOADER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/db.h"

struct seed_loader;
struct seed_table;

struct seed_loader *seed_loader_new(struct db *db);
/* Frees the buffers (unflushed rows are dropped) and takes the local-infile handler off the connection. */
void seed_loader_free(struct seed_loader *ld);

/* Registers a destination: table without prefix ("posts"), comma-separated column list. Tables are
 * flushed in registration order. */
struct seed_table *seed_loader_table(struct seed_loader *ld, const char *table, const char *columns);

/* Field appenders for the current row; seed_row_end() closes it. */
void seed_row_u64(struct seed_table *t, uint64_t v);
void seed_row_i64(struct seed_table *t, int64_t v);
void seed_row_str(struct seed_table *t, const char *s);
void seed_row_strn(struct seed_table *t, const char *s, size_t n);
void seed_row_null(struct seed_table *t);
/* Money in cents as a decimal string with two places: -1234 → "-12.34". */
void seed_row_cents(struct seed_table *t, int64_t cents);
void seed_row_end(struct seed_table *t);

/* Loads every buffered row, one LOAD DATA per table that has rows. Any warning (truncation, bad
 * value, duplicate key: LOCAL turns those errors into warnings) fails the flush. 0, or -1 with err. */
int seed_loader_flush(struct seed_loader *ld, char *err, size_t errlen);

/* The same in the background: waits for the previous flush (its failure is returned here), then
 * starts loading what is buffered and returns; new rows go to fresh buffers meanwhile. Until
 * seed_loader_wait() the caller must not use the connection. */
int seed_loader_flush_start(struct seed_loader *ld, char *err, size_t errlen);
/* Waits for a flush started in the background; 0 when there is none. 0, or -1 with err. */
int seed_loader_wait(struct seed_loader *ld, char *err, size_t errlen);

/* Rows loaded so far, all tables together. */
uint64_t seed_loader_rows(const struct seed_loader *ld);
/* Rows and load time per table, one line each. */
void seed_loader_report(const struct seed_loader *ld, FILE *out);
/* Rows buffered and not yet flushed, all tables together (callers flush when this gets large). */
size_t seed_loader_pending_bytes(const struct seed_loader *ld);

#endif
