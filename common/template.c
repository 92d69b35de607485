/*
 * common/template.c — the mustache-like renderer (the syntax and its guarantees are in the header).
 *
 * Owns: compiling a template into a flat node list, escaping every value by the template's kind,
 * section and partial rendering under the output, depth and work caps, and loading the set of
 * templates/ files once at start-up.
 * Does not: offer raw output, lambdas, set delimiters, template inheritance or indentation of
 * partials; know any page or its data; cache anything across renders; watch files for changes.
 */
#include "common/template.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/limits.h"

enum node_kind { NODE_TEXT, NODE_VAR, NODE_SECTION, NODE_INVERTED, NODE_PARTIAL };

/* text: src[off..off+len); a tag: its name there. end: the node after a section's body. */
struct node {
    enum node_kind kind;
    uint32_t off, len, end;
};

struct template {
    bool text; /* plain-text escaping */
    char *src; /* our own copy of the source: nodes point into it */
    size_t src_len;
    struct node *nodes;
    size_t nnodes;
};

struct set_entry {
    char name[LIMIT_TEMPLATE_NAME_BYTES + 1];
    size_t name_len;
    struct template *t;
};

struct template_set {
    struct set_entry *e; /* sorted by name */
    size_t n, cap;
};

static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n);
    if (p == NULL)
        abort();
    return p;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static bool name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* "." or [A-Za-z0-9_]+ segments joined by single dots. */
static bool valid_name(const char *s, size_t n)
{
    if (n == 1 && s[0] == '.')
        return true;
    if (n == 0 || s[0] == '.' || s[n - 1] == '.')
        return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '.') {
            if (s[i - 1] == '.')
                return false;
        } else if (!name_char(s[i])) {
            return false;
        }
    }
    return true;
}

static unsigned line_of(const char *src, size_t pos)
{
    unsigned line = 1;
    for (size_t i = 0; i < pos; i++)
        line += src[i] == '\n';
    return line;
}

/* ---- parsing ---- */

struct parser {
    const char *src;
    size_t len;
    struct node *nodes;
    size_t n, cap;
    size_t open[LIMIT_TEMPLATE_DEPTH]; /* node indices of the open sections */
    size_t depth;
    const char *err;
    size_t err_pos;
};

static int fail(struct parser *p, size_t pos, const char *msg)
{
    p->err = msg;
    p->err_pos = pos;
    return -1;
}

static size_t add_node(struct parser *p, enum node_kind kind, size_t off, size_t len)
{
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 32;
        p->nodes = xrealloc(p->nodes, p->cap * sizeof *p->nodes);
    }
    /* offsets fit: the source is at most LIMIT_TEMPLATE_SOURCE_BYTES */
    p->nodes[p->n] = (struct node){kind, (uint32_t)off, (uint32_t)len, 0};
    return p->n++;
}

static void add_text(struct parser *p, size_t from, size_t to)
{
    if (to > from)
        add_node(p, NODE_TEXT, from, to - from);
}

static const char *find2(const char *s, size_t from, size_t len, char c)
{
    for (size_t i = from; i + 1 < len; i++)
        if (s[i] == c && s[i + 1] == c)
            return s + i;
    return NULL;
}

/*
 * A section, comment or partial tag [start, end) stands alone when only blanks share its line; the
 * line then disappears from the output. text_start is where the pending text began and at_bol
 * whether that is the start of a line. On success *cut ends the text before the tag and *next is
 * where the text after it resumes (past the line end).
 */
static bool standalone(const struct parser *p, size_t start, size_t end, size_t text_start, bool at_bol, size_t *cut,
                       size_t *next)
{
    size_t i = start, j = end;
    while (i > text_start && is_blank(p->src[i - 1]))
        i--;
    if (i > text_start ? p->src[i - 1] != '\n' : !at_bol)
        return false;
    while (j < p->len && is_blank(p->src[j]))
        j++;
    if (j < p->len) {
        if (p->src[j] == '\n')
            j++;
        else if (p->src[j] == '\r' && j + 1 < p->len && p->src[j + 1] == '\n')
            j += 2;
        else
            return false;
    }
    *cut = i;
    *next = j;
    return true;
}

static int parse_all(struct parser *p)
{
    size_t pos = 0, text_start = 0;
    bool at_bol = true;
    const char *nul = p->len > 0 ? memchr(p->src, '\0', p->len) : NULL;

    if (nul != NULL)
        return fail(p, (size_t)(nul - p->src), "NUL byte in template");
    for (;;) {
        const char *open = find2(p->src, pos, p->len, '{'), *close;
        size_t start, a, b, end, cut, next;
        char sigil = 0;

        if (open == NULL) {
            add_text(p, text_start, p->len);
            break;
        }
        start = (size_t)(open - p->src);
        a = start + 2;
        if (a < p->len && p->src[a] == '{')
            return fail(p, start, "{{{ }}} is not supported: values are always escaped");
        close = find2(p->src, a, p->len, '}');
        if (close == NULL)
            return fail(p, start, "unterminated tag");
        b = (size_t)(close - p->src);
        if (a < b && p->src[a] == '!') {
            sigil = '!'; /* a comment: anything up to the first }} */
        } else {
            while (a < b && is_blank(p->src[a]))
                a++;
            if (a < b && strchr("#^/>&=", p->src[a]) != NULL)
                sigil = p->src[a++];
            if (sigil == '&')
                return fail(p, start, "{{& }} is not supported: values are always escaped");
            if (sigil == '=')
                return fail(p, start, "set-delimiter tags are not supported");
            while (a < b && is_blank(p->src[a]))
                a++;
            while (b > a && is_blank(p->src[b - 1]))
                b--;
            if (a == b)
                return fail(p, start, "empty tag");
            if (b - a > LIMIT_TEMPLATE_NAME_BYTES)
                return fail(p, start, "name longer than LIMIT_TEMPLATE_NAME_BYTES");
            if (!valid_name(p->src + a, b - a))
                return fail(p, start, sigil == 0 && !name_char(p->src[a]) && p->src[a] != '.'
                                          ? "unknown tag type"
                                          : "invalid name (letters, digits, _ and single dots only)");
            if (sigil == '>' && p->src[a] == '.' && b - a == 1)
                return fail(p, start, "invalid name (letters, digits, _ and single dots only)");
        }
        end = (size_t)(close - p->src) + 2;

        if (sigil == 0 || !standalone(p, start, end, text_start, at_bol, &cut, &next)) {
            cut = start;
            next = end;
        }
        add_text(p, text_start, cut);
        at_bol = next != end;
        pos = text_start = next;

        switch (sigil) {
        case 0:
            add_node(p, NODE_VAR, a, b - a);
            break;
        case '#':
        case '^':
            if (p->depth == LIMIT_TEMPLATE_DEPTH)
                return fail(p, start, "sections nested deeper than LIMIT_TEMPLATE_DEPTH");
            p->open[p->depth++] = add_node(p, sigil == '#' ? NODE_SECTION : NODE_INVERTED, a, b - a);
            break;
        case '/': {
            struct node *o;
            if (p->depth == 0)
                return fail(p, start, "closing tag without an open section");
            o = &p->nodes[p->open[p->depth - 1]];
            if (o->len != b - a || memcmp(p->src + o->off, p->src + a, b - a) != 0)
                return fail(p, start, "closing tag does not match the open section");
            o->end = (uint32_t)p->n;
            p->depth--;
            break;
        }
        case '>':
            add_node(p, NODE_PARTIAL, a, b - a);
            break;
        default: /* '!' */
            break;
        }
    }
    if (p->depth > 0)
        return fail(p, p->nodes[p->open[p->depth - 1]].off, "unclosed section");
    return 0;
}

struct template *template_parse(const char *src, size_t len, const char **err, unsigned *err_line)
{
    struct parser p = {.src = src, .len = len};
    struct template *t;

    if (err_line != NULL)
        *err_line = 0;
    if (len > LIMIT_TEMPLATE_SOURCE_BYTES) {
        *err = "template larger than LIMIT_TEMPLATE_SOURCE_BYTES";
        return NULL;
    }
    if (parse_all(&p) != 0) {
        free(p.nodes);
        *err = p.err;
        if (err_line != NULL)
            *err_line = line_of(src, p.err_pos);
        return NULL;
    }
    t = xrealloc(NULL, sizeof *t);
    t->text = false;
    t->src = xrealloc(NULL, len + 1);
    if (len > 0)
        memcpy(t->src, src, len);
    t->src[len] = '\0';
    t->src_len = len;
    t->nodes = p.nodes;
    t->nnodes = p.n;
    return t;
}

struct template *template_parse_text(const char *src, size_t len, const char **err, unsigned *err_line)
{
    struct template *t = template_parse(src, len, err, err_line);
    if (t != NULL)
        t->text = true;
    return t;
}

void template_free(struct template *t)
{
    if (t == NULL)
        return;
    free(t->nodes);
    free(t->src);
    free(t);
}

/* ---- output ---- */

void template_out_init(struct template_out *out, size_t max)
{
    *out = (struct template_out){NULL, 0, 0, max ? max : LIMIT_TEMPLATE_OUTPUT_BYTES, NULL};
}

void template_out_free(struct template_out *out)
{
    free(out->buf);
    out->buf = NULL;
    out->len = out->alloc = 0;
}

/* ---- rendering ---- */

/* The context stack: the root, then one frame per section entered, in this template and its partials. */
#define STACK_MAX (1 + (LIMIT_TEMPLATE_PARTIAL_DEPTH + 1) * LIMIT_TEMPLATE_DEPTH)

struct render {
    const struct template_set *set;
    struct template_out *out;
    bool text;
    const json_t *stack[STACK_MAX];
    size_t depth;
    unsigned partials;
    unsigned long steps;
    const char *err;
};

static const struct template *set_get(const struct template_set *set, const char *name, size_t len);

static int put(struct render *r, const char *s, size_t n)
{
    struct template_out *o = r->out;
    if (o->len > o->max || n > o->max - o->len) {
        r->err = "output larger than its maximum";
        return -1;
    }
    if (o->buf == NULL || o->len + n + 1 > o->alloc) {
        size_t want = o->alloc ? o->alloc : 4096;
        while (want < o->len + n + 1)
            want *= 2;
        if (want > o->max + 1)
            want = o->max + 1;
        o->buf = xrealloc(o->buf, want);
        o->alloc = want;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
    return 0;
}

static const char *html_entity(unsigned char c)
{
    switch (c) {
    case '&': return "&amp;";
    case '<': return "&lt;";
    case '>': return "&gt;";
    case '"': return "&quot;";
    case '\'': return "&#39;";
    case '`': return "&#96;";
    case '=': return "&#61;";
    case '\0': return "\xEF\xBF\xBD";
    default: return NULL;
    }
}

static int put_escaped(struct render *r, const char *s, size_t n)
{
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *rep = NULL;
        bool drop = false;
        if (r->text)
            drop = (c < 0x20 && c != '\t' && c != '\n') || c == 0x7f;
        else
            rep = html_entity(c);
        if (!drop && rep == NULL)
            continue;
        if (put(r, s + run, i - run) != 0 || (rep != NULL && put(r, rep, strlen(rep)) != 0))
            return -1;
        run = i + 1;
    }
    return put(r, s + run, n - run);
}

/* A real as the shortest text that reads back to the same double (0.1 → "0.1", 1e+25). */
static int put_real(struct render *r, double d)
{
    char buf[40];
    int n = snprintf(buf, sizeof buf, "%.15g", d);
    if (strtod(buf, NULL) != d)
        n = snprintf(buf, sizeof buf, "%.17g", d);
    return put(r, buf, (size_t)n);
}

static int put_value(struct render *r, const json_t *v)
{
    char buf[32];
    int n;
    switch (v ? json_typeof(v) : JSON_NULL) {
    case JSON_STRING:
        return put_escaped(r, json_string_value(v), json_string_length(v));
    case JSON_INTEGER:
        n = snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return put(r, buf, (size_t)n);
    case JSON_REAL:
        return put_real(r, json_real_value(v));
    case JSON_TRUE:
        return put(r, "true", 4);
    case JSON_FALSE:
        return put(r, "false", 5);
    default: /* null, objects and arrays write nothing */
        return 0;
    }
}

static bool truthy(const json_t *v)
{
    switch (v ? json_typeof(v) : JSON_NULL) {
    case JSON_OBJECT: return json_object_size(v) > 0;
    case JSON_ARRAY: return json_array_size(v) > 0;
    case JSON_STRING: return json_string_length(v) > 0;
    case JSON_INTEGER: return json_integer_value(v) != 0;
    case JSON_REAL: return json_real_value(v) != 0.0;
    case JSON_TRUE: return true;
    default: return false;
    }
}

/* The first segment from the innermost frame outward, the others inside it only. */
static const json_t *lookup(const struct render *r, const char *name, size_t len)
{
    const char *dot = memchr(name, '.', len);
    size_t seg = dot ? (size_t)(dot - name) : len;
    const json_t *v = NULL;

    if (len == 1 && name[0] == '.')
        return r->depth ? r->stack[r->depth - 1] : NULL;
    for (size_t i = r->depth; i-- > 0 && v == NULL;)
        if (json_is_object(r->stack[i]))
            v = json_object_getn(r->stack[i], name, seg);
    while (v != NULL && seg < len) {
        name += seg + 1;
        len -= seg + 1;
        dot = memchr(name, '.', len);
        seg = dot ? (size_t)(dot - name) : len;
        v = json_is_object(v) ? json_object_getn(v, name, seg) : NULL;
    }
    return v;
}

static int step(struct render *r)
{
    if (++r->steps > LIMIT_TEMPLATE_RENDER_STEPS) {
        r->err = "render took more than LIMIT_TEMPLATE_RENDER_STEPS steps";
        return -1;
    }
    return 0;
}

static int render_nodes(struct render *r, const struct template *t, size_t from, size_t to);

/* The body of a section with v as the innermost context. */
static int render_with(struct render *r, const struct template *t, size_t from, size_t to, const json_t *v)
{
    int rc;
    if (r->depth == STACK_MAX) { /* cannot happen within the caps; kept as a guard */
        r->err = "sections nested too deep";
        return -1;
    }
    r->stack[r->depth++] = v;
    rc = render_nodes(r, t, from, to);
    r->depth--;
    return rc;
}

static int render_nodes(struct render *r, const struct template *t, size_t from, size_t to)
{
    size_t i = from;
    while (i < to) {
        const struct node *nd = &t->nodes[i];
        const char *name = t->src + nd->off;
        const json_t *v;

        if (step(r) != 0)
            return -1;
        switch (nd->kind) {
        case NODE_TEXT:
            if (put(r, name, nd->len) != 0)
                return -1;
            break;
        case NODE_VAR:
            if (put_value(r, lookup(r, name, nd->len)) != 0)
                return -1;
            break;
        case NODE_SECTION:
            v = lookup(r, name, nd->len);
            if (json_is_array(v)) {
                size_t k;
                const json_t *el;
                json_array_foreach (v, k, el) {
                    if ((k > 0 && step(r) != 0) || render_with(r, t, i + 1, nd->end, el) != 0)
                        return -1;
                }
            } else if (truthy(v) && render_with(r, t, i + 1, nd->end, v) != 0) {
                return -1;
            }
            i = nd->end;
            continue;
        case NODE_INVERTED:
            if (!truthy(lookup(r, name, nd->len)) && render_nodes(r, t, i + 1, nd->end) != 0)
                return -1;
            i = nd->end;
            continue;
        case NODE_PARTIAL: {
            const struct template *p = r->set ? set_get(r->set, name, nd->len) : NULL;
            int rc;
            if (p == NULL) {
                r->err = "partial not found";
                return -1;
            }
            if (r->partials == LIMIT_TEMPLATE_PARTIAL_DEPTH) {
                r->err = "partials nested deeper than LIMIT_TEMPLATE_PARTIAL_DEPTH";
                return -1;
            }
            r->partials++;
            rc = render_nodes(r, p, 0, p->nnodes);
            r->partials--;
            if (rc != 0)
                return -1;
            break;
        }
        }
        i++;
    }
    return 0;
}

int template_render(const struct template *t, const json_t *data, const struct template_set *partials,
                    struct template_out *out)
{
    struct render r = {.set = partials, .out = out, .text = t->text};
    size_t before = out->len;
    int rc;

    if (data != NULL)
        r.stack[r.depth++] = data;
    rc = render_nodes(&r, t, 0, t->nnodes);
    if (rc == 0 && out->buf == NULL)
        rc = put(&r, "", 0); /* an empty page still gets its NUL */
    if (rc == 0) {
        out->buf[out->len] = '\0';
        out->err = NULL;
    } else {
        out->len = before;
        if (out->buf != NULL)
            out->buf[before] = '\0';
        out->err = r.err;
    }
    return rc;
}

/* ---- sets ---- */

static int name_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
    int c = memcmp(a, b, alen < blen ? alen : blen);
    return c ? c : (alen > blen) - (alen < blen);
}

/* The index of name, or where it would go (*found false). */
static size_t set_find(const struct template_set *set, const char *name, size_t len, bool *found)
{
    size_t lo = 0, hi = set->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = name_cmp(set->e[mid].name, set->e[mid].name_len, name, len);
        if (c == 0) {
            *found = true;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = false;
    return lo;
}

static const struct template *set_get(const struct template_set *set, const char *name, size_t len)
{
    bool found;
    size_t i = set_find(set, name, len, &found);
    return found ? set->e[i].t : NULL;
}

struct template_set *template_set_new(void)
{
    struct template_set *set = xrealloc(NULL, sizeof *set);
    *set = (struct template_set){NULL, 0, 0};
    return set;
}

int template_set_add(struct template_set *set, const char *name, struct template *t)
{
    size_t len = strlen(name), i;
    bool found;

    if (len == 0 || len > LIMIT_TEMPLATE_NAME_BYTES || !valid_name(name, len) || (len == 1 && name[0] == '.') ||
        set->n == LIMIT_TEMPLATE_FILES) {
        template_free(t);
        return -1;
    }
    i = set_find(set, name, len, &found);
    if (found) {
        template_free(t);
        return -1;
    }
    if (set->n == set->cap) {
        set->cap = set->cap ? set->cap * 2 : 16;
        set->e = xrealloc(set->e, set->cap * sizeof *set->e);
    }
    memmove(set->e + i + 1, set->e + i, (set->n - i) * sizeof *set->e);
    memcpy(set->e[i].name, name, len + 1);
    set->e[i].name_len = len;
    set->e[i].t = t;
    set->n++;
    return 0;
}

const struct template *template_set_get(const struct template_set *set, const char *name)
{
    return set != NULL && name != NULL ? set_get(set, name, strlen(name)) : NULL;
}

int template_set_render(const struct template_set *set, const char *name, const json_t *data,
                        struct template_out *out)
{
    const struct template *t = template_set_get(set, name);
    if (t == NULL) {
        out->err = "no such template";
        return -1;
    }
    return template_render(t, data, set, out);
}

void template_set_free(struct template_set *set)
{
    if (set == NULL)
        return;
    for (size_t i = 0; i < set->n; i++)
        template_free(set->e[i].t);
    free(set->e);
    free(set);
}

/* ---- loading templates/ ---- */

/* "x.html" → "x", "x.txt" → "x.txt"; 0 for files that are not templates, -1 for a bad <name>. */
static int file_template_name(const char *file, char *name, size_t cap, bool *text)
{
    size_t n = strlen(file), stem;
    if (file[0] == '.')
        return 0;
    if (n > 5 && memcmp(file + n - 5, ".html", 5) == 0) {
        stem = n - 5;
        *text = false;
        n = stem;
    } else if (n > 4 && memcmp(file + n - 4, ".txt", 4) == 0) {
        stem = n - 4;
        *text = true;
    } else {
        return 0;
    }
    for (size_t i = 0; i < stem; i++)
        if (!name_char(file[i]))
            return -1;
    if (n >= cap || n > LIMIT_TEMPLATE_NAME_BYTES)
        return -1;
    memcpy(name, file, n);
    name[n] = '\0';
    return 1;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads a regular file of at most LIMIT_TEMPLATE_SOURCE_BYTES. 1 read, 0 not a regular file, -1 error. */
static int read_file(int dirfd, const char *file, char **buf, size_t *len, const char **why)
{
    int fd = openat(dirfd, file, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    struct stat st;
    size_t got = 0;

    *why = NULL;
    if (fd < 0) {
        *why = strerror(errno);
        return -1;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return 0;
    }
    if ((unsigned long long)st.st_size > LIMIT_TEMPLATE_SOURCE_BYTES) {
        close(fd);
        *why = "larger than LIMIT_TEMPLATE_SOURCE_BYTES";
        return -1;
    }
    *buf = xrealloc(NULL, (size_t)st.st_size + 1);
    while (got < (size_t)st.st_size + 1) { /* one byte more: a file that grew is noticed */
        ssize_t r = read(fd, *buf + got, (size_t)st.st_size + 1 - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            *why = strerror(errno);
            break;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    if (*why == NULL && got > (size_t)st.st_size)
        *why = "changed while being read";
    if (*why != NULL) {
        free(*buf);
        *buf = NULL;
        return -1;
    }
    *len = got;
    return 1;
}

/* Every {{> name}} must name a template of the set. */
static int check_partials(const struct template_set *set, char *err, size_t errlen)
{
    for (size_t i = 0; i < set->n; i++) {
        const struct template *t = set->e[i].t;
        for (size_t k = 0; k < t->nnodes; k++) {
            const struct node *nd = &t->nodes[k];
            if (nd->kind == NODE_PARTIAL && set_get(set, t->src + nd->off, nd->len) == NULL) {
                snprintf(err, errlen, "%s%s:%u: partial \"%.*s\" is not in the set", set->e[i].name,
                         t->text ? "" : ".html", line_of(t->src, nd->off), (int)nd->len, t->src + nd->off);
                return -1;
            }
        }
    }
    return 0;
}

struct template_set *template_set_load_dir(const char *dir, char *err, size_t errlen)
{
    DIR *d = opendir(dir);
    struct template_set *set = NULL;
    char **files = NULL;
    size_t nfiles = 0, cap = 0;
    struct dirent *de;
    int ok = 0;

    if (d == NULL) {
        snprintf(err, errlen, "%s: %s", dir, strerror(errno));
        return NULL;
    }
    while ((de = readdir(d)) != NULL) {
        char name[LIMIT_TEMPLATE_NAME_BYTES + 1];
        bool text;
        int kind = file_template_name(de->d_name, name, sizeof name, &text);
        if (kind == 0)
            continue;
        if (kind < 0) {
            snprintf(err, errlen, "%s: a template file is named <name>.html or <name>.txt, <name> [A-Za-z0-9_]+ and "
                     "at most LIMIT_TEMPLATE_NAME_BYTES", de->d_name);
            goto out;
        }
        if (nfiles == LIMIT_TEMPLATE_FILES) {
            snprintf(err, errlen, "%s: more than LIMIT_TEMPLATE_FILES templates", dir);
            goto out;
        }
        if (nfiles == cap) {
            cap = cap ? cap * 2 : 16;
            files = xrealloc(files, cap * sizeof *files);
        }
        files[nfiles] = strdup(de->d_name);
        if (files[nfiles++] == NULL)
            abort();
    }
    if (nfiles > 0)
        qsort(files, nfiles, sizeof *files, cmp_str);

    set = template_set_new();
    for (size_t i = 0; i < nfiles; i++) {
        char name[LIMIT_TEMPLATE_NAME_BYTES + 1], *src = NULL;
        size_t len = 0;
        bool text = false;
        const char *why, *perr = NULL;
        unsigned line = 0;
        struct template *t;
        int rc;

        if (file_template_name(files[i], name, sizeof name, &text) != 1)
            continue; /* cannot happen: the same test picked the file */
        rc = read_file(dirfd(d), files[i], &src, &len, &why);
        if (rc == 0)
            continue;
        if (rc < 0) {
            snprintf(err, errlen, "%s/%s: %s", dir, files[i], why);
            goto out;
        }
        t = text ? template_parse_text(src, len, &perr, &line) : template_parse(src, len, &perr, &line);
        free(src);
        if (t == NULL) {
            snprintf(err, errlen, "%s:%u: %s", files[i], line, perr);
            goto out;
        }
        if (template_set_add(set, name, t) != 0) {
            snprintf(err, errlen, "%s: cannot be added to the set", files[i]);
            goto out;
        }
    }
    ok = check_partials(set, err, errlen) == 0;
out:
    closedir(d);
    for (size_t i = 0; i < nfiles; i++)
        free(files[i]);
    free(files);
    if (!ok) {
        template_set_free(set);
        return NULL;
    }
    return set;
}
