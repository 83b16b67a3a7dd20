/* Readings of the wall and monotonic clocks (see util_clock.h). */
#include "util/util_clock.h"

#include <time.h>

static int64_t read_ms(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

rt_wall_t rt_wall_now(void) { return (rt_wall_t){read_ms(CLOCK_REALTIME)}; }

rt_wall_t rt_wall_now_coarse(void) { return (rt_wall_t){read_ms(CLOCK_REALTIME_COARSE)}; }

rt_mono_t rt_mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (rt_mono_t){(int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000};
}

/* n decimal digits at s, or -1. */
static int clock_digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* Days from 1970-01-01 to a proleptic Gregorian date. */
static int64_t clock_days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int rt_rfc3339_ms(const char *s, size_t len, int64_t *ms)
{
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (len < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':')
        return 0;
    int y = clock_digits(s, 4), mo = clock_digits(s + 5, 2), d = clock_digits(s + 8, 2);
    int h = clock_digits(s + 11, 2), mi = clock_digits(s + 14, 2), se = clock_digits(s + 17, 2);
    if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 ||
        se > 60)
        return 0;
    size_t i = 19;
    int frac = 0;
    if (s[i] == '.') {
        int nd = 0;
        for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++, nd++)
            if (nd < 3)
                frac = frac * 10 + (s[i] - '0');
        if (nd == 0)
            return 0;
        for (; nd < 3; nd++)
            frac *= 10;
    }
    int sign = 0, oh = 0, om = 0;
    if (i + 1 == len && (s[i] == 'Z' || s[i] == 'z')) {
        /* UTC */
    } else if (i + 6 == len && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':') {
        oh = clock_digits(s + i + 1, 2);
        om = clock_digits(s + i + 4, 2);
        if (oh < 0 || oh > 23 || om < 0 || om > 59)
            return 0;
        sign = s[i] == '+' ? 1 : -1;
    } else {
        return 0;
    }
    int64_t secs = clock_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - sign * (oh * 3600 + om * 60);
    *ms = secs * 1000 + frac;
    return 1;
}
