/*
 * Passed SSO checks, remembered per (owner, node, host user) so a `check`
 * rule asks again only after its checkPeriod.  The core is in memory and
 * pure (time is a parameter).  A check is honoured only while
 * checked <= now < checked + min(period it was stored with, period asked
 * now): shortening checkPeriod in the policy takes effect at once, and a
 * clock that jumps back never stretches an entry.
 *
 * Persistence is optional: meshsshd may save the cache so that passed checks
 * survive a restart.  The file is JSON, written atomically with mode 0600
 * and read only if it is a regular root-owned (or own-uid) file with no
 * group or world access; expired entries are dropped on load and on save.
 * Without a file, a restart forgets every check (the safe default).
 */
#ifndef MESH_CHECKCACHE_H
#define MESH_CHECKCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define CHECKCACHE_MAX_ENTRIES	  65536
#define CHECKCACHE_MAX_PERIOD_S	  (30LL * 24 * 3600) /* longest period honoured */
#define CHECKCACHE_FIELD_MAX	  256		     /* longest owner/node/user */
#define CHECKCACHE_FILE_MAX_BYTES (32u * 1024u * 1024u)

struct checkcache;

struct checkcache *checkcache_new(void);
void checkcache_free(struct checkcache *cache);
size_t checkcache_count(const struct checkcache *cache);

/*
 * Remember a check that passed at `now`, good for period_s.  period_s <= 0
 * (checkPeriod "always") stores nothing.  Replaces an older entry for the
 * same triple.  When full, the entry closest to expiry is evicted.
 */
int checkcache_add(struct checkcache *cache, const char *owner, const char *node,
    const char *host_user, int64_t now, int64_t period_s);
/* Is there a check for this triple that is still good at now under period_s? */
bool checkcache_valid(const struct checkcache *cache, const char *owner, const char *node,
    const char *host_user, int64_t now, int64_t period_s);
/* Drop one triple (e.g. after a failed check); 0 or MESH_ERR_NOTFOUND. */
int checkcache_forget(
    struct checkcache *cache, const char *owner, const char *node, const char *host_user);
/* Drop every entry whose period ended by now; returns how many went. */
size_t checkcache_expire(struct checkcache *cache, int64_t now);

/* Pure (de)serialisation; the text is NUL-terminated and freed by the caller. */
int checkcache_serialize(
    const struct checkcache *cache, int64_t now, char **out, struct mesh_error *err);
int checkcache_parse(
    struct checkcache *cache, const uint8_t *buf, size_t len, int64_t now, struct mesh_error *err);

/* The shell: load (a missing file is an empty cache) and save (atomic, 0600). */
int checkcache_load(
    struct checkcache *cache, const char *path, int64_t now, struct mesh_error *err);
int checkcache_save(
    const struct checkcache *cache, const char *path, int64_t now, struct mesh_error *err);

/*
 * For daemons that fork per connection (meshsshd): the file is the shared
 * cache.  checkcache_file_valid() reads it (no lock: writers rename);
 * checkcache_file_record() takes an exclusive flock on "PATH.lock", loads,
 * adds, saves, so concurrent connections never lose each other's checks.
 */
bool checkcache_file_valid(const char *path, const char *owner, const char *node,
    const char *host_user, int64_t now, int64_t period_s);
int checkcache_file_record(const char *path, const char *owner, const char *node,
    const char *host_user, int64_t now, int64_t period_s, struct mesh_error *err);

#endif
