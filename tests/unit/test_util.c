/* Unit tests for src/util: buffer growth and JSON string escaping. */
#include "rt_test.h"
#include "util/util_buf.h"
#include "util/util_log.h"

#include <stdlib.h>

int main(void)
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

    rt_log_level_t lvl;
    CHECK(rt_log_parse_level("debug", &lvl) == 0 && lvl == RT_LOG_DEBUG);
    CHECK(rt_log_parse_level("verbose", &lvl) == -1);
    RT_TEST_MAIN_END();
}
