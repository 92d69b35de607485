/*
 * common/form_urlencoded.h — application/x-www-form-urlencoded bodies and URL query strings.
 *
 * "a=1&b=x+y&c=%C3%A9&d" → {a,"1"} {b,"x y"} {c,"é"} {d,""}. Names and values are decoded into the
 * pool, counted and also NUL-terminated. Empty pieces ("a=1&&b=2", a trailing '&') are skipped;
 * a name without '=' has an empty value. A bad %-escape, a %00 (NUL) or more than max_fields
 * fields is an error. OAuth forbids repeated parameters: check with form_count(...) > 1.
 */
#ifndef COMMON_FORM_URLENCODED_H
#define COMMON_FORM_URLENCODED_H

#include <stddef.h>

#include <h2o/memory.h>

struct form_field {
    const char *name;
    size_t name_len;
    const char *value;
    size_t value_len;
};

/* Parses src[0..len) into fields[0..*nfields). 0, or -1 with *err set (a static string). */
int form_urlencoded_parse(h2o_mem_pool_t *pool, const char *src, size_t len, struct form_field *fields,
                          size_t max_fields, size_t *nfields, const char **err);

/* The first field called name (a C string, compared byte for byte), or NULL. */
const struct form_field *form_find(const struct form_field *f, size_t n, const char *name);

/* How many fields are called name. */
size_t form_count(const struct form_field *f, size_t n, const char *name);

#endif
