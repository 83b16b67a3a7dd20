/* Minimal unit-test harness. Each case is a function declared with RT_TEST(name); the
 * program runs every case, or only the one named on its command line, and reports each case by
 * name ("ok name", "FAIL name") and ends with "N passed, N failed". CMake registers every case
 * as its own ctest test (program.case), so ctest's output names the failing case.
 *
 *   RT_TEST(parses_numbers) { CHECK(parse("1") == 1); }
 *   RT_TEST_MAIN()          (or a main of its own that calls rt_test_run around a setup)
 *
 * `prog --list` prints the case names, one per line. CHECK records a failure and goes on. */
#ifndef RT_TEST_H
#define RT_TEST_H

#include <stdio.h>
#include <string.h>

#define RT_TEST_MAX_CASES 512

typedef struct rt_test_case {
    const char *name;
    void (*fn)(void);
} rt_test_case_t;

static int rt_test_passed, rt_test_failed;
static rt_test_case_t rt_test_cases[RT_TEST_MAX_CASES];
static int rt_test_ncases;

static inline void rt_test_register(const char *name, void (*fn)(void))
{
    if (rt_test_ncases < RT_TEST_MAX_CASES)
        rt_test_cases[rt_test_ncases++] = (rt_test_case_t){name, fn};
    else
        rt_test_failed++; /* reported by rt_test_run: more cases than the table holds */
}

/* Declares a case and registers it before main runs (cases run in the order they are written). */
#define RT_TEST(name)                                                                                                  \
    static void name(void);                                                                                            \
    __attribute__((constructor)) static void rt_test_register_##name(void) { rt_test_register(#name, name); }          \
    static void name(void)

#define CHECK(cond)                                                                                                    \
    do {                                                                                                               \
        if (cond) {                                                                                                    \
            rt_test_passed++;                                                                                          \
        } else {                                                                                                       \
            rt_test_failed++;                                                                                          \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);                                   \
        }                                                                                                              \
    } while (0)

#define CHECK_STR(a, b)                                                                                                \
    do {                                                                                                               \
        const char *ca_ = (a), *cb_ = (b);                                                                             \
        if (ca_ && cb_ && strcmp(ca_, cb_) == 0) {                                                                     \
            rt_test_passed++;                                                                                          \
        } else {                                                                                                       \
            rt_test_failed++;                                                                                          \
            fprintf(stderr, "%s:%d: CHECK_STR failed:\n  got:  %s\n  want: %s\n", __FILE__, __LINE__,                  \
                    ca_ ? ca_ : "(null)", cb_ ? cb_ : "(null)");                                                       \
        }                                                                                                              \
    } while (0)

/* Runs the cases named by argv (all when none is named; "--list" prints the names). Returns the
 * process exit status: 0 when every check passed, 1 otherwise (also for an unknown name). */
static inline int rt_test_run(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--list") == 0) {
        for (int i = 0; i < rt_test_ncases; i++)
            printf("%s\n", rt_test_cases[i].name);
        return 0;
    }
    if (rt_test_failed) {
        fprintf(stderr, "more than %d cases: raise RT_TEST_MAX_CASES\n", RT_TEST_MAX_CASES);
        return 1;
    }
    int ran = 0;
    for (int i = 0; i < rt_test_ncases; i++) {
        int wanted = argc < 2;
        for (int a = 1; a < argc && !wanted; a++)
            wanted = strcmp(argv[a], rt_test_cases[i].name) == 0;
        if (!wanted)
            continue;
        int before = rt_test_failed;
        rt_test_cases[i].fn();
        ran++;
        printf("%s %s\n", rt_test_failed == before ? "ok  " : "FAIL", rt_test_cases[i].name);
        fflush(stdout);
    }
    if (argc > 1 && ran < argc - 1) {
        fprintf(stderr, "unknown test case named on the command line (see --list)\n");
        rt_test_failed++;
    }
    printf("%d passed, %d failed\n", rt_test_passed, rt_test_failed);
    return rt_test_failed ? 1 : 0;
}

#define RT_TEST_MAIN()                                                                                                 \
    int main(int argc, char **argv) { return rt_test_run(argc, argv); }

/* Kept for programs not yet split into cases: prints the totals and returns from main. */
#define RT_TEST_MAIN_END()                                                                                             \
    do {                                                                                                               \
        printf("%d passed, %d failed\n", rt_test_passed, rt_test_failed);                                              \
        return rt_test_failed ? 1 : 0;                                                                                 \
    } while (0)

#endif
