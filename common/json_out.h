/*
 * common/json_out.h — writes JSON text straight into one growable buffer, for large responses built
 * from database rows without a jansson tree (no node per value, no second pass to serialise).
 *
 * The text is byte for byte what jansson's json_dumps(JSON_COMPACT) prints for the same values
 * (same string escapes, "," and ":" without spaces), except for doubles, which json_out_php_float
 * prints as PHP's json_encode does with serialize_precision -1: the shortest form that reads back
 * as the same double (22.9, 23, 1.0e-5), not jansson's 17 digits (22.899999999999999).
 * Invalid UTF-8 in a string becomes U+FFFD (jansson would refuse the whole string).
 *
 * A writer is reused: json_out_reset keeps the buffer. Allocation failure aborts.
 */
#ifndef COMMON_JSON_OUT_H
#define COMMON_JSON_OUT_H

#include <stdbool.h>
#include <stddef.h>

#include "common/limits.h"

struct json_out {
    char *buf;
    size_t len, cap;
    unsigned depth;                        /* open objects and arrays */
    bool after_key;                        /* the next value belongs to the key just written */
    bool first[LIMIT_JSON_DEPTH + 1];      /* no member written yet at this depth */
};

void json_out_init(struct json_out *w);
void json_out_reset(struct json_out *w); /* empty again, buffer kept */
void json_out_free(struct json_out *w);
/* Makes room for n more bytes at once (a guess of the reply's size saves regrowing). */
void json_out_reserve(struct json_out *w, size_t n);

/* Containers deeper than LIMIT_JSON_DEPTH abort (a programming error, never input-driven). */
void json_out_object_open(struct json_out *w);
void json_out_object_close(struct json_out *w);
void json_out_array_open(struct json_out *w);
void json_out_array_close(struct json_out *w);

/* An object member's name; the next call writes its value. */
void json_out_key(struct json_out *w, const char *key);

void json_out_string(struct json_out *w, const char *s); /* NUL-terminated; NULL writes "" */
void json_out_string_or_null(struct json_out *w, const char *s); /* NULL writes null */
void json_out_int(struct json_out *w, long long v);
void json_out_uint(struct json_out *w, unsigned long long v);
void json_out_bool(struct json_out *w, bool v);
void json_out_null(struct json_out *w);
void json_out_php_float(struct json_out *w, double v);
/* A value already in JSON text (one this writer made earlier), copied as it is. */
void json_out_raw(struct json_out *w, const char *json, size_t len);

/* PHP's json_encode form of a finite double (see above) into out (at least 32 bytes); NaN and
 * infinities, which json_encode refuses, become 0. Returns the length. */
size_t json_out_format_php_float(double v, char out[32]);

#endif
