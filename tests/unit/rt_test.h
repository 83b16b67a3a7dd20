/* Minimal unit-test harness: CHECK records a failure and goes on; the program ends with
 * the plain "N passed, N failed" line and exits non-zero when anything failed. */
#ifndef RT_TEST_H
#define RT_TEST_H

#include <stdio.h>
#include <string.h>

static int rt_test_passed, rt_test_failed;

#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (cond) {                                                                   \
            rt_test_passed++;                                                         \
        } else {                                                                      \
            rt_test_failed++;                                                         \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                             \
    } while (0)

#define CHECK_STR(a, b)                                                                          \
    do {                                                                                         \
        const char *ca_ = (a), *cb_ = (b);                                                       \
        if (ca_ && cb_ && strcmp(ca_, cb_) == 0) {                                               \
            rt_test_passed++;                                                                    \
        } else {                                                                                 \
            rt_test_failed++;                                                                    \
            fprintf(stderr, "%s:%d: CHECK_STR failed:\n  got:  %s\n  want: %s\n", __FILE__, __LINE__, \
                    ca_ ? ca_ : "(null)", cb_ ? cb_ : "(null)");                                 \
        }                                                                                        \
    } while (0)

#define RT_TEST_MAIN_END()                                                  \
    do {                                                                    \
        printf("%d passed, %d failed\n", rt_test_passed, rt_test_failed);   \
        return rt_test_failed ? 1 : 0;                                      \
    } while (0)

#endif
