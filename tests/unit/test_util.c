/* Unit tests for src/util: buffers, logging levels, strict JSON, UTF-8 and the hash map. */
#include "rt_test.h"
#include "util/util_buf.h"
#include "util/util_clock.h"
#include "util/util_json.h"
#include "util/util_log.h"
#include "util/util_map.h"
#include "util/util_utf8.h"

#include <stdlib.h>
#include <string.h>

RT_TEST(buf_growth_and_json_escaping)
{
    rt_buf_t b = RT_BUF_INIT;
    for (int i = 0; i < 1000; i++)
        CHECK(rt_buf_printf(&b, "%d,", i) == 0);
    CHECK(b.len > 3000);
    CHECK(strncmp(b.data, "0,1,2,", 6) == 0);
    rt_buf_reset(&b);
    const char raw[] = "a\"b\\c\n\x01\xc3\xa9";
    CHECK(rt_buf_json_str(&b, raw, sizeof raw - 1) == 0);
    CHECK_STR(rt_buf_cstr(&b), "\"a\\\"b\\\\c\\n\\u0001\xc3\xa9\"");
    size_t len;
    char *s = rt_buf_steal(&b, &len);
    CHECK(len == strlen(s));
    free(s);
    CHECK(b.data == NULL);
    rt_buf_free(&b);
}

RT_TEST(log_level_names)
{
    rt_log_level_t lvl;
    CHECK(rt_log_parse_level("debug", &lvl) == 0 && lvl == RT_LOG_DEBUG);
    CHECK(rt_log_parse_level("verbose", &lvl) == -1);
}

/* strict JSON: what JSON.parse accepts, nothing more */
RT_TEST(json_strict_grammar)
{
    static const char *good[] = {"{}", "[]", "0", "-0.5e+3", "\"a\\u00e9\\n\"", " {\"a\":[1,true,null]} ", "null"};
    static const char *bad[] = {
        "",    "{",     "[1,]",  "{\"a\":1,}", "Infinity",    "NaN", "-", "01", "1.", ".5", "1e", "\"tab\there\"",
        "'a'", "{a:1}", "[1] x", "\"\\x\"",    "\"\\u12g4\"", "tru", "+1"};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        CHECK(rt_json_validate(good[i], strlen(good[i]), 8) == 0);
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        json_object *o = NULL;
        CHECK(rt_json_parse(bad[i], strlen(bad[i]), 8, &o) == -1);
    }
    CHECK(rt_json_validate("[[[[]]]]", 8, 3) == -1);
    CHECK(rt_json_validate("[[[]]]", 6, 3) == 0);
    json_object *o = NULL;
    CHECK(rt_json_parse("null", 4, 8, &o) == 0 && o == NULL);
    CHECK(rt_json_parse("{\"k\":[1,2]}", 11, 8, &o) == 0 && o && json_object_is_type(o, json_type_object));
    json_object_put(o);
}

/* integers past 64 bits become doubles (as JSON.parse reads them), not clamped values */
RT_TEST(json_big_integers)
{
    json_object *o = NULL;
    const char *big = "[123456789012345678901234567890,-99999999999999999999,18446744073709551615,1]";
    CHECK(rt_json_parse(big, strlen(big), 8, &o) == 0 && o);
    CHECK(json_object_get_type(json_object_array_get_idx(o, 0)) == json_type_double);
    CHECK(json_object_get_double(json_object_array_get_idx(o, 0)) > 1.2e29);
    CHECK(json_object_get_double(json_object_array_get_idx(o, 1)) < -9.9e19);
    CHECK(json_object_get_type(json_object_array_get_idx(o, 3)) == json_type_int);
    json_object_put(o);
}

/* UTF-8 as WHATWG's fatal decoder judges it */
RT_TEST(utf8_validation)
{
    CHECK(rt_utf8_valid("a\xc3\xa9\xe2\x82\xac\xf0\x9d\x84\x9e", 10));
    CHECK(!rt_utf8_valid("\xc0\xaf", 2));         /* overlong */
    CHECK(!rt_utf8_valid("\xed\xa0\x80", 3));     /* surrogate */
    CHECK(!rt_utf8_valid("\xf4\x90\x80\x80", 4)); /* past U+10FFFF */
    CHECK(!rt_utf8_valid("\xe2\x82", 2));         /* truncated */
    CHECK(!rt_utf8_valid("\xff", 1));
}

/* map: byte-string keys, insert, replace (old value handed back), delete, growth */
RT_TEST(map_operations)
{
    rt_map_t *m = rt_map_new();
    char key[32];
    for (long i = 0; i < 5000; i++) {
        int n = snprintf(key, sizeof key, "k%ld", i);
        CHECK(rt_map_put(m, key, (size_t)n, (void *)(i + 1), NULL) == 0);
    }
    CHECK(rt_map_count(m) == 5000);
    for (long i = 0; i < 5000; i += 2) {
        int n = snprintf(key, sizeof key, "k%ld", i);
        CHECK(rt_map_remove(m, key, (size_t)n) == (void *)(i + 1));
    }
    CHECK(rt_map_count(m) == 2500);
    CHECK(rt_map_get(m, "k1", 2) == (void *)2);
    CHECK(rt_map_get(m, "k0", 2) == NULL);
    CHECK(rt_map_get(m, "k1\0x", 4) == NULL); /* keys are byte strings: NUL is part of them */
    void *old = NULL;
    CHECK(rt_map_put(m, "k1", 2, (void *)7, &old) == 0 && old == (void *)2 && rt_map_get(m, "k1", 2) == (void *)7);
    rt_map_free(m, NULL);
}

static int64_t t3339(const char *s)
{
    int64_t ms = -1;
    return rt_rfc3339_ms(s, strlen(s), &ms) ? ms : -1;
}

/* One reading of the schema's DateTime for ingestion (validation) and node filters (ordering). */
RT_TEST(rfc3339)
{
    CHECK(t3339("1970-01-01T00:00:00Z") == 0);
    CHECK(t3339("2024-05-01T12:00:00.123456Z") == 1714564800123);
    CHECK(t3339("2024-05-01T14:00:00+02:00") == 1714564800000);
    CHECK(t3339("2024-05-01t12:00:00.5z") == 1714564800500);
    CHECK(t3339("2024-02-29T00:00:00-00:30") == 1709166600000);
    const char *bad[] = {"2024-02-30T00:00:00Z",
                         "2024-05-01 12:00:00Z",
                         "2024-05-01T12:00:00",
                         "2024-05-01T12:00:00.Z",
                         "2024-13-01T00:00:00Z",
                         "2024-05-01T24:00:00Z",
                         "2024-05-01T12:00:00+24:00",
                         "2024-05-01T12:00:00+02:00x",
                         "2024-05-01",
                         "",
                         "20x4-05-01T12:00:00Z"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        CHECK(t3339(bad[i]) == -1);
    int64_t ms;
    CHECK(rt_rfc3339_ms("2024-05-01T12:00:00Zjunk", 20, &ms) && ms == 1714564800000);
}

RT_TEST_MAIN()
