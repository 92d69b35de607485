/*
 * common/mail_address.c — validating mail addresses, display names and header values.
 *
 * Owns the rules of what may reach an outgoing mail's headers (see the header). It does not encode
 * anything for the wire (common/mail_build.c) and does not touch the database (common/mail_outbox.c).
 */
#include "common/mail_address.h"

#include <string.h>

bool mail_utf8_valid(const char *s, size_t len, size_t *chars)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, n = 0;
    while (i < len) {
        unsigned c = p[i];
        size_t need;
        unsigned cp, min;
        if (c == 0)
            return false;
        if (c < 0x80) {
            i++;
            n++;
            continue;
        } else if (c >= 0xc2 && c <= 0xdf) {
            need = 1, cp = c & 0x1f, min = 0x80;
        } else if (c >= 0xe0 && c <= 0xef) {
            need = 2, cp = c & 0x0f, min = 0x800;
        } else if (c >= 0xf0 && c <= 0xf4) {
            need = 3, cp = c & 0x07, min = 0x10000;
        } else {
            return false;
        }
        if (len - i - 1 < need)
            return false;
        for (size_t k = 1; k <= need; k++) {
            if ((p[i + k] & 0xc0) != 0x80)
                return false;
            cp = cp << 6 | (p[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += need + 1;
        n++;
    }
    if (chars)
        *chars = n;
    return true;
}

int mail_header_value_check(const char *s, size_t len, size_t max_chars, const char **err)
{
    size_t chars;
    if (!mail_utf8_valid(s, len, &chars)) {
        *err = "is not valid UTF-8 text";
        return -1;
    }
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < len; i++) {
        if ((p[i] < 0x20 && p[i] != '\t') || p[i] == 0x7f) {
            *err = p[i] == '\r' || p[i] == '\n' ? "must not contain line breaks" : "must not contain control characters";
            return -1;
        }
        /* C1 controls U+0080..U+009F are encoded as C2 80..C2 9F */
        if (p[i] == 0xc2 && i + 1 < len && p[i + 1] >= 0x80 && p[i + 1] <= 0x9f) {
            *err = "must not contain control characters";
            return -1;
        }
    }
    if (chars > max_chars) {
        *err = "is too long";
        return -1;
    }
    return 0;
}

static bool is_atext(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

static bool is_ldh(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

int mail_address_check_addr(const char *s, size_t len, const char **err)
{
    if (len == 0) {
        *err = "is empty";
        return -1;
    }
    if (len > LIMIT_MAIL_ADDRESS_BYTES) {
        *err = "is too long";
        return -1;
    }
    const char *at = memchr(s, '@', len);
    if (at == NULL) {
        *err = "has no '@'";
        return -1;
    }
    size_t local_len = (size_t)(at - s), dom_len = len - local_len - 1;
    const unsigned char *local = (const unsigned char *)s, *dom = (const unsigned char *)at + 1;
    if (local_len == 0 || local_len > LIMIT_MAIL_LOCAL_BYTES) {
        *err = local_len == 0 ? "has an empty local part" : "has a local part longer than 64 bytes";
        return -1;
    }
    for (size_t i = 0; i < local_len; i++) {
        if (local[i] == '.') {
            if (i == 0 || i + 1 == local_len || local[i + 1] == '.') {
                *err = "has a misplaced '.' in the local part";
                return -1;
            }
        } else if (!is_atext(local[i])) {
            *err = "has a character that is not allowed in the local part";
            return -1;
        }
    }
    if (dom_len == 0) {
        *err = "has no domain";
        return -1;
    }
    size_t labels = 0, start = 0;
    for (size_t i = 0; i <= dom_len; i++) {
        if (i < dom_len && dom[i] != '.') {
            if (!is_ldh(dom[i])) {
                *err = "has a character that is not allowed in the domain";
                return -1;
            }
            continue;
        }
        size_t n = i - start;
        if (n == 0 || n > 63 || dom[start] == '-' || dom[i - 1] == '-') {
            *err = "has a malformed domain";
            return -1;
        }
        labels++;
        start = i + 1;
    }
    if (labels < 2) {
        *err = "has a domain without a dot";
        return -1;
    }
    return 0;
}

static bool is_wsp(char c)
{
    return c == ' ' || c == '\t';
}

/* The display name: "quoted \"string\"" (unquoted into out) or plain text without quotes. */
static int parse_name(const char *s, size_t len, struct mail_address *out, const char **err)
{
    size_t o = 0;
    if (len >= 1 && s[0] == '"') {
        if (len < 2 || s[len - 1] != '"') {
            *err = "has an unterminated quoted name";
            return -1;
        }
        for (size_t i = 1; i + 1 < len; i++) {
            char c = s[i];
            if (c == '\\') {
                if (i + 2 >= len) {
                    *err = "has an unterminated quoted name";
                    return -1;
                }
                c = s[++i];
            } else if (c == '"') {
                *err = "has a stray '\"' in the name";
                return -1;
            }
            if (o >= LIMIT_MAIL_NAME_BYTES) {
                *err = "has a name that is too long";
                return -1;
            }
            out->name[o++] = c;
        }
    } else {
        for (size_t i = 0; i < len; i++) {
            if (s[i] == '"' || s[i] == '<' || s[i] == '>') {
                *err = "has a character in the name that needs quoting";
                return -1;
            }
        }
        if (len > LIMIT_MAIL_NAME_BYTES) {
            *err = "has a name that is too long";
            return -1;
        }
        memcpy(out->name, s, len);
        o = len;
    }
    out->name[o] = '\0';
    if (memchr(out->name, '<', o) || memchr(out->name, '>', o)) {
        *err = "has a character in the name that is not allowed";
        return -1;
    }
    return mail_header_value_check(out->name, o, LIMIT_MAIL_NAME_BYTES, err) == 0 ? 0 : -1;
}

int mail_address_parse(const char *s, size_t len, struct mail_address *out, const char **err)
{
    out->name[0] = '\0';
    out->addr[0] = '\0';
    if (len > LIMIT_MAIL_FIELD_BYTES) {
        *err = "is too long";
        return -1;
    }
    /* line breaks and other control characters anywhere are refused before anything else */
    if (mail_header_value_check(s, len, LIMIT_MAIL_FIELD_BYTES, err) != 0)
        return -1;
    while (len > 0 && is_wsp(s[0]))
        s++, len--;
    while (len > 0 && is_wsp(s[len - 1]))
        len--;
    const char *addr = s;
    size_t addr_len = len;
    if (len > 0 && s[len - 1] == '>') {
        const char *lt = NULL;
        for (size_t i = len - 1; i-- > 0;)
            if (s[i] == '<') {
                lt = s + i;
                break;
            }
        if (lt == NULL) {
            *err = "has a '>' without '<'";
            return -1;
        }
        addr = lt + 1;
        addr_len = (size_t)(s + len - 1 - addr);
        size_t name_len = (size_t)(lt - s);
        while (name_len > 0 && is_wsp(s[name_len - 1]))
            name_len--;
        if (parse_name(s, name_len, out, err) != 0)
            return -1;
    }
    if (mail_address_check_addr(addr, addr_len, err) != 0)
        return -1;
    memcpy(out->addr, addr, addr_len);
    out->addr[addr_len] = '\0';
    return 0;
}
