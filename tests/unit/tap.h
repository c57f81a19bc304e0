/*
 * A tiny TAP producer for the C unit tests: one "ok N - name" line per
 * assertion, "not ok" with the failing expression and location otherwise.
 * automake's tap-driver.sh counts them; .ci/run sums the counts.
 */
#ifndef MESH_TAP_H
#define MESH_TAP_H

#include <stdio.h>
#include <string.h>

static int tap_count;
static int tap_failed;

#define TAP_LOC __FILE__, __LINE__

static inline int
tap_ok(int cond, const char *file, int line, const char *expr, const char *name)
{
	tap_count++;
	if (cond) {
		printf("ok %d - %s\n", tap_count, name);
		return 1;
	}
	tap_failed++;
	printf("not ok %d - %s\n#   %s:%d: %s\n", tap_count, name, file, line, expr);
	fflush(stdout);
	return 0;
}

/* ok(cond, name) */
#define ok(cond, name) tap_ok(!!(cond), TAP_LOC, #cond, (name))
/* is_int(got, want, name) */
#define is_int(got, want, name)                                            \
	do {                                                               \
		long long g_ = (long long)(got), w_ = (long long)(want);   \
		if (!tap_ok(g_ == w_, TAP_LOC, #got " == " #want, (name))) \
			printf("#   got %lld, want %lld\n", g_, w_);       \
	} while (0)
/* is_str(got, want, name): NULL-safe */
#define is_str(got, want, name)                                                            \
	do {                                                                               \
		const char *g_ = (got), *w_ = (want);                                      \
		int eq_ = (g_ == NULL && w_ == NULL) || (g_ && w_ && strcmp(g_, w_) == 0); \
		if (!tap_ok(eq_, TAP_LOC, #got " eq " #want, (name)))                      \
			printf("#   got \"%s\"\n#  want \"%s\"\n", g_ ? g_ : "(null)",     \
			    w_ ? w_ : "(null)");                                           \
	} while (0)

static inline int
tap_done(void)
{
	printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}

#endif
