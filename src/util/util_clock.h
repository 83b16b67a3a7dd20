/* The two clocks of the server as two types, so a reading of one can never be passed where the
 * other is meant: wall-clock time (Unix epoch; what credential expiry, commit times and log
 * retention are written in) and monotonic time (intervals, timeouts, latency). */
#ifndef RT_UTIL_CLOCK_H
#define RT_UTIL_CLOCK_H

#include <stddef.h>
#include <stdint.h>

/* Wall-clock time: milliseconds since the Unix epoch (CLOCK_REALTIME). It can jump. */
typedef struct rt_wall {
    int64_t ms;
} rt_wall_t;

/* Monotonic time: microseconds since an arbitrary point (CLOCK_MONOTONIC). Never jumps;
 * meaningless across processes. */
typedef struct rt_mono {
    int64_t us;
} rt_mono_t;

rt_wall_t rt_wall_now(void);
/* The wall clock as the kernel last ticked it (CLOCK_REALTIME_COARSE, a few ms behind): for
 * checks on hot paths that compare with instants given in seconds. */
rt_wall_t rt_wall_now_coarse(void);
rt_mono_t rt_mono_now(void);

static inline rt_wall_t rt_wall_from_ms(int64_t ms) { return (rt_wall_t){ms}; }

static inline rt_mono_t rt_mono_add_ms(rt_mono_t t, int64_t ms) { return (rt_mono_t){t.us + ms * 1000}; }
/* later - earlier, in milliseconds (rounded down) or microseconds. */
static inline int64_t rt_mono_ms_between(rt_mono_t earlier, rt_mono_t later) { return (later.us - earlier.us) / 1000; }
static inline int64_t rt_mono_us_between(rt_mono_t earlier, rt_mono_t later) { return later.us - earlier.us; }
static inline int rt_mono_before(rt_mono_t a, rt_mono_t b) { return a.us < b.us; }

/* An RFC 3339 date-time, YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM) (what the schema's DateTime
 * is), as Unix milliseconds (fractions past milliseconds truncated). s need not be
 * NUL-terminated. Returns 1 and sets *ms, or 0 when s is not one. */
int rt_rfc3339_ms(const char *s, size_t len, int64_t *ms);

#endif
