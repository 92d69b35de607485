/*
 * common/json_body.h — a request body that must be one JSON object with known fields.
 *
 *   static const struct json_body_field fields[] = {
 *       {"status", JSON_BODY_STRING, true, 20},
 *       {"note", JSON_BODY_STRING, false, LIMIT_ORDER_NOTE_BYTES},
 *   };
 *   char err[160];
 *   json_t *o = json_body_parse(body, len, fields, 2, err, sizeof err);
 *   if (o == NULL) → 400 with err ("Invalid parameter(s): status", "Unknown field: colour", ...)
 *
 * Strict on purpose, so a mistyped field never passes unnoticed: the body is UTF-8 JSON (no NUL
 * escapes), an object at the top, at most LIMIT_JSON_DEPTH deep, with no repeated key, no field the
 * list does not name, every required field present, and every field of its type (and, for strings,
 * at most max_len bytes; for integers, 0 .. max_len). Pure: no I/O, no globals.
 */
#ifndef COMMON_JSON_BODY_H
#define COMMON_JSON_BODY_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

enum json_body_type { JSON_BODY_STRING, JSON_BODY_BOOL, JSON_BODY_UINT, JSON_BODY_ANY };

struct json_body_field {
    const char *name;
    enum json_body_type type;
    bool required;
    size_t max_len; /* strings: bytes; integers: the largest value; 0: no bound (ANY) */
};

/* The parsed object (the caller json_decref's it), or NULL with a message for the client in err. */
json_t *json_body_parse(const char *src, size_t len, const struct json_body_field *fields, size_t nfields, char *err,
                        size_t errcap);

#endif
