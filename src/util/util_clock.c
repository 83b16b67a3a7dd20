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
