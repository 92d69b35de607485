/*
 * common/php_serialize.h — PHP serialize()/unserialize() to and from jansson values.
 *
 * WordPress keeps capabilities, roles, application passwords, product attributes and line tax data
 * as PHP-serialized strings. This module reads and writes the plain-data subset of that format.
 *
 * Mapping, PHP → JSON (php_unserialize):
 *   N;                 null
 *   b:0; b:1;          false, true
 *   i:<int>;           integer (64-bit, as PHP on 64-bit systems)
 *   d:<float>;         real; d:INF; d:-INF; d:NAN; (and values that overflow to them) are errors,
 *                      because JSON has no non-finite numbers
 *   s:<n>:"<bytes>";   string; n is a byte count, the bytes are not escaped. Must be valid UTF-8
 *                      (jansson strings are), else an error. NUL bytes are allowed.
 *   a:<n>:{k;v;...}    an array whose keys are exactly 0..n-1 in this order → JSON array;
 *                      any other array → JSON object in PHP's order, int keys as decimal text
 *                      (i:12; → "12"). Keys are int or string (valid UTF-8, without NUL bytes:
 *                      jansson looks keys up as C strings); a string key that is a canonical
 *                      decimal integer ("12", not "012", "+1" or "-0") becomes an int key as in
 *                      PHP, so no information is lost: php_serialize writes a JSON object key back
 *                      as i: exactly when it is such a canonical integer. Duplicate keys: the last
 *                      value wins, at the position of the first, as in PHP.
 * Objects (O:), custom objects (C:), enums (E:), references (r:, R:) and the legacy escaped string
 * (S:) are errors: the WordPress data we read never contains them, and objects are how
 * unserialize() gets exploited.
 *
 * Strict: only the canonical text PHP's serialize() writes is accepted: no '+' signs, no leading
 * zeros (i:007;), no i:-0;, no whitespace, nothing after the value. A d: value is
 * -?digits[.digits][(e|E)[+-]digits], at most 64 characters. Lengths larger than the rest of the
 * input, counts that cannot fit in it, integers outside int64, nesting deeper than
 * LIMIT_PHP_SERIALIZED_DEPTH arrays and input over LIMIT_PHP_SERIALIZED_BYTES are errors.
 *
 * Writing (php_serialize) is the reverse and byte-exact with PHP 8's serialize(): JSON arrays become
 * a:n:{i:0;...}, objects a:n:{...} with i:/s: keys as above, reals use serialize_precision = -1
 * (shortest round-trip: 0.1 → d:0.1; 1.0 → d:1; 1e25 → d:1.0E+25;). So
 * php_serialize(php_unserialize(x)) == x byte for byte whenever x came from PHP's serialize() (and
 * has finite floats). Text PHP never writes is normalised as PHP's own unserialize() + serialize()
 * would: d:1.50; → d:1.5;, a duplicate key collapses, a key s:1:"7"; becomes i:7;.
 *
 * Both functions are pure (no I/O, no globals); allocation failure aborts.
 */
#ifndef COMMON_PHP_SERIALIZE_H
#define COMMON_PHP_SERIALIZE_H

#include <stddef.h>

#include <jansson.h>

/*
 * Parses len bytes of serialized PHP (not NUL-terminated). Returns a new reference, or NULL with
 * *err set to a static message.
 */
json_t *php_unserialize(const char *src, size_t len, const char **err);

/*
 * Serializes v. Returns a malloc'd, NUL-terminated buffer (the caller frees it) and its length
 * (without the NUL) in *len_out, which may be NULL. Returns NULL when v is NULL, nests deeper than
 * LIMIT_PHP_SERIALIZED_DEPTH arrays/objects, has an object key with a NUL byte or the result would
 * exceed LIMIT_PHP_SERIALIZED_BYTES: we never write what php_unserialize would refuse.
 */
char *php_serialize(const json_t *v, size_t *len_out);

#endif
