/*
 * tests/unit/test_template.c — common/template: escaping, values, sections, inverted sections,
 * partials and standalone lines as {template, data, expected output} rows; every parse error with
 * its line; the render caps (output size, partial depth, work); sets and template_set_load_dir;
 * concurrent renders; and the real pages in templates/ rendered with sample and hostile data.
 *
 * The pages are read from $TEMPLATES_DIR (default: templates, so run from the repository root).
 * With TEMPLATE_RENDER_DIR set, the rendered sample pages are also written there (to look at them
 * in a browser).
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "common/limits.h"
#include "common/template.h"
#include "tests/tap.h"

static json_t *load_json(const char *text)
{
    json_error_t e;
    json_t *v = json_loads(text, JSON_ALLOW_NUL | JSON_DECODE_ANY, &e);
    if (v == NULL) {
        tap_diag("bad test JSON: %s: %s", text, e.text);
        abort();
    }
    return v;
}

/* Partials available to the rows. */
static struct template_set *row_partials(void)
{
    static const char *const parts[][2] = {
        {"greet", "Hello {{who}}!"},
        {"item", "<{{name}}>"},
        {"nested", "[{{> greet}}]"},
        {"self", "x{{> self}}"},
        {"line", "{{.}}\n"},
        {"mail.txt", "Dear {{who}}"},
    };
    struct template_set *set = template_set_new();
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        const char *err = NULL;
        size_t n = strlen(parts[i][1]);
        struct template *t = strstr(parts[i][0], ".txt") ? template_parse_text(parts[i][1], n, &err, NULL)
                                                         : template_parse(parts[i][1], n, &err, NULL);
        if (t == NULL || template_set_add(set, parts[i][0], t) != 0)
            abort();
    }
    return set;
}

struct row {
    const char *name;
    const char *src;
    const char *data; /* JSON; NULL renders with no data */
    const char *want; /* output, or for a failed render NULL */
    const char *render_err;
    bool text; /* a text template (template_parse_text) */
};

#define HTML(name, src, data, want) {name, src, data, want, NULL, false}
#define TEXT(name, src, data, want) {name, src, data, want, NULL, true}
#define RENDER_FAILS(name, src, data, err) {name, src, data, NULL, err, false}

static const struct row rows[] = {
    /* plain text and values */
    HTML("empty template", "", "{}", ""),
    HTML("text only", "<p>Hello</p>\n", "{}", "<p>Hello</p>\n"),
    HTML("stray braces are text", "a }} b { c } {x}", "{}", "a }} b { c } {x}"),
    HTML("a string", "Hi {{name}}.", "{\"name\": \"Ann\"}", "Hi Ann."),
    HTML("blanks inside the braces", "{{ name }}|{{\tname\t}}", "{\"name\": \"A\"}", "A|A"),
    HTML("integer", "{{n}}", "{\"n\": 42}", "42"),
    HTML("negative integer", "{{n}}", "{\"n\": -7}", "-7"),
    HTML("largest integer", "{{n}}", "{\"n\": 9223372036854775807}", "9223372036854775807"),
    HTML("real", "{{a}} {{b}} {{c}} {{d}}", "{\"a\": 0.1, \"b\": 1.5, \"c\": 1e25, \"d\": -2.0}", "0.1 1.5 1e+25 -2"),
    HTML("real that needs 17 digits", "{{a}}", "{\"a\": 0.30000000000000004}", "0.30000000000000004"),
    HTML("booleans", "{{t}}/{{f}}", "{\"t\": true, \"f\": false}", "true/false"),
    HTML("null and missing", "[{{n}}][{{missing}}]", "{\"n\": null}", "[][]"),
    HTML("objects and arrays write nothing", "[{{o}}][{{a}}]", "{\"o\": {\"x\": 1}, \"a\": [1, 2]}", "[][]"),
    HTML("dotted name", "{{a.b.c}}", "{\"a\": {\"b\": {\"c\": \"deep\"}}}", "deep"),
    HTML("dotted name through a non-object", "[{{a.b.c}}]", "{\"a\": {\"b\": \"str\"}}", "[]"),
    HTML("dotted name with a missing middle", "[{{a.x.c}}]", "{\"a\": {\"b\": 1}}", "[]"),
    HTML("no data at all", "[{{x}}][{{.}}]", NULL, "[][]"),
    HTML("root that is not an object", "[{{x}}][{{.}}]", "\"str\"", "[][str]"),
    HTML("keys are case-sensitive", "[{{Name}}]", "{\"name\": \"a\"}", "[]"),

    /* HTML escaping */
    HTML("script tag", "<p>{{v}}</p>", "{\"v\": \"<script>alert(1)</script>\"}",
         "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"),
    HTML("breaking out of a double-quoted attribute", "<input value=\"{{v}}\">",
         "{\"v\": \"\\\" onmouseover=\\\"alert(1)\"}", "<input value=\"&quot; onmouseover&#61;&quot;alert(1)\">"),
    HTML("breaking out of a single-quoted attribute", "<a title='{{v}}'>", "{\"v\": \"' onclick='x\"}",
         "<a title='&#39; onclick&#61;&#39;x'>"),
    HTML("backtick and equals", "{{v}}", "{\"v\": \"`a=b`\"}", "&#96;a&#61;b&#96;"),
    HTML("ampersand and existing entities", "{{v}}", "{\"v\": \"Tom & Jerry &amp; &#39;\"}",
         "Tom &amp; Jerry &amp;amp; &amp;#39;"),
    HTML("closing a comment or CDATA", "{{v}}", "{\"v\": \"--><![CDATA[ ]]>\"}", "--&gt;&lt;![CDATA[ ]]&gt;"),
    HTML("every special byte", "{{v}}", "{\"v\": \"&<>\\\"'`=\"}", "&amp;&lt;&gt;&quot;&#39;&#96;&#61;"),
    HTML("UTF-8 passes through", "{{v}}", "{\"v\": \"Café «Ünïcode» 商店 🛒\"}", "Café «Ünïcode» 商店 🛒"),
    HTML("NUL becomes U+FFFD", "{{v}}", "{\"v\": \"a\\u0000b\"}", "a\xEF\xBF\xBD" "b"),
    HTML("control characters pass in HTML", "{{v}}", "{\"v\": \"a\\tb\\nc\"}", "a\tb\nc"),
    HTML("template text is not escaped", "<b title=\"x\">&amp;</b>", "{}", "<b title=\"x\">&amp;</b>"),
    HTML("section element is escaped", "{{#l}}{{.}}{{/l}}", "{\"l\": [\"<i>\", \"&\"]}", "&lt;i&gt;&amp;"),
    HTML("dotted value is escaped", "{{a.b}}", "{\"a\": {\"b\": \"\\\"\"}}", "&quot;"),

    /* text templates */
    TEXT("text: values as they are", "Hi {{v}}", "{\"v\": \"O'Brien & <Sons> \\\"=`\"}", "Hi O'Brien & <Sons> \"=`"),
    TEXT("text: tab and newline kept, CR and controls dropped", "{{v}}", "{\"v\": \"a\\tb\\r\\nc\\u0000d\\u001b[1m\\u007f\"}",
         "a\tb\ncd[1m"),
    TEXT("text: UTF-8", "{{v}}", "{\"v\": \"Grüße 🛒\"}", "Grüße 🛒"),
    TEXT("text: partials follow the outer kind", "{{> greet}}", "{\"who\": \"<A&B>\"}", "Hello <A&B>!"),
    HTML("html: a text partial is escaped as HTML", "{{> mail.txt}}", "{\"who\": \"<A&B>\"}", "Dear &lt;A&amp;B&gt;"),

    /* sections */
    HTML("section true", "[{{#v}}yes{{/v}}]", "{\"v\": true}", "[yes]"),
    HTML("section false", "[{{#v}}yes{{/v}}]", "{\"v\": false}", "[]"),
    HTML("section missing", "[{{#v}}yes{{/v}}]", "{}", "[]"),
    HTML("section null", "[{{#v}}yes{{/v}}]", "{\"v\": null}", "[]"),
    HTML("section non-empty string", "[{{#v}}<{{.}}>{{/v}}]", "{\"v\": \"hi\"}", "[<hi>]"),
    HTML("section empty string", "[{{#v}}yes{{/v}}]", "{\"v\": \"\"}", "[]"),
    HTML("section numbers", "[{{#a}}a{{/a}}{{#b}}b{{/b}}{{#c}}c{{/c}}{{#d}}d{{/d}}]",
         "{\"a\": 1, \"b\": 0, \"c\": 0.5, \"d\": 0.0}", "[ac]"),
    HTML("section object", "[{{#o}}{{x}}{{/o}}]", "{\"o\": {\"x\": \"in\"}}", "[in]"),
    HTML("section empty object", "[{{#o}}yes{{/o}}]", "{\"o\": {}}", "[]"),
    HTML("section empty array", "[{{#l}}yes{{/l}}]", "{\"l\": []}", "[]"),
    HTML("section array of scalars", "{{#l}}[{{.}}]{{/l}}", "{\"l\": [1, \"a\", true, null, 2.5]}", "[1][a][true][][2.5]"),
    HTML("section array of objects, outward lookup", "{{#items}}{{name}}/{{store}};{{/items}}",
         "{\"store\": \"S\", \"items\": [{\"name\": \"a\"}, {\"name\": \"b\", \"store\": \"own\"}]}", "a/S;b/own;"),
    HTML("outward lookup skips scalar elements", "{{#l}}{{.}}{{x}} {{/l}}", "{\"x\": \"!\", \"l\": [1, 2]}", "1! 2! "),
    HTML("array of arrays", "{{#m}}<{{#.}}{{.}}{{/.}}>{{/m}}", "{\"m\": [[1, 2], [3], []]}", "<12><3><>"),
    HTML("nested sections", "{{#a}}{{#b}}{{#c}}{{x}}{{/c}}{{/b}}{{/a}}", "{\"a\": {\"b\": {\"c\": {\"x\": \"deep\"}}}}",
         "deep"),
    HTML("dotted section name", "{{#a.b}}{{c}}{{/a.b}}", "{\"a\": {\"b\": {\"c\": 1}}}", "1"),
    HTML("dotted name resolves its head only", "[{{#inner}}{{a.x}}{{/inner}}]",
         "{\"a\": {\"x\": 1}, \"inner\": {\"a\": {\"y\": 2}}}", "[]"),
    HTML("dotted name found outward", "{{#inner}}{{a.x}}{{/inner}}", "{\"a\": {\"x\": 1}, \"inner\": {\"b\": 2}}", "1"),
    HTML("same name repeated", "{{#a}}1{{/a}}{{#a}}2{{/a}}", "{\"a\": true}", "12"),
    HTML("section over the element itself", "{{#l}}{{#.}}({{.}}){{/.}}{{/l}}", "{\"l\": [\"\", \"x\", 0, 3]}", "(x)(3)"),

    /* inverted sections */
    HTML("inverted false", "[{{^v}}no{{/v}}]", "{\"v\": false}", "[no]"),
    HTML("inverted missing", "[{{^v}}no{{/v}}]", "{}", "[no]"),
    HTML("inverted empty array", "[{{^v}}none{{/v}}]", "{\"v\": []}", "[none]"),
    HTML("inverted non-empty array", "[{{^v}}none{{/v}}]", "{\"v\": [1]}", "[]"),
    HTML("inverted zero and empty string", "[{{^a}}a{{/a}}{{^b}}b{{/b}}{{^c}}c{{/c}}]",
         "{\"a\": 0, \"b\": \"\", \"c\": \"x\"}", "[ab]"),
    HTML("inverted keeps the context", "{{#o}}{{^missing}}{{x}}{{/missing}}{{/o}}", "{\"o\": {\"x\": \"kept\"}}", "kept"),
    HTML("section and inverted together", "{{#e}}Error: {{e}}{{/e}}{{^e}}OK{{/e}}", "{\"e\": \"bad\"}", "Error: bad"),

    /* comments */
    HTML("comment", "a{{! hidden }}b", "{}", "ab"),
    HTML("comment over lines", "a{{! one\ntwo\n}}b", "{}", "ab"),
    HTML("comment with braces", "a{{! { x } {{ }}b", "{}", "ab"),
    HTML("empty comment", "a{{!}}b", "{}", "ab"),

    /* standalone lines */
    HTML("standalone section lines vanish", "a\n{{#x}}\nb\n{{/x}}\nc\n", "{\"x\": true}", "a\nb\nc\n"),
    HTML("standalone with blanks", "a\n  {{#x}}  \n\tb\n\t{{/x}}\nc", "{\"x\": true}", "a\n\tb\nc"),
    HTML("standalone CRLF", "a\r\n{{#x}}\r\nb\r\n{{/x}}\r\n", "{\"x\": true}", "a\r\nb\r\n"),
    HTML("standalone at the start", "{{#x}}\nb\n{{/x}}\n", "{\"x\": true}", "b\n"),
    HTML("standalone at the end without newline", "a\n{{! end }}", "{}", "a\n"),
    HTML("standalone comment", "a\n  {{! note }}\nb\n", "{}", "a\nb\n"),
    HTML("standalone inverted", "{{^x}}\nnone\n{{/x}}\n", "{}", "none\n"),
    HTML("standalone list", "<ul>\n{{#l}}\n  <li>{{.}}</li>\n{{/l}}\n</ul>\n", "{\"l\": [1, 2]}",
         "<ul>\n  <li>1</li>\n  <li>2</li>\n</ul>\n"),
    HTML("standalone partial", "a\n  {{> greet}}\nb", "{\"who\": \"W\"}", "a\nHello W!b"),
    HTML("two tags on a line are not standalone", "{{#x}}{{/x}}\n", "{\"x\": true}", "\n"),
    HTML("section with text on its line", "a {{#x}}b{{/x}}\n", "{\"x\": true}", "a b\n"),
    HTML("variable tags never standalone", "  {{v}}\n", "{\"v\": \"V\"}", "  V\n"),
    HTML("text after the tag", "{{#x}} y\n{{/x}}", "{\"x\": true}", " y\n"),

    /* partials */
    HTML("partial", "{{> greet}}", "{\"who\": \"W\"}", "Hello W!"),
    HTML("partial without a blank", "{{>greet}}", "{\"who\": \"W\"}", "Hello W!"),
    HTML("partial in a partial", "{{> nested}}", "{\"who\": \"W\"}", "[Hello W!]"),
    HTML("partial sees the section element", "{{#l}}{{> item}}{{/l}}", "{\"l\": [{\"name\": \"a\"}, {\"name\": \"<b>\"}]}",
         "<a><&lt;b&gt;>"),
    HTML("partial over scalars", "{{#l}}{{> line}}{{/l}}", "{\"l\": [1, 2]}", "1\n2\n"),
    RENDER_FAILS("missing partial", "a{{> nope}}", "{}", "partial not found"),
    RENDER_FAILS("recursive partial", "{{> self}}", "{}", "partials nested deeper than LIMIT_TEMPLATE_PARTIAL_DEPTH"),
};

static void test_rows(void)
{
    struct template_set *set = row_partials();
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const struct row *r = &rows[i];
        const char *err = NULL;
        unsigned line = 99;
        struct template *t = r->text ? template_parse_text(r->src, strlen(r->src), &err, &line)
                                     : template_parse(r->src, strlen(r->src), &err, &line);
        json_t *data = r->data ? load_json(r->data) : NULL;
        struct template_out out;
        int rc;

        if (!tap_ok(t != NULL, "%s: parses", r->name)) {
            tap_diag("  error: %s on line %u", err, line);
            json_decref(data);
            continue;
        }
        template_out_init(&out, 0);
        rc = template_render(t, data, set, &out);
        if (r->want != NULL) {
            if (!tap_ok(rc == 0, "%s: renders", r->name))
                tap_diag("  error: %s", out.err);
            tap_eq_mem(out.buf, out.len, r->want, strlen(r->want), r->name);
            tap_ok(out.buf != NULL && out.buf[out.len] == '\0', "%s: NUL-terminated", r->name);
        } else {
            TAP_EQ_INT(rc, -1, r->name);
            TAP_EQ_STR(out.err, r->render_err, r->name);
            TAP_EQ_INT(out.len, 0, r->name);
        }
        template_out_free(&out);
        template_free(t);
        json_decref(data);
    }
    template_set_free(set);
}

struct err_row {
    const char *name;
    const char *src;
    size_t len; /* 0: strlen */
    const char *err;
    unsigned line;
};

#define BAD_NAME "invalid name (letters, digits, _ and single dots only)"

static const struct err_row err_rows[] = {
    {"triple mustache", "a {{{v}}}", 0, "{{{ }}} is not supported: values are always escaped", 1},
    {"ampersand raw tag", "a\n{{&v}}", 0, "{{& }} is not supported: values are always escaped", 2},
    {"ampersand after a blank", "{{ & v}}", 0, "{{& }} is not supported: values are always escaped", 1},
    {"set delimiters", "{{=<% %>=}}", 0, "set-delimiter tags are not supported", 1},
    {"unterminated tag", "ok\nok {{name", 0, "unterminated tag", 2},
    {"unterminated single brace close", "{{name}", 0, "unterminated tag", 1},
    {"unterminated comment", "{{! note", 0, "unterminated tag", 1},
    {"unterminated at the very end", "{{", 0, "unterminated tag", 1},
    {"empty tag", "{{}}", 0, "empty tag", 1},
    {"blank tag", "{{  }}", 0, "empty tag", 1},
    {"section without a name", "{{#}}{{/}}", 0, "empty tag", 1},
    {"partial without a name", "{{> }}", 0, "empty tag", 1},
    {"unknown tag type <", "{{<x}}", 0, "unknown tag type", 1},
    {"unknown tag type $", "{{$x}}", 0, "unknown tag type", 1},
    {"unknown tag type %", "{{%x}}", 0, "unknown tag type", 1},
    {"dash in name", "{{a-b}}", 0, BAD_NAME, 1},
    {"blank in name", "{{a b}}", 0, BAD_NAME, 1},
    {"double dot", "{{a..b}}", 0, BAD_NAME, 1},
    {"leading dot", "{{.a}}", 0, BAD_NAME, 1},
    {"trailing dot", "{{a.}}", 0, BAD_NAME, 1},
    {"two dots", "{{..}}", 0, BAD_NAME, 1},
    {"newline in name", "{{a\nb}}", 0, BAD_NAME, 1},
    {"non-ASCII name", "{{caf\xC3\xA9}}", 0, BAD_NAME, 1},
    {"bad section name", "{{#a/b}}{{/a/b}}", 0, BAD_NAME, 1},
    {"bad partial name", "{{> ../etc/passwd}}", 0, BAD_NAME, 1},
    {"partial named .", "{{> .}}", 0, BAD_NAME, 1},
    {"name of 65 bytes", "{{aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa}}", 0,
     "name longer than LIMIT_TEMPLATE_NAME_BYTES", 1},
    {"closing tag without a section", "a\n\n{{/x}}", 0, "closing tag without an open section", 3},
    {"mismatched closing tag", "{{#a}}\n{{/b}}", 0, "closing tag does not match the open section", 2},
    {"crossed sections", "{{#a}}\n{{^b}}\n{{/a}}\n{{/b}}", 0, "closing tag does not match the open section", 3},
    {"closing prefix of the name", "{{#ab}}{{/a}}", 0, "closing tag does not match the open section", 1},
    {"unclosed section", "x\n{{#a}}\ny\n", 0, "unclosed section", 2},
    {"unclosed inner section", "{{#a}}\n{{#b}}\n{{/a}}", 0, "closing tag does not match the open section", 3},
    {"unclosed inverted", "{{#a}}{{/a}}\n\n{{^b}}", 0, "unclosed section", 3},
    {"NUL byte", "a\nb\0c", 5, "NUL byte in template", 2},
};

static void test_errors(void)
{
    for (size_t i = 0; i < sizeof err_rows / sizeof err_rows[0]; i++) {
        const struct err_row *r = &err_rows[i];
        const char *err = NULL;
        unsigned line = 99;
        size_t len = r->len ? r->len : strlen(r->src);
        struct template *t = template_parse(r->src, len, &err, &line);
        char name[160];

        snprintf(name, sizeof name, "%s: refused", r->name);
        tap_ok(t == NULL, "%s", name);
        TAP_EQ_STR(err, r->err, r->name);
        snprintf(name, sizeof name, "%s: line", r->name);
        TAP_EQ_INT(line, r->line, name);
        template_free(t);
        /* the text kind has the same syntax */
        err = NULL;
        t = template_parse_text(r->src, len, &err, NULL);
        snprintf(name, sizeof name, "%s: refused as text", r->name);
        tap_ok(t == NULL && err != NULL && strcmp(err, r->err) == 0, "%s", name);
        template_free(t);
    }
}

static struct template *must_parse(const char *src, size_t len)
{
    const char *err = NULL;
    unsigned line = 0;
    struct template *t = template_parse(src, len, &err, &line);
    if (t == NULL) {
        tap_diag("unexpected parse error: %s on line %u", err, line);
        abort();
    }
    /* false positive: cppcheck takes this function's "struct template" for C++'s keyword and the
     * pointer template_parse returned for an int */
    /* cppcheck-suppress CastIntegerToAddressAtReturn */
    return t;
}

static void test_parse_limits(void)
{
    char *src = malloc(LIMIT_TEMPLATE_SOURCE_BYTES + 2);
    char buf[2048];
    size_t n = 0;
    const char *err = NULL;
    unsigned line = 99;
    struct template *t;

    if (src == NULL)
        abort();
    memset(src, 'x', LIMIT_TEMPLATE_SOURCE_BYTES + 1);
    t = template_parse(src, LIMIT_TEMPLATE_SOURCE_BYTES, &err, &line);
    tap_ok(t != NULL, "source of LIMIT_TEMPLATE_SOURCE_BYTES parses");
    template_free(t);
    t = template_parse(src, LIMIT_TEMPLATE_SOURCE_BYTES + 1, &err, &line);
    tap_ok(t == NULL, "source one byte larger is refused");
    TAP_EQ_STR(err, "template larger than LIMIT_TEMPLATE_SOURCE_BYTES", "source size error");
    TAP_EQ_INT(line, 0, "source size error is on line 0");
    free(src);

    /* LIMIT_TEMPLATE_DEPTH nested sections parse, one more does not */
    for (int i = 0; i < LIMIT_TEMPLATE_DEPTH; i++)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "{{#s%d}}", i);
    for (int i = LIMIT_TEMPLATE_DEPTH; i-- > 0;)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "{{/s%d}}", i);
    t = template_parse(buf, n, &err, &line);
    tap_ok(t != NULL, "%d nested sections parse", LIMIT_TEMPLATE_DEPTH);
    template_free(t);
    n = 0;
    for (int i = 0; i <= LIMIT_TEMPLATE_DEPTH; i++)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "{{^s%d}}\n", i);
    t = template_parse(buf, n, &err, &line);
    tap_ok(t == NULL, "%d nested sections are refused", LIMIT_TEMPLATE_DEPTH + 1);
    TAP_EQ_STR(err, "sections nested deeper than LIMIT_TEMPLATE_DEPTH", "nesting error");
    TAP_EQ_INT(line, LIMIT_TEMPLATE_DEPTH + 1, "nesting error line");

    /* a name of exactly LIMIT_TEMPLATE_NAME_BYTES */
    n = (size_t)snprintf(buf, sizeof buf, "{{%0*d}}", LIMIT_TEMPLATE_NAME_BYTES, 7);
    t = template_parse(buf, n, &err, &line);
    tap_ok(t != NULL, "name of LIMIT_TEMPLATE_NAME_BYTES parses");
    template_free(t);
}

static void test_output_cap(void)
{
    struct template *t = must_parse("0123456789", 10), *big;
    struct template_out out;
    json_t *data;
    char src[64];
    int rc;

    template_out_init(&out, 10);
    TAP_EQ_INT(template_render(t, NULL, NULL, &out), 0, "output of exactly its maximum");
    TAP_EQ_INT(out.len, 10, "output length at the maximum");
    rc = template_render(t, NULL, NULL, &out);
    TAP_EQ_INT(rc, -1, "one more render exceeds the maximum");
    TAP_EQ_STR(out.err, "output larger than its maximum", "output cap error");
    tap_eq_mem(out.buf, out.len, "0123456789", 10, "the earlier output is kept, nothing truncated appended");
    tap_ok(out.buf[out.len] == '\0', "still NUL-terminated");
    out.len = 0;
    TAP_EQ_INT(template_render(t, NULL, NULL, &out), 0, "the buffer can be reused after len = 0");
    TAP_EQ_STR(out.err, NULL, "err cleared after a success");
    template_out_free(&out);
    template_free(t);

    /* escaping counts: 3 '&' become 15 bytes */
    t = must_parse("{{v}}", 5);
    data = load_json("{\"v\": \"&&&\"}");
    template_out_init(&out, 14);
    TAP_EQ_INT(template_render(t, data, NULL, &out), -1, "escaped value over the maximum");
    TAP_EQ_INT(out.len, 0, "nothing kept of a failed render");
    template_out_free(&out);
    template_out_init(&out, 15);
    TAP_EQ_INT(template_render(t, data, NULL, &out), 0, "escaped value at the maximum");
    template_out_free(&out);
    json_decref(data);
    template_free(t);

    /* the default maximum: LIMIT_TEMPLATE_OUTPUT_BYTES, reached by a section over a long array */
    data = json_pack("{s:[]}", "l");
    for (size_t i = 0; i < LIMIT_TEMPLATE_OUTPUT_BYTES / 1024; i++)
        json_array_append_new(json_object_get(data, "l"), json_integer(0));
    snprintf(src, sizeof src, "{{#l}}%s{{/l}}", "{{> k}}");
    {
        struct template_set *set = template_set_new();
        char *kb = malloc(1024);
        if (kb == NULL)
            abort();
        memset(kb, 'k', 1024);
        template_set_add(set, "k", must_parse(kb, 1024));
        big = must_parse(src, strlen(src));
        template_out_init(&out, 0);
        TAP_EQ_INT(out.max, LIMIT_TEMPLATE_OUTPUT_BYTES, "default maximum");
        rc = template_render(big, data, set, &out);
        TAP_EQ_INT(rc, 0, "page of exactly LIMIT_TEMPLATE_OUTPUT_BYTES");
        TAP_EQ_INT(out.len, LIMIT_TEMPLATE_OUTPUT_BYTES, "its length");
        out.len = 0;
        json_array_append_new(json_object_get(data, "l"), json_integer(0));
        rc = template_render(big, data, set, &out);
        TAP_EQ_INT(rc, -1, "1 KiB more is refused");
        TAP_EQ_STR(out.err, "output larger than its maximum", "default cap error");
        TAP_EQ_INT(out.len, 0, "no truncated page");
        template_out_free(&out);
        template_free(big);
        template_set_free(set);
        free(kb);
    }
    json_decref(data);
}

static void test_render_limits(void)
{
    struct template_set *set = template_set_new();
    struct template_out out;
    json_t *data;
    char src[512];
    size_t n = 0;
    int rc;

    /* c0 includes c1 ... includes c9: rendering c1 nests LIMIT_TEMPLATE_PARTIAL_DEPTH partials */
    for (int i = 0; i <= LIMIT_TEMPLATE_PARTIAL_DEPTH + 1; i++) {
        char name[16];
        snprintf(name, sizeof name, "c%d", i);
        if (i == LIMIT_TEMPLATE_PARTIAL_DEPTH + 1)
            n = (size_t)snprintf(src, sizeof src, "end");
        else
            n = (size_t)snprintf(src, sizeof src, "%d{{> c%d}}", i, i + 1);
        template_set_add(set, name, must_parse(src, n));
    }
    template_out_init(&out, 0);
    rc = template_set_render(set, "c1", NULL, &out);
    TAP_EQ_INT(rc, 0, "LIMIT_TEMPLATE_PARTIAL_DEPTH nested partials render");
    TAP_EQ_STR(out.buf, "12345678end", "nested partial output");
    out.len = 0;
    rc = template_set_render(set, "c0", NULL, &out);
    TAP_EQ_INT(rc, -1, "one more partial level is refused");
    TAP_EQ_STR(out.err, "partials nested deeper than LIMIT_TEMPLATE_PARTIAL_DEPTH", "partial depth error");
    template_out_free(&out);

    /* a partial with no set */
    template_out_init(&out, 0);
    rc = template_render(template_set_get(set, "c8"), NULL, NULL, &out);
    TAP_EQ_INT(rc, -1, "a partial without a set");
    TAP_EQ_STR(out.err, "partial not found", "no set error");
    template_out_free(&out);
    template_set_free(set);

    /* the work cap: sections over the same array, nested, producing nothing */
    data = load_json("{\"l\": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]}");
    n = 0;
    for (int i = 0; i < 7; i++)
        n += (size_t)snprintf(src + n, sizeof src - n, "{{#l}}");
    for (int i = 0; i < 7; i++)
        n += (size_t)snprintf(src + n, sizeof src - n, "{{/l}}");
    {
        struct template *t = must_parse(src, n);
        template_out_init(&out, 0);
        rc = template_render(t, data, NULL, &out);
        TAP_EQ_INT(rc, -1, "10^7 loop turns are refused");
        TAP_EQ_STR(out.err, "render took more than LIMIT_TEMPLATE_RENDER_STEPS steps", "work cap error");
        template_out_free(&out);
        template_free(t);
        /* 10^4 turns are fine */
        const size_t tag = sizeof "{{#l}}" - 1;
        t = must_parse(src + 4 * tag, n - 8 * tag);
        template_out_init(&out, 0);
        TAP_EQ_INT(template_render(t, data, NULL, &out), 0, "10^3 loop turns render");
        template_out_free(&out);
        template_free(t);
    }
    json_decref(data);
}

static void test_set_api(void)
{
    struct template_set *set = template_set_new();
    struct template_out out;

    TAP_EQ_INT(template_set_add(set, "page", must_parse("P", 1)), 0, "add");
    TAP_EQ_INT(template_set_add(set, "mail.txt", must_parse("M", 1)), 0, "add a dotted name");
    TAP_EQ_INT(template_set_add(set, "page", must_parse("Q", 1)), -1, "duplicate name refused");
    TAP_EQ_INT(template_set_add(set, "", must_parse("Q", 1)), -1, "empty name refused");
    TAP_EQ_INT(template_set_add(set, "a-b", must_parse("Q", 1)), -1, "dash refused");
    TAP_EQ_INT(template_set_add(set, ".", must_parse("Q", 1)), -1, "'.' refused");
    TAP_EQ_INT(template_set_add(set, "../x", must_parse("Q", 1)), -1, "path refused");
    tap_ok(template_set_get(set, "page") != NULL, "get");
    tap_ok(template_set_get(set, "pag") == NULL && template_set_get(set, "pages") == NULL, "get needs the exact name");
    tap_ok(template_set_get(set, "mail") == NULL, "a text template keeps its .txt");
    tap_ok(template_set_get(NULL, "page") == NULL, "get from no set");
    template_out_init(&out, 0);
    TAP_EQ_INT(template_set_render(set, "nope", NULL, &out), -1, "render an unknown name");
    TAP_EQ_STR(out.err, "no such template", "unknown name error");
    TAP_EQ_INT(template_set_render(set, "page", NULL, &out), 0, "render by name");
    TAP_EQ_STR(out.buf, "P", "render by name output");
    template_out_free(&out);
    template_set_free(set);

    set = template_set_new();
    for (int i = 0; i < LIMIT_TEMPLATE_FILES; i++) {
        char name[16];
        snprintf(name, sizeof name, "t%d", i);
        if (template_set_add(set, name, must_parse("", 0)) != 0)
            abort();
    }
    TAP_EQ_INT(template_set_add(set, "one_more", must_parse("", 0)), -1, "a full set refuses more");
    template_set_free(set);
}

/* ---- template_set_load_dir ---- */

/* len 0: strlen(text) */
static void write_file(const char *dir, const char *name, const char *text, size_t len)
{
    char path[512];
    FILE *f;
    if (len == 0)
        len = strlen(text);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "wb");
    if (f == NULL || fwrite(text, 1, len, f) != len || fclose(f) != 0)
        abort();
}

static void remove_tree(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        tap_diag("could not remove %s", dir);
}

struct load_case {
    const char *name;
    const char *files[4][2]; /* file name, content */
    const char *err_suffix;  /* the message after "<dir>/" or the whole message */
};

static void test_load_dir(void)
{
    char dir[] = "/tmp/test_template.XXXXXX";
    char err[512] = "";
    struct template_set *set;
    struct template_out out;
    json_t *data;

    if (mkdtemp(dir) == NULL)
        abort();
    write_file(dir, "page.html", "{{> head}}<p>{{v}}</p>\n", 0);
    write_file(dir, "head.html", "<h1>{{title}}</h1>", 0);
    write_file(dir, "mail.txt", "Hi {{v}}\n", 0);
    write_file(dir, "mail.html", "<p>Hi {{v}}</p>", 0);
    write_file(dir, "README", "{{{ not a template", 0);
    write_file(dir, ".hidden.html", "{{{", 0);
    write_file(dir, "page.html~", "{{{", 0);
    {
        char sub[600];
        snprintf(sub, sizeof sub, "%s/dir.html", dir);
        mkdir(sub, 0700);
    }
    set = template_set_load_dir(dir, err, sizeof err);
    if (!tap_ok(set != NULL, "load a directory"))
        tap_diag("  error: %s", err);
    tap_ok(set && template_set_get(set, "page") && template_set_get(set, "head") && template_set_get(set, "mail.txt") &&
               template_set_get(set, "mail"),
           "every template by name");
    tap_ok(set && !template_set_get(set, "README") && !template_set_get(set, "dir") &&
               !template_set_get(set, ".hidden") && !template_set_get(set, "page.html"),
           "other files are not templates");
    data = load_json("{\"title\": \"T\", \"v\": \"a&b\"}");
    template_out_init(&out, 0);
    TAP_EQ_INT(template_set_render(set, "page", data, &out), 0, "render a loaded page");
    TAP_EQ_STR(out.buf, "<h1>T</h1><p>a&amp;b</p>\n", "loaded page output");
    out.len = 0;
    TAP_EQ_INT(template_set_render(set, "mail.txt", data, &out), 0, "render a loaded text template");
    TAP_EQ_STR(out.buf, "Hi a&b\n", ".txt files are text templates");
    out.len = 0;
    TAP_EQ_INT(template_set_render(set, "mail", data, &out), 0, "render the HTML twin");
    TAP_EQ_STR(out.buf, "<p>Hi a&amp;b</p>", ".html files are HTML templates");
    template_out_free(&out);
    json_decref(data);
    template_set_free(set);
    remove_tree(dir);

    static const struct load_case cases[] = {
        {"parse error", {{"ok.html", "fine"}, {"bad.html", "a\n{{#x}}\n{{/y}}"}}, "bad.html:3: closing tag does not match the open section"},
        {"missing partial", {{"a.html", "x\n\n{{> nowhere}}"}}, "a.html:3: partial \"nowhere\" is not in the set"},
        {"missing partial in a text template", {{"m.txt", "{{> m}}"}}, "m.txt:1: partial \"m\" is not in the set"},
        {"bad file name", {{"my-page.html", "x"}},
         "my-page.html: a template file is named <name>.html or <name>.txt, <name> [A-Za-z0-9_]+ and at most "
         "LIMIT_TEMPLATE_NAME_BYTES"},
        {"empty stem", {{".html", "x"}, {"x.txt", "y"}}, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char d[] = "/tmp/test_template.XXXXXX";
        if (mkdtemp(d) == NULL)
            abort();
        for (int k = 0; k < 4 && cases[i].files[k][0]; k++)
            write_file(d, cases[i].files[k][0], cases[i].files[k][1], strlen(cases[i].files[k][1]));
        err[0] = '\0';
        set = template_set_load_dir(d, err, sizeof err);
        if (cases[i].err_suffix == NULL) {
            tap_ok(set != NULL, "load: %s", cases[i].name);
        } else {
            tap_ok(set == NULL, "load refused: %s", cases[i].name);
            TAP_EQ_STR(err, cases[i].err_suffix, cases[i].name);
        }
        template_set_free(set);
        remove_tree(d);
    }

    /* a file over LIMIT_TEMPLATE_SOURCE_BYTES */
    {
        char d[] = "/tmp/test_template.XXXXXX";
        char *big = malloc(LIMIT_TEMPLATE_SOURCE_BYTES + 1), want[600];
        if (mkdtemp(d) == NULL || big == NULL)
            abort();
        memset(big, 'x', LIMIT_TEMPLATE_SOURCE_BYTES + 1);
        write_file(d, "big.html", big, LIMIT_TEMPLATE_SOURCE_BYTES);
        set = template_set_load_dir(d, err, sizeof err);
        tap_ok(set != NULL, "load a file of LIMIT_TEMPLATE_SOURCE_BYTES");
        template_set_free(set);
        write_file(d, "big.html", big, LIMIT_TEMPLATE_SOURCE_BYTES + 1);
        set = template_set_load_dir(d, err, sizeof err);
        tap_ok(set == NULL, "a larger file is refused");
        snprintf(want, sizeof want, "%s/big.html: larger than LIMIT_TEMPLATE_SOURCE_BYTES", d);
        TAP_EQ_STR(err, want, "large file error");
        free(big);
        remove_tree(d);
    }
    set = template_set_load_dir("/nonexistent/templates", err, sizeof err);
    tap_ok(set == NULL, "a missing directory is refused");
    TAP_EQ_STR(err, "/nonexistent/templates: No such file or directory", "missing directory error");
}

/* ---- concurrent renders of one set ---- */

struct thread_arg {
    const struct template_set *set;
    const json_t *data;
    char *want;
    int bad;
};

static void *render_loop(void *p)
{
    struct thread_arg *a = p;
    struct template_out out;
    template_out_init(&out, 0);
    for (int i = 0; i < 2000; i++) {
        out.len = 0;
        if (template_set_render(a->set, "page", a->data, &out) != 0 || strcmp(out.buf, a->want) != 0)
            a->bad++;
    }
    template_out_free(&out);
    return NULL;
}

static void test_threads(void)
{
    struct template_set *set = template_set_new();
    const char *src = "{{#items}}<li>{{> item}}{{x}}</li>{{/items}}";
    pthread_t th[4];
    struct thread_arg args[4];
    json_t *data[4];
    int bad = 0;

    template_set_add(set, "page", must_parse(src, strlen(src)));
    template_set_add(set, "item", must_parse("{{name}}", 8));
    for (int i = 0; i < 4; i++) {
        char json[128], want[128];
        snprintf(json, sizeof json, "{\"x\": %d, \"items\": [{\"name\": \"a%d\"}, {\"name\": \"<%d>\"}]}", i, i, i);
        snprintf(want, sizeof want, "<li>a%d%d</li><li>&lt;%d&gt;%d</li>", i, i, i, i);
        data[i] = load_json(json);
        args[i] = (struct thread_arg){set, data[i], strdup(want), 0};
        if (pthread_create(&th[i], NULL, render_loop, &args[i]) != 0)
            abort();
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        bad += args[i].bad;
        free(args[i].want);
        json_decref(data[i]);
    }
    TAP_EQ_INT(bad, 0, "4 threads x 2000 renders of one set, each with its own data");
    template_set_free(set);
}

/* ---- the pages in templates/ ---- */

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p != NULL; p = strstr(p + 1, needle))
        n++;
    return n;
}

struct page_case {
    const char *name;     /* also the file written to $TEMPLATE_RENDER_DIR */
    const char *page;     /* template name */
    const char *data;     /* JSON */
    const char *has[12];  /* each must appear */
    const char *hasnt[8]; /* none may appear */
};

#define SAMPLE_STORE "\"store_name\": \"Green Grocer\""
#define SCOPES                                                                                                     \
    "\"scopes\": [{\"name\": \"orders:read\", \"description\": \"View orders, customers and payments\"},"          \
    " {\"name\": \"orders:write\", \"description\": \"Change order status, add notes and make refunds\"},"         \
    " {\"name\": \"products:write\", \"description\": \"Edit products, prices and stock\"},"                      \
    " {\"name\": \"reports:read\", \"description\": \"See sales reports\"},"                                      \
    " {\"name\": \"tickets:write\", \"description\": \"Read and answer support tickets\"}]"

/* Hostile values for every key a page shows. */
#define HOSTILE                                                                                                    \
    "\"store_name\": \"<script>alert(1)</script>\", \"client_name\": \"Evil \\\"App\\\" ' onmouseover=alert(1)\","  \
    " \"csrf\": \"\\\"><script>x()</script>\", \"request_id\": \"r\\\" autofocus onfocus=\\\"alert(2)\","          \
    " \"login\": \"a' onfocus='alert(3)\", \"error\": \"<img src=x onerror=alert(4)>\","                         \
    " \"user_display_name\": \"<b>Bob</b>\", \"user_login\": \"bob</span><script>\", \"title\": \"<h1>T</h1>\"," \
    " \"message\": \"<a href=javascript:alert(5)>m</a>\", \"detail\": \"`d`\", \"lang\": \"en\\\" onclick=\\\"x\","  \
    " \"scopes\": [{\"name\": \"<u>\", \"description\": \"<i>scope</i>\"}]"

static const char *const NEVER[] = {"<script", "onmouseover=", "onfocus=", "onerror=", "onclick=", "<img", "<b>Bob",
                                    "<i>scope", "javascript:alert(5)>", "{{", "}}"};

static const struct page_case pages[] = {
    {"login",
     "login",
     "{" SAMPLE_STORE ", \"action\": \"/login\", \"csrf\": \"tok123\", \"request_id\": \"req456\","
     " \"client_name\": \"CartMan\", \"lost_password_url\": \"https://shop.example/wp-login.php?action=lostpassword\"}",
     {"<html lang=\"en\">", "<title>Sign in · Green Grocer</title>", "<h1>Sign in to Green Grocer</h1>",
      "<strong>CartMan</strong> is asking to connect", "<form method=\"post\" action=\"/login\">",
      "<input type=\"hidden\" name=\"csrf\" value=\"tok123\">",
      "<input type=\"hidden\" name=\"request_id\" value=\"req456\">", "name=\"login\" type=\"text\" value=\"\"",
      "autocomplete=\"current-password\"", "<label for=\"password\">Password</label>",
      "href=\"https://shop.example/wp-login.php?action&#61;lostpassword\"", "</html>\n"},
     {"role=\"alert\"", "aria-invalid=\"true\"", "Use your WordPress account"}},
    {"login_error",
     "login",
     "{" SAMPLE_STORE ", \"action\": \"/login\", \"csrf\": \"tok123\", \"request_id\": \"req456\","
     " \"client_name\": \"CartMan\", \"login\": \"jane@example.com\","
     " \"error\": \"The username or password is incorrect. 4 attempts left before a 15-minute pause.\"}",
     {"<div class=\"alert\" role=\"alert\" id=\"form-error\">",
      "<p>The username or password is incorrect. 4 attempts left before a 15-minute pause.</p>",
      "value=\"jane@example.com\"", "aria-invalid=\"true\" aria-describedby=\"form-error\"",
      "autocomplete=\"current-password\" required aria-invalid=\"true\" aria-describedby=\"form-error\" autofocus>"},
     {"Forgot password?"}},
    {"login_plain",
     "login",
     "{" SAMPLE_STORE ", \"action\": \"/login\", \"csrf\": \"tok123\", \"lang\": \"de\"}",
     {"<html lang=\"de\">", "<p class=\"lede\">Use your WordPress account.</p>", "name=\"csrf\""},
     {"is asking", "request_id", "role=\"alert\""}},
    {"login_long_names",
     "login",
     "{\"store_name\": \"Bäckerei Müller & Söhne — Feinste Backwaren seit 1887\", \"action\": \"/login\","
     " \"csrf\": \"t\", \"client_name\": \"CartMan for iPhone and iPad (development build 2.14.0-beta)\"}",
     {"Sign in to Bäckerei Müller &amp; Söhne — Feinste Backwaren seit 1887"},
     {"request_id"}},
    {"consent",
     "consent",
     "{" SAMPLE_STORE ", \"client_name\": \"CartMan\", \"user_display_name\": \"Jane Doe\", \"user_login\": \"jane\","
     " \"action\": \"/oauth/authorize\", \"csrf\": \"tok123\", \"request_id\": \"req456\", " SCOPES "}",
     {"<title>Allow CartMan · Green Grocer</title>", "<h1>CartMan wants to access Green Grocer</h1>",
      "Signed in as <strong>Jane Doe</strong> <span class=\"muted\">(jane)</span>",
      "<span class=\"desc\">View orders, customers and payments</span><code>orders:read</code>",
      "<code>tickets:write</code>", "<form method=\"post\" action=\"/oauth/authorize\">",
      "<button type=\"submit\" name=\"decision\" value=\"approve\" class=\"btn btn-primary\">Approve</button>",
      "<button type=\"submit\" name=\"decision\" value=\"deny\" class=\"btn btn-secondary\">Deny</button>",
      "<form method=\"post\" action=\"/logout\">", "<h2>CartMan will be able to:</h2>"},
     {"nothing else"}},
    {"consent_no_scopes",
     "consent",
     "{" SAMPLE_STORE ", \"client_name\": \"CartMan\", \"user_display_name\": \"Jane\", \"user_login\": \"jane\","
     " \"action\": \"/oauth/authorize\", \"csrf\": \"t\", \"request_id\": \"r\", \"scopes\": []}",
     {"See that you are signed in, nothing else"},
     {"<code>"}},
    {"error",
     "error",
     "{" SAMPLE_STORE ", \"title\": \"This app cannot be connected\","
     " \"message\": \"The app sent a return address this store does not know, so you were not sent back to it.\","
     " \"detail\": \"invalid_redirect_uri\"}",
     {"<title>This app cannot be connected · Green Grocer</title>", "<h1>This app cannot be connected</h1>",
      "<p class=\"lede\">The app sent a return address this store does not know, so you were not sent back to it.</p>",
      "Error code: <code>invalid_redirect_uri</code>"},
     {"<form"}},
    {"error_no_detail", "error", "{" SAMPLE_STORE ", \"title\": \"T\", \"message\": \"M\"}", {"<h1>T</h1>"}, {"Error code"}},
    {"logged_out",
     "logged_out",
     "{" SAMPLE_STORE ", \"login_url\": \"/login\", \"store_url\": \"https://shop.example/\"}",
     {"<title>Signed out · Green Grocer</title>", "<h1>You are signed out</h1>",
      "<a class=\"btn btn-primary\" href=\"/login\">Sign in again</a>",
      "<a class=\"btn btn-secondary\" href=\"https://shop.example/\">Go to Green Grocer</a>"},
     {"<form"}},
    {"logged_out_store_only",
     "logged_out",
     "{" SAMPLE_STORE ", \"store_url\": \"https://shop.example/\"}",
     {"<a class=\"btn btn-secondary\" href=\"https://shop.example/\">Go to Green Grocer</a>"},
     {"Sign in again"}},
    {"logged_out_bare", "logged_out", "{" SAMPLE_STORE "}", {"You have been signed out of Green Grocer."}, {"class=\"btn"}},
};

static void write_render(const char *name, const struct template_out *out)
{
    const char *dir = getenv("TEMPLATE_RENDER_DIR");
    char path[512];
    FILE *f;
    if (dir == NULL || *dir == '\0')
        return;
    snprintf(path, sizeof path, "%s/%s.html", dir, name);
    f = fopen(path, "wb");
    if (f == NULL || fwrite(out->buf, 1, out->len, f) != out->len || fclose(f) != 0)
        tap_diag("could not write %s", path);
}

static void test_pages(void)
{
    const char *dir = getenv("TEMPLATES_DIR");
    static const char *const names[] = {"login", "consent", "error", "logged_out"};
    char err[512] = "";
    struct template_set *set = template_set_load_dir(dir && *dir ? dir : "templates", err, sizeof err);
    struct template_out out;

    if (!tap_ok(set != NULL, "templates/ loads")) {
        tap_diag("  error: %s", err);
        return;
    }
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        tap_ok(template_set_get(set, names[i]) != NULL, "page %s exists", names[i]);
    template_out_init(&out, 0);
    for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++) {
        const struct page_case *c = &pages[i];
        json_t *data = load_json(c->data);
        out.len = 0;
        if (!tap_ok(template_set_render(set, c->page, data, &out) == 0, "%s: renders", c->name)) {
            tap_diag("  error: %s", out.err);
            json_decref(data);
            continue;
        }
        for (size_t k = 0; k < sizeof c->has / sizeof c->has[0] && c->has[k]; k++)
            if (!tap_ok(strstr(out.buf, c->has[k]) != NULL, "%s: has %s", c->name, c->has[k]))
                tap_diag("  page:\n%s", out.buf);
        for (size_t k = 0; k < sizeof c->hasnt / sizeof c->hasnt[0] && c->hasnt[k]; k++)
            tap_ok(strstr(out.buf, c->hasnt[k]) == NULL, "%s: has no %s", c->name, c->hasnt[k]);
        tap_ok(strstr(out.buf, "{{") == NULL && strstr(out.buf, "}}") == NULL, "%s: no tag left", c->name);
        tap_ok(strncmp(out.buf, "<!doctype html>\n", 16) == 0, "%s: starts with the doctype", c->name);
        write_render(c->name, &out);
        json_decref(data);
    }
    {
        json_t *data = load_json("{\"csrf\": \"tok123\", \"request_id\": \"req456\", \"scopes\": []}");
        out.len = 0;
        template_set_render(set, "consent", data, &out);
        TAP_EQ_INT(count(out.buf, "<input type=\"hidden\" name=\"csrf\" value=\"tok123\">"), 2,
                   "consent: both forms carry the CSRF token");
        TAP_EQ_INT(count(out.buf, "<input type=\"hidden\" name=\"request_id\" value=\"req456\">"), 2,
                   "consent: both forms carry the request id");
        TAP_EQ_INT(count(out.buf, "<form "), 2, "consent: two forms, not nested");
        json_decref(data);
    }

    /* every page with hostile values in every key */
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        json_t *data = load_json("{" HOSTILE "}");
        out.len = 0;
        if (!tap_ok(template_set_render(set, names[i], data, &out) == 0, "%s with hostile data: renders", names[i])) {
            json_decref(data);
            continue;
        }
        for (size_t k = 0; k < sizeof NEVER / sizeof NEVER[0]; k++)
            tap_ok(strstr(out.buf, NEVER[k]) == NULL, "%s with hostile data: no %s", names[i], NEVER[k]);
        tap_ok(strstr(out.buf, "&lt;script&gt;alert(1)&lt;/script&gt;") != NULL, "%s: store name escaped", names[i]);
        tap_ok(strstr(out.buf, "<html lang=\"en&quot; onclick&#61;&quot;x\">") != NULL, "%s: lang escaped", names[i]);
        if (strcmp(names[i], "login") == 0) {
            tap_ok(strstr(out.buf, "<strong>Evil &quot;App&quot; &#39; onmouseover&#61;alert(1)</strong>") != NULL,
                   "login: client name escaped");
            tap_ok(strstr(out.buf, "value=\"&quot;&gt;&lt;script&gt;x()&lt;/script&gt;\"") != NULL,
                   "login: csrf escaped in its attribute");
            tap_ok(strstr(out.buf, "value=\"r&quot; autofocus onfocus&#61;&quot;alert(2)\"") != NULL,
                   "login: request id escaped in its attribute");
            tap_ok(strstr(out.buf, "value=\"a&#39; onfocus&#61;&#39;alert(3)\"") != NULL, "login: login escaped");
            tap_ok(strstr(out.buf, "<p>&lt;img src&#61;x onerror&#61;alert(4)&gt;</p>") != NULL, "login: error escaped");
        } else if (strcmp(names[i], "consent") == 0) {
            tap_ok(strstr(out.buf, "<h1>Evil &quot;App&quot; &#39; onmouseover&#61;alert(1) wants to access "
                                   "&lt;script&gt;alert(1)&lt;/script&gt;</h1>") != NULL,
                   "consent: heading escaped");
            tap_ok(strstr(out.buf, "<strong>&lt;b&gt;Bob&lt;/b&gt;</strong> <span class=\"muted\">(bob&lt;/span&gt;"
                                   "&lt;script&gt;)</span>") != NULL,
                   "consent: user escaped");
            tap_ok(strstr(out.buf, "<span class=\"desc\">&lt;i&gt;scope&lt;/i&gt;</span><code>&lt;u&gt;</code>") != NULL,
                   "consent: scope escaped");
        } else if (strcmp(names[i], "error") == 0) {
            tap_ok(strstr(out.buf, "<h1>&lt;h1&gt;T&lt;/h1&gt;</h1>") != NULL, "error: title escaped");
            tap_ok(strstr(out.buf, "<code>&#96;d&#96;</code>") != NULL, "error: detail escaped");
        }
        json_decref(data);
    }
    template_out_free(&out);
    template_set_free(set);
}

int main(void)
{
    test_rows();
    test_errors();
    test_parse_limits();
    test_output_cap();
    test_render_limits();
    test_set_api();
    test_load_dir();
    test_threads();
    test_pages();
    return tap_done();
}
