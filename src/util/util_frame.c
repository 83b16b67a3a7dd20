/* Refcounted immutable byte strings; atomic counts because frames cross network threads. */
#include "util/util_frame.h"

#include <stdlib.h>
#include <string.h>

rt_frame_t *rt_frame_new(const void *data, size_t len)
{
    rt_frame_t *f = malloc(sizeof *f + len + 1);
    if (!f)
        return NULL;
    atomic_init(&f->refs, 1);
    f->len = len;
    if (len)
        memcpy(f->data, data, len);
    f->data[len] = '\0';
    return f;
}

rt_frame_t *rt_frame_ref(rt_frame_t *f)
{
    atomic_fetch_add_explicit(&f->refs, 1, memory_order_relaxed);
    return f;
}

void rt_frame_unref(rt_frame_t *f)
{
    if (f && atomic_fetch_sub_explicit(&f->refs, 1, memory_order_acq_rel) == 1)
        free(f);
}
