/*
 * bench_nss: data generator and timer for bench/bench_nss.sh.
 *   bench_nss gen-mesh DIR N     DIR/passwd + DIR/passwd.idx (the mesh userdb)
 *   bench_nss gen-files FILE N   FILE: this host's /etc/passwd + N accounts
 *   bench_nss gen-cache DIR N    DIR/passwd.cache + .ixname + .ixuid in the
 *                                libnss-cache layout (fixed-size records
 *                                "key\0offset\0", NUL-padded, '\n'-terminated,
 *                                sorted by strcmp of the key)
 *   bench_nss run N CALLS        CALLS getpwnam_r and CALLS getpwuid_r of
 *                                random accounts through glibc; prints
 *                                "getpwnam MEDIAN P99 getpwuid MEDIAN P99" (us)
 *   bench_nss direct SO N CALLS  the same, calling the module's
 *                                _nss_mesh_getpw*_r directly (dlopen): the
 *                                module's own cost without glibc's dispatch
 * Accounts are "uNNNNNN" with uid BENCH_UID_BASE + i, the same in every mode.
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <nss.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "userdb.h"

#define BENCH_UID_BASE	200000u
#define BENCH_SEED	42u
#define BENCH_BUF_BYTES 4096

static char *
gen_text(size_t n, size_t *len)
{
	size_t cap = n * 64 + 64, off = 0, i;
	char *t = malloc(cap);

	if (t == NULL)
		exit(1);
	for (i = 0; i < n; i++)
		off += (size_t)snprintf(t + off, cap - off,
		    "u%06zu:*:%zu:%zu:Bench User:/home/u%06zu:/bin/bash\n", i, BENCH_UID_BASE + i,
		    BENCH_UID_BASE + i, i);
	*len = off;
	return t;
}

static void
write_all(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || fwrite(buf, 1, len, f) != len || fclose(f) != 0) {
		fprintf(stderr, "bench_nss: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	chmod(path, 0644);
}

static int
gen_mesh(const char *dir, size_t n)
{
	char path[512], ipath[520];
	struct userdb_stamp s;
	struct stat st;
	uint8_t *idx;
	size_t len, idxlen;
	char *t = gen_text(n, &len);

	snprintf(path, sizeof(path), "%s/passwd", dir);
	snprintf(ipath, sizeof(ipath), "%s.idx", path);
	write_all(path, t, len);
	if (stat(path, &st) != 0)
		return 1;
	s.ino = st.st_ino;
	s.size = (uint64_t)st.st_size;
	s.mtime_sec = st.st_mtim.tv_sec;
	s.mtime_nsec = st.st_mtim.tv_nsec;
	if (userdb_index_build(USERDB_PASSWD, t, len, &s, &idx, &idxlen) != 0)
		return 1;
	write_all(ipath, idx, idxlen);
	free(idx);
	free(t);
	return 0;
}

static int
gen_files(const char *file, size_t n)
{
	FILE *in = fopen("/etc/passwd", "r"), *out = fopen(file, "w");
	char line[1024];
	size_t len;
	char *t = gen_text(n, &len);

	if (in == NULL || out == NULL)
		return 1;
	while (fgets(line, sizeof(line), in))
		fputs(line, out);
	fwrite(t, 1, len, out);
	fclose(in);
	fclose(out);
	chmod(file, 0644);
	free(t);
	return 0;
}

struct cache_key {
	char key[24];
	long off;
};

static int
key_cmp(const void *a, const void *b)
{
	return strcmp(((const struct cache_key *)a)->key, ((const struct cache_key *)b)->key);
}

static void
write_cache_index(const char *path, struct cache_key *k, size_t n)
{
	size_t rec = 0, i, off = 0;
	char *buf;

	qsort(k, n, sizeof(*k), key_cmp);
	for (i = 0; i < n; i++) {
		char num[24];
		size_t l =
		    strlen(k[i].key) + 1 + (size_t)snprintf(num, sizeof(num), "%ld", k[i].off) + 1;
		if (l > rec)
			rec = l;
	}
	rec += 1; /* the '\n' */
	buf = calloc(n, rec);
	for (i = 0; i < n; i++, off += rec) {
		int w = snprintf(buf + off, rec, "%s", k[i].key);
		snprintf(buf + off + w + 1, rec - (size_t)w - 1, "%ld", k[i].off);
		buf[off + rec - 1] = '\n';
	}
	write_all(path, buf, n * rec);
	free(buf);
}

static int
gen_cache(const char *dir, size_t n)
{
	char path[512], ipath[540];
	struct cache_key *byname = calloc(n, sizeof(*byname)), *byuid = calloc(n, sizeof(*byuid));
	size_t len, i, off = 0;
	char *t = gen_text(n, &len);

	snprintf(path, sizeof(path), "%s/passwd.cache", dir);
	write_all(path, t, len);
	for (i = 0; i < n; i++) {
		char *nl = strchr(t + off, '\n');

		snprintf(byname[i].key, sizeof(byname[i].key), "u%06zu", i);
		snprintf(byuid[i].key, sizeof(byuid[i].key), "%zu", BENCH_UID_BASE + i);
		byname[i].off = byuid[i].off = (long)off;
		off = (size_t)(nl - t) + 1;
	}
	/* the index must not be older than the data */
	sleep(1);
	snprintf(ipath, sizeof(ipath), "%s.ixname", path);
	write_cache_index(ipath, byname, n);
	snprintf(ipath, sizeof(ipath), "%s.ixuid", path);
	write_cache_index(ipath, byuid, n);
	free(byname);
	free(byuid);
	free(t);
	return 0;
}

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int
dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

typedef int (*pwnam_fn)(const char *, struct passwd *, char *, size_t, struct passwd **);
typedef int (*pwuid_fn)(uid_t, struct passwd *, char *, size_t, struct passwd **);
typedef enum nss_status (*nss_pwnam_fn)(const char *, struct passwd *, char *, size_t, int *);
typedef enum nss_status (*nss_pwuid_fn)(uid_t, struct passwd *, char *, size_t, int *);

static nss_pwnam_fn direct_nam;
static nss_pwuid_fn direct_uid;

static int
call_nam(const char *name, struct passwd *pw, char *buf, size_t len, struct passwd **res)
{
	int e;

	if (direct_nam == NULL)
		return getpwnam_r(name, pw, buf, len, res);
	*res = direct_nam(name, pw, buf, len, &e) == NSS_STATUS_SUCCESS ? pw : NULL;
	return 0;
}

static int
call_uid(uid_t uid, struct passwd *pw, char *buf, size_t len, struct passwd **res)
{
	int e;

	if (direct_uid == NULL)
		return getpwuid_r(uid, pw, buf, len, res);
	*res = direct_uid(uid, pw, buf, len, &e) == NSS_STATUS_SUCCESS ? pw : NULL;
	return 0;
}

static int
run(size_t n, size_t calls)
{
	double *tn = calloc(calls, sizeof(double)), *tu = calloc(calls, sizeof(double));
	char buf[BENCH_BUF_BYTES], name[32];
	struct passwd pw, *res;
	size_t i, miss = 0;

	srandom(BENCH_SEED);
	/* warm up: map files, load the module */
	call_nam("u000000", &pw, buf, sizeof(buf), &res);
	for (i = 0; i < calls; i++) {
		size_t k = (size_t)random() % n;
		double t0;

		snprintf(name, sizeof(name), "u%06zu", k);
		t0 = now_us();
		call_nam(name, &pw, buf, sizeof(buf), &res);
		tn[i] = now_us() - t0;
		miss += res == NULL || pw.pw_uid != BENCH_UID_BASE + k;
		t0 = now_us();
		call_uid((uid_t)(BENCH_UID_BASE + k), &pw, buf, sizeof(buf), &res);
		tu[i] = now_us() - t0;
		miss += res == NULL || strcmp(pw.pw_name, name) != 0;
	}
	if (miss) {
		fprintf(stderr, "bench_nss: %zu of %zu lookups failed\n", miss, 2 * calls);
		return 1;
	}
	qsort(tn, calls, sizeof(double), dbl_cmp);
	qsort(tu, calls, sizeof(double), dbl_cmp);
	printf("getpwnam %.2f %.2f getpwuid %.2f %.2f\n", tn[calls / 2], tn[calls * 99 / 100],
	    tu[calls / 2], tu[calls * 99 / 100]);
	free(tn);
	free(tu);
	return 0;
}

static int
direct(const char *so, size_t n, size_t calls)
{
	void *h = dlopen(so, RTLD_NOW | RTLD_LOCAL);

	if (h == NULL) {
		fprintf(stderr, "bench_nss: %s\n", dlerror());
		return 1;
	}
	direct_nam = (nss_pwnam_fn)(uintptr_t)dlsym(h, "_nss_mesh_getpwnam_r");
	direct_uid = (nss_pwuid_fn)(uintptr_t)dlsym(h, "_nss_mesh_getpwuid_r");
	if (direct_nam == NULL || direct_uid == NULL)
		return 1;
	return run(n, calls);
}

int
main(int argc, char **argv)
{
	size_t n;

	if (argc == 5 && strcmp(argv[1], "direct") == 0)
		return direct(argv[2], strtoul(argv[3], NULL, 10), strtoul(argv[4], NULL, 10));
	if (argc != 4 || (n = strtoul(argv[3], NULL, 10)) == 0) {
		fprintf(stderr,
		    "usage: bench_nss gen-mesh|gen-files|gen-cache PATH N | "
		    "run N CALLS\n");
		return 2;
	}
	if (strcmp(argv[1], "gen-mesh") == 0)
		return gen_mesh(argv[2], n);
	if (strcmp(argv[1], "gen-files") == 0)
		return gen_files(argv[2], n);
	if (strcmp(argv[1], "gen-cache") == 0)
		return gen_cache(argv[2], n);
	if (strcmp(argv[1], "run") == 0)
		return run(strtoul(argv[2], NULL, 10), strtoul(argv[3], NULL, 10));
	return 2;
}
