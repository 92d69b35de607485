/*
 * common/template.h — the logic-less HTML/text renderer behind every page and e-mail body.
 *
 * A small subset of mustache, compiled once and rendered many times against a jansson value:
 *
 *   {{name}}  {{a.b.c}}     a value. Strings are escaped (below); integers, reals, true and false
 *                           are written as text; null, missing names, objects and arrays as nothing.
 *   {{.}}                   the current element of a section.
 *   {{#name}}...{{/name}}   a section: rendered once per element if the value is an array, once if
 *                           it is truthy (a non-empty string, true, a non-zero number, a non-empty
 *                           object), not at all for null, false, 0, "", [] and {} or a missing name.
 *                           Inside, the value is the current element: names are looked up in it
 *                           first, then outward in the enclosing sections, then in the root object.
 *   {{^name}}...{{/name}}   an inverted section: rendered once exactly when the section would not be.
 *   {{> name}}              includes the template called name from the set passed to
 *                           template_render, with the current context; at most
 *                           LIMIT_TEMPLATE_PARTIAL_DEPTH partials deep.
 *   {{! comment }}          nothing; may span lines and ends at the first }}.
 *
 * Names are [A-Za-z0-9_]+ segments joined by single dots (or "." alone), at most
 * LIMIT_TEMPLATE_NAME_BYTES; blanks around a name inside the braces are allowed ({{ name }}).
 * "a.b.c" looks up a in the context stack, then b and c inside it only (as mustache does).
 * A section, comment or partial tag alone on its line (only blanks around it) removes the whole
 * line, so templates can be laid out readably, plain-text e-mails included.
 *
 * There is deliberately NO raw output: {{{name}}}, {{&name}} and set-delimiter tags {{=<% %>=}} are
 * parse errors. No value can ever reach a page unescaped. A page that needs repeated markup (a
 * list of scopes) writes the markup in the template and uses a section over an array.
 *
 * Escaping is chosen by the kind of the template given to template_render (partials follow it):
 *   HTML (template_parse, *.html files): & < > " ' ` = become &amp; &lt; &gt; &quot; &#39; &#96;
 *     &#61;, so a value is safe in element content and in quoted attribute values (double or
 *     single). A NUL byte becomes U+FFFD. Other bytes, UTF-8 included, pass through (jansson strings
 *     are valid UTF-8). A value is never safe in an unquoted attribute, a URL scheme position
 *     (href="{{x}}" accepts "javascript:..."), <script> or <style>: templates do not put values
 *     there unless the value was built by the daemon itself.
 *   text (template_parse_text, *.txt files, for text/plain mail bodies): values are written as
 *     they are, except control characters other than tab and newline (CR and NUL included), which
 *     are dropped. Never serve a text template as HTML.
 *
 * Errors: parse errors carry a static message and the 1-based line (0: the whole template). A
 * render fails when the output would exceed its maximum (never a truncated page), a partial is not
 * in the set or nests too deep, or the work exceeds LIMIT_TEMPLATE_RENDER_STEPS (a template that
 * loops over the same array in nested sections); the output then keeps only what it had before
 * the call.
 *
 * Threads: a template or a loaded set is never modified by rendering; any number of threads may
 * render concurrently, each with its own template_out and a data value no one is changing.
 * Allocation failure aborts.
 */
#ifndef COMMON_TEMPLATE_H
#define COMMON_TEMPLATE_H

#include <stddef.h>

#include <jansson.h>

struct template;
struct template_set;

/*
 * A growable output buffer with a maximum. Initialise with template_out_init; buf is NULL until the
 * first render and is always NUL-terminated after one (len excludes the NUL; HTML output never
 * contains a NUL byte). Renders append; set len = 0 to reuse the buffer for the next page.
 */
struct template_out {
    char *buf;
    size_t len;
    size_t alloc;    /* bytes allocated in buf */
    size_t max;      /* the most len may reach */
    const char *err; /* why the last render failed (static), NULL after a success */
};

/* max 0 means LIMIT_TEMPLATE_OUTPUT_BYTES. */
void template_out_init(struct template_out *out, size_t max);
void template_out_free(struct template_out *out);

/*
 * Compiles len bytes of source (not NUL-terminated; a NUL byte is an error), as an HTML template or
 * as a plain-text one. Pure: no I/O, no globals. Returns the template, or NULL with *err set to a
 * static message and *err_line (if not NULL) to its 1-based line, 0 for the whole source.
 */
struct template *template_parse(const char *src, size_t len, const char **err, unsigned *err_line);
struct template *template_parse_text(const char *src, size_t len, const char **err, unsigned *err_line);
void template_free(struct template *t);

/*
 * Renders t against data (normally an object; NULL is an empty context) and appends to out.
 * partials (may be NULL when t has no {{> }}) resolves partial names. 0, or -1 with out->err set and
 * out->len as it was before the call.
 */
int template_render(const struct template *t, const json_t *data, const struct template_set *partials,
                    struct template_out *out);

/*
 * A named collection of templates, loaded once at start-up and read-only afterwards.
 *
 * template_set_load_dir reads every regular file in dir named <name>.html (an HTML template called
 * <name>) or <name>.txt (a text template called "<name>.txt", so a mail can have both bodies); other
 * files and dot-files are ignored. Each <name> must be [A-Za-z0-9_]+. A file over
 * LIMIT_TEMPLATE_SOURCE_BYTES, more than LIMIT_TEMPLATE_FILES files, a parse error or a {{> name}}
 * that names no template in the set fails the whole load: NULL, with a message such as
 * "login.html:12: closing tag does not match the open section" in err.
 */
struct template_set *template_set_load_dir(const char *dir, char *err, size_t errlen);

/* An empty set to fill with template_set_add (tests, built-in pages). */
struct template_set *template_set_new(void);

/*
 * Adds t under name (a C string, [A-Za-z0-9_.]+, at most LIMIT_TEMPLATE_NAME_BYTES); the set owns t
 * from then on, also when the call fails. 0, or -1 for a bad or duplicate name or a full set.
 */
int template_set_add(struct template_set *set, const char *name, struct template *t);

/* The template called name, or NULL. */
const struct template *template_set_get(const struct template_set *set, const char *name);

/* Renders the template called name; -1 with out->err "no such template" when it is not in the set. */
int template_set_render(const struct template_set *set, const char *name, const json_t *data,
                        struct template_out *out);

void template_set_free(struct template_set *set);

#endif
