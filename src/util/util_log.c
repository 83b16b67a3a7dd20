/* Leveled logging. The level is the one piece of process-wide state outside the server
 * context: it is written once before any thread starts and only read afterwards. */
#include "util/util_log.h"

#include "util/util_clock.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static rt_log_level_t log_level = RT_LOG_INFO;

void rt_log_set_level(rt_log_level_t level) { log_level = level; }
rt_log_level_t rt_log_get_level(void) { return log_level; }

int rt_log_parse_level(const char *name, rt_log_level_t *out)
{
    static const char *names[] = {"error", "warn", "info", "debug"};
    for (int i = 0; i < 4; i++) {
        if (strcmp(name, names[i]) == 0) {
            *out = (rt_log_level_t)i;
            return 0;
        }
    }
    return -1;
}

void rt_log(rt_log_level_t level, const char *module, const char *fmt, ...)
{
    static const char *tags[] = {"ERROR", "WARN ", "INFO ", "DEBUG"};
    if (level > log_level)
        return;
    char line[1024];
    rt_wall_t now = rt_wall_now();
    time_t secs = (time_t)(now.ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    int n =
        snprintf(line, sizeof line, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s %s: ", tm.tm_year + 1900, tm.tm_mon + 1,
                 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (long)(now.ms % 1000), tags[level], module);
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
    va_end(ap);
    size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
    if (len > sizeof line - 2)
        len = sizeof line - 2;
    line[len++] = '\n';
    /* One write per line keeps lines whole when several threads log. */
    fwrite(line, 1, len, stderr);
}
