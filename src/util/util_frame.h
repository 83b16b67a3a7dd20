/* A refcounted, immutable byte string shared by many outgoing queues: the feed renders a
 * change once and every subscriber's queue holds a reference, never a copy. */
#ifndef RT_UTIL_FRAME_H
#define RT_UTIL_FRAME_H

#include <stdatomic.h>
#include <stddef.h>

typedef struct rt_frame {
    atomic_int refs;
    size_t len;
    char data[]; /* NUL-terminated, NUL not counted in len */
} rt_frame_t;

/* New frame with one reference owned by the caller; NULL when memory runs out. */
rt_frame_t *rt_frame_new(const void *data, size_t len);
rt_frame_t *rt_frame_ref(rt_frame_t *f);
void rt_frame_unref(rt_frame_t *f);

#endif
