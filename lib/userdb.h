/*
 * The userdb: meshssh's host accounts as passwd(5) and group(5) text
 * (/var/lib/meshssh/passwd, /var/lib/meshssh/group), each with an on-disk
 * index beside it (passwd.idx, group.idx) so that a lookup among 100,000
 * accounts is a binary search, not a scan.  Format: man/meshssh-userdb.5.
 *
 * This file is libc-only: the NSS and PAM modules link it, and they must not
 * pull libsodium or jansson into every process of the host.  It never prints.
 *
 * Guarantees:
 *  - the text is the truth; an index is used only when its header names the
 *    data file's current inode, size and mtime, and every hit is re-checked
 *    against the line it points to, so a stale or damaged index can cost a
 *    scan but never give a wrong answer;
 *  - a data file that is not a regular file, not owned by root (or, in a test
 *    build, the effective uid) or is group/world-writable is refused;
 *  - a reader notices a replaced file without a system call per lookup:
 *    the writer first marks the index it is about to replace as superseded
 *    (a flag in the mapped header, seen at once by every process that maps
 *    it), and readers stat(2) the files only then, when they have no index,
 *    or every USERDB_RECHECK_MS (hand edits are noticed within that time).
 */
#ifndef MESH_USERDB_H
#define MESH_USERDB_H

#include <grp.h>
#include <pwd.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

#define USERDB_DIR_DEFAULT LOCALSTATEDIR "/lib/meshssh"
/* Test builds only: a directory that replaces USERDB_DIR_DEFAULT (secure_getenv). */
#define USERDB_DIR_ENV	    "MESH_USERDB_DIR"
#define USERDB_INDEX_SUFFIX ".idx"
/*
 * Memberships of host groups that live in another NSS source (a mapped
 * system group such as sudo): group(5) lines served to initgroups only, so
 * `getent group` lists such a group once, from its own source.
 */
#define USERDB_GROUP_SYSTEM_FILE "group.system"
#define USERDB_RECHECK_MS	 1000 /* stat at least this often regardless */
/*
 * After this many lookups on one mapping, its pages are pre-faulted
 * (MADV_POPULATE_READ): a process that looks up often takes no page faults
 * later, a one-shot program (ls, id) never pays for mapping the whole file.
 */
#define USERDB_POPULATE_AFTER 16
#define USERDB_NAME_MAX	      32	    /* longest login name we publish (useradd's limit) */
#define USERDB_LINE_MAX	      (1024 * 1024) /* a group line of ~100k members */
#define USERDB_PWLINE_MAX     4096	    /* one passwd line */

enum userdb_kind {
	USERDB_PASSWD = 0,
	USERDB_GROUP = 1,
};

/* A piece of a line: not NUL-terminated. */
struct userdb_span {
	const char *p;
	size_t len;
};

struct userdb_pwent {
	struct userdb_span name, passwd, gecos, dir, shell;
	uint32_t uid, gid;
};

struct userdb_grent {
	struct userdb_span name, passwd;
	struct userdb_span members; /* comma-separated, may be empty */
	uint32_t gid;
	size_t nmembers;
};

/* Parse one line (without its '\n').  Pure.  MESH_ERR_PARSE on bad input. */
int userdb_parse_pw(const char *line, size_t len, struct userdb_pwent *e);
int userdb_parse_gr(const char *line, size_t len, struct userdb_grent *e);

/* Is span equal to the NUL-terminated string s? */
bool userdb_span_eq(struct userdb_span a, const char *s);
/* Is user among the comma-separated members? */
bool userdb_gr_has_member(const struct userdb_grent *e, const char *user);

/*
 * Copy an entry into the caller's struct and buffer, as getpwnam_r does.
 * MESH_ERR_RANGE if buf is too small (the NSS module turns that into ERANGE).
 */
int userdb_fill_passwd(const struct userdb_pwent *e, struct passwd *pw, char *buf, size_t buflen);
int userdb_fill_group(const struct userdb_grent *e, struct group *gr, char *buf, size_t buflen);

/* 32-bit FNV-1a: the index's hash of names.  Not for security. */
uint32_t userdb_hash(const char *p, size_t len);

/* What the index header pins the data file to. */
struct userdb_stamp {
	uint64_t ino;
	uint64_t size;
	int64_t mtime_sec;
	int64_t mtime_nsec;
};

/*
 * Build the index of data[0..len) (passwd or group text).  Pure; the caller
 * frees *out.  Malformed lines are skipped, as readers skip them.
 */
int userdb_index_build(enum userdb_kind kind, const char *data, size_t len,
    const struct userdb_stamp *stamp, uint8_t **out, size_t *outlen);

/*
 * A mapped data file and its index; re-mapped when the file is replaced.
 * Not thread-safe by itself: the NSS module holds a mutex around it.
 */
struct userdb_file {
	enum userdb_kind kind;
	char path[512];
	char idx_path[520];
	const char *data; /* mapped text, or NULL when the file is missing */
	size_t len;
	struct userdb_stamp stamp;
	const uint8_t *idx; /* mapped index, or NULL (then lookups scan) */
	size_t idx_len;
	struct userdb_stamp idx_stamp; /* the index file's own stat */
	uint64_t generation;	       /* bumped on every re-map */
	bool missing;
	int64_t checked_ms; /* CLOCK_MONOTONIC_COARSE of the last stat */
	int64_t recheck_ms; /* USERDB_RECHECK_MS; tests set 0 */
	uint32_t uses;	    /* refreshes since the last (re)map */
	bool populated;	    /* data and index pre-faulted */
};

/* Set up (no I/O).  path is the data file; the index is path + ".idx". */
int userdb_file_init(struct userdb_file *f, enum userdb_kind kind, const char *path);
/*
 * Mark the index at idx_path as superseded: every reader that maps it will
 * stat the data file on its next lookup.  The writer calls this before it
 * replaces the data file.  A missing index is fine (0).
 */
int userdb_index_supersede(const char *idx_path);

/*
 * stat the file and (re)map it if it changed (skipped while a current,
 * not superseded index is mapped and the last stat is recent).  0 when mapped, MESH_ERR_NOTFOUND
 * when missing, MESH_ERR_PERM when unsafe, MESH_ERR_IO otherwise.
 */
int userdb_file_refresh(struct userdb_file *f);
void userdb_file_close(struct userdb_file *f);

/*
 * Lookups return a line (span into the map, without '\n') or MESH_ERR_NOTFOUND.
 * The span is valid until the next refresh/close.
 */
int userdb_lookup_name(const struct userdb_file *f, const char *name, struct userdb_span *line);
int userdb_lookup_id(const struct userdb_file *f, uint32_t id, struct userdb_span *line);

/*
 * Iterate lines from *pos (start at 0).  Skips comments and malformed lines.
 * MESH_ERR_NOTFOUND at the end.
 */
int userdb_next(const struct userdb_file *f, size_t *pos, struct userdb_span *line);

/*
 * Group file only: call fn for each group that lists user as a member;
 * stops early if fn returns non-zero (and returns that).
 */
typedef int (*userdb_member_fn)(const struct userdb_grent *g, void *ctx);
int userdb_groups_of(const struct userdb_file *f, const char *user, userdb_member_fn fn, void *ctx);

/*
 * Open path without following links, check it as the data files are checked
 * (regular, root-owned, not group/world-writable) and map it read-only.
 * An empty file maps to (NULL, 0).  Release with userdb_unmap.
 */
int userdb_map_trusted(const char *path, const void **map, size_t *len, struct userdb_stamp *st);
void userdb_unmap(const void *map, size_t len);

/*
 * The userdb directory: USERDB_DIR_DEFAULT, or in a test build
 * $MESH_USERDB_DIR (read with secure_getenv, so never in a setuid process).
 */
const char *userdb_dir(void);

#endif
