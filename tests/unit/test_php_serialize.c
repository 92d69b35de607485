/*
 * tests/unit/test_php_serialize.c — common/php_serialize: table rows of serialized input and the
 * JSON it must give, malformed input it must refuse, byte-exact round trips of real WordPress values,
 * and serialize() output. Expected rows were produced with PHP 8.2's serialize() and json_encode()
 * and pasted here as literals; PHP is not needed to run the test.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/limits.h"
#include "common/php_serialize.h"
#include "tests/tap.h"

/* serialized PHP → compact JSON (json_dumps JSON_ENCODE_ANY | JSON_COMPACT) */
struct unser_row {
    const char *name;
    const char *in;
    size_t len;
    const char *json;
};

static const struct unser_row unser_rows[] = {
    {"null", "N;", 2, "null"},
    {"false", "b:0;", 4, "false"},
    {"true", "b:1;", 4, "true"},
    {"zero", "i:0;", 4, "0"},
    {"negative int", "i:-42;", 6, "-42"},
    {"int64 max", "i:9223372036854775807;", 22, "9223372036854775807"},
    {"int64 min", "i:-9223372036854775808;", 23, "-9223372036854775808"},
    {"empty string", "s:0:\"\";", 7, "\"\""},
    {"string with \" and ;", "s:11:\"a\";b:1;\"c\";\";", 19, "\"a\\\";b:1;\\\"c\\\";\""},
    {"multibyte UTF-8 with quotes", "s:29:\"Shop sync – \"Ünïcode\" app\";", 37, "\"Shop sync – \\\"Ünïcode\\\" app\""},
    {"string with NUL byte", "s:3:\"a\000b\";", 10, "\"a\\u0000b\""},
    {"empty array", "a:0:{}", 6, "[]"},
    {"list", "a:2:{i:0;s:1:\"a\";i:1;s:1:\"b\";}", 30, "[\"a\",\"b\"]"},
    {"keys 1,2 are not a list", "a:2:{i:1;s:1:\"a\";i:2;s:1:\"b\";}", 30, "{\"1\":\"a\",\"2\":\"b\"}"},
    {"keys out of order", "a:2:{i:1;N;i:0;N;}", 18, "{\"1\":null,\"0\":null}"},
    {"list then string key", "a:3:{i:0;N;i:1;N;s:1:\"x\";N;}", 28, "{\"0\":null,\"1\":null,\"x\":null}"},
    {"negative int key", "a:1:{i:-3;b:1;}", 15, "{\"-3\":true}"},
    {"numeric string key becomes int", "a:2:{s:1:\"0\";s:1:\"a\";s:1:\"1\";s:1:\"b\";}", 38, "[\"a\",\"b\"]"},
    {"non-canonical numeric string keys stay strings", "a:4:{s:2:\"-0\";i:1;s:2:\"05\";i:2;s:3:\"1.0\";i:3;s:19:\"9223372036854775808\";i:4;}", 77, "{\"-0\":1,\"05\":2,\"1.0\":3,\"9223372036854775808\":4}"},
    {"duplicate key: last wins in place", "a:3:{s:1:\"b\";i:1;s:1:\"a\";i:2;s:1:\"b\";i:3;}", 42, "{\"b\":3,\"a\":2}"},
    {"duplicate list key", "a:2:{i:0;i:1;i:0;i:2;}", 22, "[2]"},
    {"nested", "a:2:{s:1:\"x\";a:1:{i:0;a:0:{}}s:1:\"y\";a:1:{s:1:\"z\";N;}}", 54, "{\"x\":[[]],\"y\":{\"z\":null}}"},
    {"capabilities: administrator", "a:1:{s:13:\"administrator\";b:1;}", 31, "{\"administrator\":true}"},
    {"capabilities: shop_manager", "a:1:{s:12:\"shop_manager\";b:1;}", 30, "{\"shop_manager\":true}"},
    {"capabilities: two roles", "a:2:{s:10:\"subscriber\";b:1;s:12:\"shop_manager\";b:1;}", 52, "{\"subscriber\":true,\"shop_manager\":true}"},
    {"capabilities: denied capability", "a:2:{s:12:\"shop_manager\";b:1;s:18:\"manage_woocommerce\";b:0;}", 60, "{\"shop_manager\":true,\"manage_woocommerce\":false}"},
    {"application passwords (6.1, never used)", "a:2:{i:0;a:7:{s:4:\"uuid\";s:36:\"b54e4dd6-c175-42dd-ae2b-c19de9c033c4\";s:6:\"app_id\";s:36:\"c0ffee00-1234-4abc-8def-0123456789ab\";s:4:\"name\";s:10:\"Vector CLI\";s:8:\"password\";s:34:\"$P$B4end6zNxD67WS658eokKvggoFz2Gq/\";s:7:\"created\";i:1795754369;s:9:\"last_used\";N;s:7:\"last_ip\";N;}i:1;a:7:{s:4:\"uuid\";s:36:\"a1c73bc8-26c4-469e-9028-48ad8bb3856e\";s:6:\"app_id\";s:0:\"\";s:4:\"name\";s:22:\"Second app (no app_id)\";s:8:\"password\";s:34:\"$P$BN9nF9/UmHa1gS.xIb2V5VCz7oGB3d.\";s:7:\"created\";i:1795754369;s:9:\"last_used\";N;s:7:\"last_ip\";N;}}", 519, "[{\"uuid\":\"b54e4dd6-c175-42dd-ae2b-c19de9c033c4\",\"app_id\":\"c0ffee00-1234-4abc-8def-0123456789ab\",\"name\":\"Vector CLI\",\"password\":\"$P$B4end6zNxD67WS658eokKvggoFz2Gq/\",\"created\":1795754369,\"last_used\":null,\"last_ip\":null},{\"uuid\":\"a1c73bc8-26c4-469e-9028-48ad8bb3856e\",\"app_id\":\"\",\"name\":\"Second app (no app_id)\",\"password\":\"$P$BN9nF9/UmHa1gS.xIb2V5VCz7oGB3d.\",\"created\":1795754369,\"last_used\":null,\"last_ip\":null}]"},
    {"application passwords after deleting entry 0", "a:2:{i:1;a:7:{s:4:\"uuid\";s:36:\"a1c73bc8-26c4-469e-9028-48ad8bb3856e\";s:6:\"app_id\";s:0:\"\";s:4:\"name\";s:22:\"Second app (no app_id)\";s:8:\"password\";s:34:\"$P$BN9nF9/UmHa1gS.xIb2V5VCz7oGB3d.\";s:7:\"created\";i:1795754369;s:9:\"last_used\";i:1795754435;s:7:\"last_ip\";s:9:\"127.0.0.1\";}i:2;a:7:{s:4:\"uuid\";s:36:\"0f3e7a52-9f51-4b0e-a3f7-6c1f4c9d2b11\";s:6:\"app_id\";s:0:\"\";s:4:\"name\";s:29:\"Shop sync – \"Ünïcode\" app\";s:8:\"password\";s:52:\"$generic$b7Q0pMOn1tz1n4iSa3yZ3WuFhf1Lw0cCqD1Cq7dOQ2A\";s:7:\"created\";i:1795754400;s:9:\"last_used\";N;s:7:\"last_ip\";N;}}", 544, "{\"1\":{\"uuid\":\"a1c73bc8-26c4-469e-9028-48ad8bb3856e\",\"app_id\":\"\",\"name\":\"Second app (no app_id)\",\"password\":\"$P$BN9nF9/UmHa1gS.xIb2V5VCz7oGB3d.\",\"created\":1795754369,\"last_used\":1795754435,\"last_ip\":\"127.0.0.1\"},\"2\":{\"uuid\":\"0f3e7a52-9f51-4b0e-a3f7-6c1f4c9d2b11\",\"app_id\":\"\",\"name\":\"Shop sync – \\\"Ünïcode\\\" app\",\"password\":\"$generic$b7Q0pMOn1tz1n4iSa3yZ3WuFhf1Lw0cCqD1Cq7dOQ2A\",\"created\":1795754400,\"last_used\":null,\"last_ip\":null}}"},
    {"user_roles option", "a:3:{s:13:\"administrator\";a:2:{s:4:\"name\";s:13:\"Administrator\";s:12:\"capabilities\";a:4:{s:13:\"switch_themes\";b:1;s:14:\"manage_options\";b:1;s:4:\"read\";b:1;s:8:\"level_10\";b:1;}}s:12:\"shop_manager\";a:2:{s:4:\"name\";s:12:\"Shop manager\";s:12:\"capabilities\";a:6:{s:4:\"read\";b:1;s:10:\"edit_posts\";b:1;s:18:\"manage_woocommerce\";b:1;s:24:\"view_woocommerce_reports\";b:1;s:13:\"edit_products\";b:1;s:16:\"edit_shop_orders\";b:1;}}s:10:\"subscriber\";a:2:{s:4:\"name\";s:10:\"Subscriber\";s:12:\"capabilities\";a:2:{s:4:\"read\";b:1;s:7:\"level_0\";b:1;}}}", 527, "{\"administrator\":{\"name\":\"Administrator\",\"capabilities\":{\"switch_themes\":true,\"manage_options\":true,\"read\":true,\"level_10\":true}},\"shop_manager\":{\"name\":\"Shop manager\",\"capabilities\":{\"read\":true,\"edit_posts\":true,\"manage_woocommerce\":true,\"view_woocommerce_reports\":true,\"edit_products\":true,\"edit_shop_orders\":true}},\"subscriber\":{\"name\":\"Subscriber\",\"capabilities\":{\"read\":true,\"level_0\":true}}}"},
    {"product attributes", "a:2:{s:7:\"pa_size\";a:6:{s:4:\"name\";s:7:\"pa_size\";s:5:\"value\";s:0:\"\";s:8:\"position\";i:0;s:10:\"is_visible\";i:1;s:12:\"is_variation\";i:1;s:11:\"is_taxonomy\";i:1;}s:8:\"material\";a:6:{s:4:\"name\";s:8:\"Material\";s:5:\"value\";s:27:\"Cotton | Wool; 50% \"merino\"\";s:8:\"position\";i:1;s:10:\"is_visible\";i:1;s:12:\"is_variation\";i:0;s:11:\"is_taxonomy\";i:0;}}", 340, "{\"pa_size\":{\"name\":\"pa_size\",\"value\":\"\",\"position\":0,\"is_visible\":1,\"is_variation\":1,\"is_taxonomy\":1},\"material\":{\"name\":\"Material\",\"value\":\"Cotton | Wool; 50% \\\"merino\\\"\",\"position\":1,\"is_visible\":1,\"is_variation\":0,\"is_taxonomy\":0}}"},
    {"line tax data", "a:2:{s:5:\"total\";a:2:{i:1;s:4:\"1.65\";i:3;s:0:\"\";}s:8:\"subtotal\";a:2:{i:1;s:4:\"1.65\";i:3;s:0:\"\";}}", 97, "{\"total\":{\"1\":\"1.65\",\"3\":\"\"},\"subtotal\":{\"1\":\"1.65\",\"3\":\"\"}}"},
};

/* d: values, compared as doubles (jansson prints reals with 17 digits, PHP with the shortest) */
struct float_row {
    const char *in;
    double want;
};

static const struct float_row float_rows[] = {
    {"d:0.1;", 0.1},
    {"d:1;", 1.0},
    {"d:-0;", -0.0},
    {"d:1.0E+25;", 1e25},
    {"d:1.0E-5;", 1e-5},
    {"d:0.30000000000000004;", 0.30000000000000004},
    {"d:5.0E-324;", 5e-324},
    {"d:1.7976931348623157E+308;", DBL_MAX},
    {"d:-2.5E-7;", -2.5e-7},
    {"d:1234.5;", 1234.5},
    {"d:1e5;", 1e5},
    {"d:1.50;", 1.5},
    {"d:0.000123;", 0.000123},
    {"d:123456789012345678901234567890;", 123456789012345678901234567890.0},
    {"d:1e-400;", 0.0},
    {"d:2.5e+0000000000000000000000000000000000000000000000000000001;", 25.0},
};

/* input that must be refused, with the reason we expect */
struct bad_row {
    const char *name;
    const char *in;
    size_t len; /* 0: strlen(in) */
    const char *err;
};

static const struct bad_row bad_rows[] = {
    {"empty", "", 0, "empty input"},
    {"truncated null", "N", 0, "truncated input"},
    {"truncated int", "i:5", 0, "truncated input"},
    {"truncated string", "s:5:\"ab", 0, "string length exceeds input"},
    {"truncated array", "a:1:{i:0;", 0, "array count exceeds input"},
    {"truncated nested array", "a:1:{i:0;a:1:{i:0;N;", 0, "truncated input"},
    {"string length too long", "s:5:\"abc\";", 0, "string length exceeds input"},
    {"string length too short", "s:2:\"abc\";", 0, "string length does not match its bytes"},
    {"string length off by one", "s:28:\"Shop sync – \"Ünïcode\" app\";", 0, "string length does not match its bytes"},
    {"missing ; after int", "i:5}", 0, "malformed number"},
    {"missing ; after string", "s:1:\"a\"}", 0, "malformed string"},
    {"missing ; after null", "N:", 0, "malformed null"},
    {"missing }", "a:1:{i:0;N;N;", 0, "array has more elements than its count"},
    {"missing } at end", "a:1:{i:0;i:12345;", 0, "truncated input"},
    {"count larger than elements", "a:2:{i:0;N;}xxxxxx", 0, "array has fewer elements than its count"},
    {"count smaller than elements", "a:1:{i:0;N;i:1;N;}", 0, "array has more elements than its count"},
    {"count exceeds input", "a:1000000:{i:0;N;}", 0, "array count exceeds input"},
    {"count overflows", "a:99999999999999999999:{}", 0, "number out of range"},
    {"trailing bytes", "N;N;", 0, "trailing bytes after the value"},
    {"trailing newline", "b:1;\n", 0, "trailing bytes after the value"},
    {"trailing NUL", "i:1;\0", 5, "trailing bytes after the value"},
    {"leading space", " N;", 0, "unknown type"},
    {"huge string length", "s:18446744073709551615:\"a\";", 0, "string length exceeds input"},
    {"string length overflows", "s:99999999999999999999:\"a\";", 0, "number out of range"},
    {"negative string length", "s:-1:\"a\";", 0, "expected a number"},
    {"leading + on int", "i:+5;", 0, "number with a '+' sign"},
    {"leading + on length", "s:+1:\"a\";", 0, "number with a '+' sign"},
    {"leading + on float", "d:+1.5;", 0, "number with a '+' sign"},
    {"leading zero on int", "i:007;", 0, "number with a leading zero"},
    {"leading zero on length", "s:01:\"a\";", 0, "number with a leading zero"},
    {"negative zero int", "i:-0;", 0, "integer -0"},
    {"int overflow", "i:9223372036854775808;", 0, "number out of range"},
    {"int underflow", "i:-9223372036854775809;", 0, "number out of range"},
    {"empty int", "i:;", 0, "expected a number"},
    {"bool 2", "b:2;", 0, "malformed boolean"},
    {"float INF", "d:INF;", 0, "non-finite float (INF, NAN) has no JSON form"},
    {"float -INF", "d:-INF;", 0, "non-finite float (INF, NAN) has no JSON form"},
    {"float NAN", "d:NAN;", 0, "non-finite float (INF, NAN) has no JSON form"},
    {"float overflowing to INF", "d:1e999;", 0, "non-finite float (INF, NAN) has no JSON form"},
    {"float without integer digits", "d:.5;", 0, "malformed float"},
    {"float without fraction digits", "d:1.;", 0, "malformed float"},
    {"float without exponent digits", "d:1e;", 0, "malformed float"},
    {"float two points", "d:1.2.3;", 0, "malformed float"},
    {"float text too long", "d:1.00000000000000000000000000000000000000000000000000000000000000000;", 0,
     "float text too long"},
    {"object", "O:8:\"stdClass\":1:{s:1:\"a\";i:1;}", 0, "objects (O:, C:) are not supported"},
    {"custom object", "C:11:\"ArrayObject\":21:{x:i:0;a:0:{};m:a:0:{}}", 0, "objects (O:, C:) are not supported"},
    {"nested object", "a:1:{i:0;O:8:\"stdClass\":0:{}}", 0, "objects (O:, C:) are not supported"},
    {"reference r:", "a:2:{i:0;a:0:{}i:1;r:2;}", 0, "references (r:, R:) are not supported"},
    {"reference R:", "a:2:{i:0;i:1;i:1;R:2;}", 0, "references (r:, R:) are not supported"},
    {"enum", "E:7:\"Foo:Bar\";", 0, "enums (E:) are not supported"},
    {"escaped string", "S:1:\"\\61\";", 0, "escaped strings (S:) are not supported"},
    {"unknown type", "x:1;", 0, "unknown type"},
    {"lowercase n", "n;", 0, "unknown type"},
    {"null key", "a:1:{N;i:1;}", 0, "array key must be i: or s:"},
    {"float key", "a:1:{d:1;i:1;}", 0, "array key must be i: or s:"},
    {"array key", "a:1:{a:0:{}i:1;}", 0, "array key must be i: or s:"},
    {"invalid UTF-8 string", "s:1:\"\xff\";", 0, "string is not valid UTF-8"},
    {"overlong UTF-8", "s:2:\"\xc0\xaf\";", 0, "string is not valid UTF-8"},
    {"UTF-8 surrogate", "s:3:\"\xed\xa0\x80\";", 0, "string is not valid UTF-8"},
    {"Latin-1 string", "s:5:\"caf\xe9!\";", 0, "string is not valid UTF-8"},
    {"invalid UTF-8 key", "a:1:{s:1:\"\xfe\";N;}", 0, "array key is not valid UTF-8"},
    {"NUL in key", "a:1:{s:3:\"a\0b\";N;}", 18, "array key contains a NUL byte"},
};

/* real WordPress values: php_serialize(php_unserialize(x)) must give x back byte for byte */
static const char *const roundtrip_rows[] = {
    "a:2:{i:0;a:7:{s:4:\"uuid\";s:36:\"b54e4dd6-c175-42dd-ae2b-c19de9c033c4\";s:6:\"app_id\";s:36:\"c0ffee00-1234-4abc-8def-0123456789ab\";s:4:\"name\";s:10:\"Vector CLI\";s:8:\"password\";s:34:\"$P$B4end6zNxD67WS658eokKvggoFz2Gq/\";s:7:\"created\";i:1795754369;s:9:\"last_used\";N;s:7:\"last_ip\";N;}i:1;a:7:{s:4:\"uuid\";s:36:\"a1c73bc8-26c4-469e-9028-48ad8bb3856e\";s:6:\"app_id\";s:0:\"\";s:4:\"name\";s:22:\"Second app (no app_id)\";s:8:\"password\";s:34:\"$P$BN9nF9/UmHa1gS.xIb2V5VCz7oGB3d.\";s:7:\"created\";i:1795754369;s:9:\"last_used\";N;s:7:\"last_ip\";N;}}",
    "a:2:{i:1;a:7:{s:4:\"uuid\";s:36:\"a1c73bc8-26c4-469e-9028-48ad8bb3856e\";s:6:\"app_id\";s:0:\"\";s:4:\"name\";s:22:\"Second app (no app_id)\";s:8:\"password\";s:34:\"$P$BN9nF9/UmHa1gS.xIb2V5VCz7oGB3d.\";s:7:\"created\";i:1795754369;s:9:\"last_used\";i:1795754435;s:7:\"last_ip\";s:9:\"127.0.0.1\";}i:2;a:7:{s:4:\"uuid\";s:36:\"0f3e7a52-9f51-4b0e-a3f7-6c1f4c9d2b11\";s:6:\"app_id\";s:0:\"\";s:4:\"name\";s:29:\"Shop sync – \"Ünïcode\" app\";s:8:\"password\";s:52:\"$generic$b7Q0pMOn1tz1n4iSa3yZ3WuFhf1Lw0cCqD1Cq7dOQ2A\";s:7:\"created\";i:1795754400;s:9:\"last_used\";N;s:7:\"last_ip\";N;}}",
    "a:3:{s:13:\"administrator\";a:2:{s:4:\"name\";s:13:\"Administrator\";s:12:\"capabilities\";a:4:{s:13:\"switch_themes\";b:1;s:14:\"manage_options\";b:1;s:4:\"read\";b:1;s:8:\"level_10\";b:1;}}s:12:\"shop_manager\";a:2:{s:4:\"name\";s:12:\"Shop manager\";s:12:\"capabilities\";a:6:{s:4:\"read\";b:1;s:10:\"edit_posts\";b:1;s:18:\"manage_woocommerce\";b:1;s:24:\"view_woocommerce_reports\";b:1;s:13:\"edit_products\";b:1;s:16:\"edit_shop_orders\";b:1;}}s:10:\"subscriber\";a:2:{s:4:\"name\";s:10:\"Subscriber\";s:12:\"capabilities\";a:2:{s:4:\"read\";b:1;s:7:\"level_0\";b:1;}}}",
    "a:2:{s:7:\"pa_size\";a:6:{s:4:\"name\";s:7:\"pa_size\";s:5:\"value\";s:0:\"\";s:8:\"position\";i:0;s:10:\"is_visible\";i:1;s:12:\"is_variation\";i:1;s:11:\"is_taxonomy\";i:1;}s:8:\"material\";a:6:{s:4:\"name\";s:8:\"Material\";s:5:\"value\";s:27:\"Cotton | Wool; 50% \"merino\"\";s:8:\"position\";i:1;s:10:\"is_visible\";i:1;s:12:\"is_variation\";i:0;s:11:\"is_taxonomy\";i:0;}}",
    "a:2:{s:5:\"total\";a:2:{i:1;s:4:\"1.65\";i:3;s:0:\"\";}s:8:\"subtotal\";a:2:{i:1;s:4:\"1.65\";i:3;s:0:\"\";}}",
    "a:5:{s:12:\"rate_percent\";d:19;s:8:\"compound\";b:0;s:8:\"shipping\";s:3:\"yes\";s:5:\"label\";s:5:\"MwSt.\";s:7:\"amounts\";a:9:{i:0;d:0.1;i:1;d:0.2;i:2;d:0.30000000000000004;i:3;d:1.0E+25;i:4;d:-0;i:5;d:1.0E-5;i:6;d:5.0E-324;i:7;d:1.7976931348623157E+308;i:8;d:1234.5;}}",
};

/* JSON text → PHP's serialize(json_decode(text, true)) */
struct ser_row {
    const char *json;
    const char *want;
    size_t want_len;
};

static const struct ser_row ser_rows[] = {
    {"null", "N;", 2},
    {"true", "b:1;", 4},
    {"false", "b:0;", 4},
    {"0", "i:0;", 4},
    {"-7", "i:-7;", 5},
    {"9223372036854775807", "i:9223372036854775807;", 22},
    {"\"\"", "s:0:\"\";", 7},
    {"\"a\\u0000b\"", "s:3:\"a\000b\";", 10},
    {"\"Shop sync – \\\"Ünïcode\\\" app\"", "s:29:\"Shop sync – \"Ünïcode\" app\";", 37},
    {"[]", "a:0:{}", 6},
    {"{}", "a:0:{}", 6},
    {"[1,[2,[3]]]", "a:2:{i:0;i:1;i:1;a:2:{i:0;i:2;i:1;a:1:{i:0;i:3;}}}", 50},
    {"{\"a\":1,\"5\":true,\"-3\":null,\"012\":\"x\",\"1.0\":2.5,\"-0\":0,\"\":[],\"9223372036854775808\":{}}", "a:8:{s:1:\"a\";i:1;i:5;b:1;i:-3;N;s:3:\"012\";s:1:\"x\";s:3:\"1.0\";d:2.5;s:2:\"-0\";i:0;s:0:\"\";a:0:{}s:19:\"9223372036854775808\";a:0:{}}", 126},
    {"{\"1\":\"a\",\"2\":\"b\"}", "a:2:{i:1;s:1:\"a\";i:2;s:1:\"b\";}", 30},
    {"{\"0\":\"a\",\"1\":\"b\"}", "a:2:{i:0;s:1:\"a\";i:1;s:1:\"b\";}", 30},
    {"[0.1,1.0,1e25,-0.0,100.0,1e-5,0.0001,0.30000000000000004,5e-324,1.7976931348623157e308,1e15,1e16,1e17,123456789.125,-2.5e-7]", "a:15:{i:0;d:0.1;i:1;d:1;i:2;d:1.0E+25;i:3;d:-0;i:4;d:100;i:5;d:1.0E-5;i:6;d:0.0001;i:7;d:0.30000000000000004;i:8;d:5.0E-324;i:9;d:1.7976931348623157E+308;i:10;d:1000000000000000;i:11;d:10000000000000000;i:12;d:1.0E+17;i:13;d:123456789.125;i:14;d:-2.5E-7;}", 255},
};

static char *dump(const json_t *v)
{
    return json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
}

static void test_unserialize(void)
{
    for (size_t i = 0; i < sizeof unser_rows / sizeof unser_rows[0]; i++) {
        const struct unser_row *r = &unser_rows[i];
        const char *err = NULL;
        json_t *v = php_unserialize(r->in, r->len, &err);
        char *got = v ? dump(v) : NULL;
        if (v == NULL)
            tap_diag("  error: %s", err);
        TAP_EQ_STR(got, r->json, r->name);
        free(got);
        json_decref(v);
    }
}

static void test_floats(void)
{
    for (size_t i = 0; i < sizeof float_rows / sizeof float_rows[0]; i++) {
        const struct float_row *r = &float_rows[i];
        const char *err = NULL;
        json_t *v = php_unserialize(r->in, strlen(r->in), &err);
        double got = json_is_real(v) ? json_real_value(v) : NAN;
        if (!tap_ok(json_is_real(v) && got == r->want && signbit(got) == signbit(r->want), "float %s", r->in))
            tap_diag("  got %.17g (%s), want %.17g", got, v ? "real" : err, r->want);
        json_decref(v);
    }
}

static void test_rejects(void)
{
    for (size_t i = 0; i < sizeof bad_rows / sizeof bad_rows[0]; i++) {
        const struct bad_row *r = &bad_rows[i];
        const char *err = NULL;
        json_t *v = php_unserialize(r->in, r->len ? r->len : strlen(r->in), &err);
        tap_ok(v == NULL, "rejects %s", r->name);
        TAP_EQ_STR(err, r->err, r->name);
        json_decref(v);
    }
}

/* a:1:{i:0;a:1:{i:0;...N;...}} with `levels` arrays */
static char *nest(unsigned levels, size_t *len)
{
    size_t n = levels * 10 + 2;
    char *s = malloc(n + 1), *p = s;
    if (s == NULL)
        abort();
    for (unsigned i = 0; i < levels; i++) {
        memcpy(p, "a:1:{i:0;", 9);
        p += 9;
    }
    memcpy(p, "N;", 2);
    p += 2;
    memset(p, '}', levels);
    p += levels;
    *len = (size_t)(p - s);
    return s;
}

static void test_limits(void)
{
    const char *err = NULL;
    size_t len, outlen;
    char *s = nest(LIMIT_PHP_SERIALIZED_DEPTH, &len), *out;
    json_t *v = php_unserialize(s, len, &err);
    tap_ok(v != NULL, "accepts arrays nested LIMIT_PHP_SERIALIZED_DEPTH deep");
    out = php_serialize(v, &outlen);
    tap_eq_mem(out, out ? outlen : 0, s, len, "writes arrays nested LIMIT_PHP_SERIALIZED_DEPTH deep");
    free(out);
    free(s);

    /* one level more: refused on both sides */
    json_t *deeper = json_array();
    json_array_append_new(deeper, v);
    tap_ok(php_serialize(deeper, NULL) == NULL, "does not write arrays nested deeper than the limit");
    json_decref(deeper);
    s = nest(LIMIT_PHP_SERIALIZED_DEPTH + 1, &len);
    v = php_unserialize(s, len, &err);
    tap_ok(v == NULL, "rejects a depth bomb");
    TAP_EQ_STR(err, "arrays nested deeper than LIMIT_PHP_SERIALIZED_DEPTH", "depth bomb error");
    free(s);

    /* 100000 levels: must fail fast without deep recursion */
    s = nest(100000, &len);
    v = php_unserialize(s, len, &err);
    tap_ok(v == NULL, "rejects 100000 nested arrays");
    free(s);

    /* input over the byte limit */
    len = (size_t)LIMIT_PHP_SERIALIZED_BYTES + 1;
    s = malloc(len);
    if (s == NULL)
        abort();
    memset(s, 'x', len);
    memcpy(s, "s:4194296:\"", 11);
    v = php_unserialize(s, len, &err);
    tap_ok(v == NULL, "rejects input over LIMIT_PHP_SERIALIZED_BYTES");
    TAP_EQ_STR(err, "input larger than LIMIT_PHP_SERIALIZED_BYTES", "size limit error");
    free(s);

    tap_ok(php_serialize(NULL, NULL) == NULL, "serialize(NULL) is NULL");
    v = json_object();
    json_object_setn_new(v, "a\0b", 3, json_null());
    tap_ok(php_serialize(v, NULL) == NULL, "does not write an object key with a NUL byte");
    json_decref(v);
}

static void test_roundtrip(void)
{
    for (size_t i = 0; i < sizeof roundtrip_rows / sizeof roundtrip_rows[0]; i++) {
        const char *in = roundtrip_rows[i], *err = NULL;
        size_t outlen = 0;
        json_t *v = php_unserialize(in, strlen(in), &err);
        char *out = v ? php_serialize(v, &outlen) : NULL, name[64];
        if (v == NULL)
            tap_diag("  error: %s", err);
        snprintf(name, sizeof name, "round trip %zu is byte-exact", i);
        tap_eq_mem(out, outlen, in, strlen(in), name);
        free(out);
        json_decref(v);
    }
}

static void test_serialize(void)
{
    for (size_t i = 0; i < sizeof ser_rows / sizeof ser_rows[0]; i++) {
        const struct ser_row *r = &ser_rows[i];
        json_error_t jerr;
        json_t *v = json_loads(r->json, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
        size_t outlen = 0;
        char *out = v ? php_serialize(v, &outlen) : NULL;
        tap_eq_mem(out, outlen, r->want, r->want_len, r->json);
        free(out);
        json_decref(v);
    }
}

int main(void)
{
    test_unserialize();
    test_floats();
    test_rejects();
    test_limits();
    test_roundtrip();
    test_serialize();
    return tap_done();
}
