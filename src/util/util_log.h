/* Leveled, line-oriented logging to stderr: one line per event of note.
 * Format: <RFC3339 UTC time> <LEVEL> <module>: <message>. Never pass secrets here. */
#ifndef RT_UTIL_LOG_H
#define RT_UTIL_LOG_H

typedef enum { RT_LOG_ERROR = 0, RT_LOG_WARN = 1, RT_LOG_INFO = 2, RT_LOG_DEBUG = 3 } rt_log_level_t;

/* Process-wide threshold; set once at start-up before threads exist. */
void rt_log_set_level(rt_log_level_t level);
rt_log_level_t rt_log_get_level(void);
/* Parses "error"/"warn"/"info"/"debug"; returns 0 or -1 for an unknown name. */
int rt_log_parse_level(const char *name, rt_log_level_t *out);

void rt_log(rt_log_level_t level, const char *module, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#define rt_log_error(mod, ...) rt_log(RT_LOG_ERROR, mod, __VA_ARGS__)
#define rt_log_warn(mod, ...) rt_log(RT_LOG_WARN, mod, __VA_ARGS__)
#define rt_log_info(mod, ...) rt_log(RT_LOG_INFO, mod, __VA_ARGS__)
#define rt_log_debug(mod, ...)                                                                                         \
    do {                                                                                                               \
        if (rt_log_get_level() >= RT_LOG_DEBUG)                                                                        \
            rt_log(RT_LOG_DEBUG, mod, __VA_ARGS__);                                                                    \
    } while (0)

#endif
