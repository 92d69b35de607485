/*
 * common/json_body.c — checks a JSON request body against a field list (see the header).
 *
 * Owns: decoding (jansson, with duplicate keys refused and NUL escapes refused), the depth bound, the
 * field checks and the wording of their errors. Does not: read the body off the request, answer
 * HTTP, or interpret values beyond their JSON type and size.
 */
#include "common/json_body.h"

#include <stdio.h>
#include <string.h>

#include "common/limits.h"

/* The nesting depth, counted with a cheap scan before jansson's recursive decoder sees the body (its
 * own cap is 2048 levels). */
static bool too_deep(const char *s, size_t len)
{
    size_t depth = 0;
    bool in_str = false, esc = false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (in_str) {
            if (esc)
                esc = false;
            else if (c == '\\')
                esc = true;
            else if (c == '"')
                in_str = false;
        } else if (c == '"') {
            in_str = true;
        } else if (c == '{' || c == '[') {
            if (++depth > LIMIT_JSON_DEPTH)
                return true;
        } else if ((c == '}' || c == ']') && depth > 0) {
            depth--;
        }
    }
    return false;
}

json_t *json_body_parse(const char *src, size_t len, const struct json_body_field *fields, size_t nfields, char *err,
                        size_t errcap)
{
    if (src == NULL || len == 0) {
        snprintf(err, errcap, "The request body must be a JSON object.");
        return NULL;
    }
    if (too_deep(src, len)) {
        snprintf(err, errcap, "The JSON body is nested too deeply.");
        return NULL;
    }
    json_error_t je;
    json_t *o = json_loadb(src, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
    if (o == NULL) {
        snprintf(err, errcap, strstr(je.text, "duplicate") ? "The JSON body repeats a field."
                                                            : "The request body is not valid JSON.");
        return NULL;
    }
    if (!json_is_object(o)) {
        snprintf(err, errcap, "The request body must be a JSON object.");
        json_decref(o);
        return NULL;
    }
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v) {
        const struct json_body_field *f = NULL;
        for (size_t i = 0; i < nfields && f == NULL; i++)
            if (strcmp(fields[i].name, k) == 0)
                f = &fields[i];
        if (f == NULL) {
            char shown[48];
            size_t n = strlen(k);
            bool printable = true;
            for (size_t i = 0; i < n; i++)
                printable = printable && (unsigned char)k[i] >= 0x20 && (unsigned char)k[i] < 0x7f;
            snprintf(shown, sizeof shown, "%.*s%s", printable ? (int)(n > 40 ? 40 : n) : 0, k, n > 40 ? "…" : "");
            snprintf(err, errcap, printable && n ? "Unknown field: %s" : "Unknown field.", shown);
            json_decref(o);
            return NULL;
        }
        bool ok;
        switch (f->type) {
        case JSON_BODY_STRING:
            ok = json_is_string(v) && json_string_length(v) <= f->max_len;
            break;
        case JSON_BODY_BOOL:
            ok = json_is_boolean(v);
            break;
        case JSON_BODY_UINT:
            ok = json_is_integer(v) && json_integer_value(v) >= 0 &&
                 (f->max_len == 0 || (unsigned long long)json_integer_value(v) <= f->max_len);
            break;
        default:
            ok = true;
        }
        if (!ok) {
            snprintf(err, errcap, "Invalid parameter(s): %s", f->name);
            json_decref(o);
            return NULL;
        }
    }
    for (size_t i = 0; i < nfields; i++)
        if (fields[i].required && json_object_get(o, fields[i].name) == NULL) {
            snprintf(err, errcap, "Missing parameter(s): %s", fields[i].name);
            json_decref(o);
            return NULL;
        }
    return o;
}
