/*
 * tests/unit/test_download_files.c — apid/download_files: the download ids of _downloadable_files
 * (WooCommerce's own serialized shape, lists, skipped entries, what PHP would not unserialize), the
 * limit/expiry numbers as PHP's (int) and absint read them, downloads_remaining and access_expires
 * (tables).
 */
#include <string.h>

#include "apid/download_files.h"
#include "tests/tap.h"

static void test_ids(void)
{
    static const struct {
        const char *name, *in, *want; /* want: the ids joined by ',' */
    } rows[] = {
        {"two files as WooCommerce saves them",
         "a:2:{s:36:\"9b2f3c1e-8a43-4b7e-9d3e-1f2a3b4c5d6e\";a:4:{s:2:\"id\";s:36:\"9b2f3c1e-8a43-4b7e-9d3e-1f2a3b4c5d6e\";"
         "s:4:\"name\";s:8:\"Book PDF\";s:4:\"file\";s:30:\"https://example.com/f/book.pdf\";s:7:\"enabled\";b:1;}"
         "s:32:\"0123456789abcdef0123456789abcdef\";a:3:{s:2:\"id\";s:32:\"0123456789abcdef0123456789abcdef\";"
         "s:4:\"name\";s:0:\"\";s:4:\"file\";s:9:\"/f/x.epub\";}}",
         "9b2f3c1e-8a43-4b7e-9d3e-1f2a3b4c5d6e,0123456789abcdef0123456789abcdef"},
        {"an entry without a file is skipped",
         "a:2:{s:1:\"a\";a:1:{s:4:\"name\";s:1:\"x\";}s:1:\"b\";a:2:{s:4:\"name\";s:1:\"y\";s:4:\"file\";s:1:\"f\";}}", "b"},
        {"a null name is not set", "a:1:{s:1:\"a\";a:2:{s:4:\"name\";N;s:4:\"file\";s:1:\"f\";}}", ""},
        {"an empty name is set", "a:1:{s:1:\"a\";a:2:{s:4:\"name\";s:0:\"\";s:4:\"file\";s:0:\"\";}}", "a"},
        {"integer keys", "a:1:{i:7;a:2:{s:4:\"name\";s:1:\"n\";s:4:\"file\";s:1:\"f\";}}", "7"},
        {"a list: keys 0..n-1",
         "a:2:{i:0;a:2:{s:4:\"name\";s:1:\"n\";s:4:\"file\";s:1:\"f\";}i:1;a:2:{s:4:\"name\";s:1:\"n\";s:4:\"file\";s:1:\"g\";}}",
         "0,1"},
        {"string values are no files", "a:2:{s:1:\"a\";s:4:\"file\";s:1:\"b\";i:1;}", ""},
        {"a value that is a list", "a:1:{s:1:\"a\";a:2:{i:0;s:4:\"name\";i:1;s:4:\"file\";}}", ""},
        {"a key over 36 characters is left out",
         "a:2:{s:37:\"0123456789012345678901234567890123456\";a:2:{s:4:\"name\";s:1:\"n\";s:4:\"file\";s:1:\"f\";}"
         "s:1:\"k\";a:2:{s:4:\"name\";s:1:\"n\";s:4:\"file\";s:1:\"f\";}}",
         "k"},
        {"36 multi-byte characters fit",
         "a:1:{s:72:\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
         "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
         "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\";a:2:{s:4:\"name\";s:1:\"n\";"
         "s:4:\"file\";s:1:\"f\";}}",
         "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
         "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
         "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"},
        {"an empty array", "a:0:{}", ""},
        {"an empty meta value", "", ""},
        {"not serialized", "https://example.com/file.zip", ""},
        {"an object is refused", "O:8:\"stdClass\":0:{}", ""},
        {"a serialized string", "s:3:\"abc\";", ""},
        {"trailing bytes", "a:0:{}x", ""},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct download_ids ids;
        const char *err = NULL;
        TAP_EQ_INT(download_files_ids(rows[i].in, strlen(rows[i].in), &ids, &err), 0, rows[i].name);
        char got[1024] = "";
        size_t len = 0;
        for (size_t k = 0; k < ids.n; k++)
            len += (size_t)snprintf(got + len, sizeof got - len, "%s%s", k ? "," : "", ids.id[k]);
        TAP_EQ_STR(got, rows[i].want, rows[i].name);
        if (ids.n == 0)
            tap_ok(err != NULL && ids.id == NULL, "%s: says why, nothing allocated", rows[i].name);
        download_ids_free(&ids);
    }
}

static void test_numbers(void)
{
    static const struct {
        const char *in;
        long long want;
    } rows[] = {
        {NULL, -1}, {"", -1},      {"-1", -1},      {"-1.5", -1}, {" -1", -1},       {"0", 0},       {"5", 5},
        {"12", 12}, {"-3", 3},     {"+4", 4},       {" 7", 7},    {"7 days", 7},     {"2.9", 2},     {"1e3", 1000},
        {"2.5e1", 25}, {"1e", 1},  {"abc", 0},      {"0x1A", 0},  {".5", 0},         {"-.5", 0},     {"007", 7},
        {"99999999999999999999", 999999999999LL}, {"1e300", 999999999999LL},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char name[64];
        snprintf(name, sizeof name, "number %s%s%s", rows[i].in ? "\"" : "", rows[i].in ? rows[i].in : "NULL",
                 rows[i].in ? "\"" : "");
        TAP_EQ_INT(download_files_number(rows[i].in), rows[i].want, name);
    }
}

static void test_remaining(void)
{
    static const struct {
        long long limit, qty;
        bool fits;
        const char *want; /* when it fits */
    } rows[] = {
        {-1, 3, true, ""},           {0, 3, true, "0"},  {5, 1, true, "5"},
        {5, 3, true, "15"},          {2, -4, true, "8"}, {999999999, 1, true, "999999999"},
        {1000000000, 1, false, NULL}, {500000000, 2, false, NULL}, {999999999999LL, 999999999999LL, false, NULL},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char name[80], out[24];
        snprintf(name, sizeof name, "remaining %lld x %lld", rows[i].limit, rows[i].qty);
        bool fits = download_files_remaining(rows[i].limit, rows[i].qty, out);
        tap_ok(fits == rows[i].fits, "%s: %s varchar(9)", name, rows[i].fits ? "fits" : "does not fit");
        if (rows[i].fits)
            TAP_EQ_STR(out, rows[i].want, name);
    }
}

static void test_expires(void)
{
    static const struct {
        const char *from;
        long long days;
        bool set;
        const char *want;
    } rows[] = {
        {"2026-11-27", 30, true, "2026-12-27 00:00:00"}, {"2026-11-27", 1, true, "2026-11-28 00:00:00"},
        {"2024-02-28", 1, true, "2024-02-29 00:00:00"},  {"2026-12-31", 365, true, "2027-12-31 00:00:00"},
        {"2026-11-27", 0, false, ""},                    {"2026-11-27", -1, false, ""},
        {"9999-12-30", 5, true, "9999-12-31 00:00:00"},  {"2026-11-27", 999999999999LL, true, "9999-12-31 00:00:00"},
        {"2026-11-27 10:00:00", 3, false, ""},           {"not a day", 3, false, ""},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char name[80], out[20];
        snprintf(name, sizeof name, "expires %s + %lld", rows[i].from, rows[i].days);
        tap_ok(download_files_expires(rows[i].from, rows[i].days, out) == rows[i].set, "%s: set", name);
        TAP_EQ_STR(out, rows[i].want, name);
    }
}

static void test_yes(void)
{
    static const struct {
        const char *in;
        bool want;
    } rows[] = {{"yes", true}, {"YES", true}, {"true", true}, {"1", true},   {"no", false},
                {"", false},   {NULL, false}, {"0", false},   {"yes ", false}};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        tap_ok(download_files_is_yes(rows[i].in) == rows[i].want, "is_yes(%s)", rows[i].in ? rows[i].in : "NULL");
    TAP_EQ_INT((long long)download_files_chars("\xc3\xa9t\xc3\xa9"), 3, "characters, not bytes");
}

int main(void)
{
    test_ids();
    test_numbers();
    test_remaining();
    test_expires();
    test_yes();
    return tap_done();
}
