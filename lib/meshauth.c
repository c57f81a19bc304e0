/*
 * One-time tickets from meshsshd to pam_mesh.so.  See meshauth.h.
 * Ticket file: one line "v1 USER RHOST EXPIRES SECRETHEX\n", mode 0600, root,
 * read back by a strict parser (meshauth_ticket_parse) rather than sscanf.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "meshauth.h"

#define TICKET_MAX_BYTES 512
#define ID_HEX		 (2 * MESHAUTH_ID_BYTES)
#define SECRET_HEX	 (2 * MESHAUTH_SECRET_BYTES)
/* expiry in seconds since the epoch; 18 digits cannot overflow int64_t */
#define TICKET_EXPIRES_DIGITS_MAX 18

static void
hex_encode(const uint8_t *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

static bool
is_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* Equal in time that depends only on n. */
static bool
equal_ct(const char *a, const char *b, size_t n)
{
	volatile unsigned char d = 0;
	size_t i;

	for (i = 0; i < n; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

static bool
token_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > MESHAUTH_RHOST_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] == 0x7f)
			return false;
	return true;
}

static bool
random_fill(uint8_t *p, size_t n)
{
	size_t off = 0;

	while (off < n) {
		ssize_t r = getrandom(p + off, n - off, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return false;
		}
		off += (size_t)r;
	}
	return true;
}

int
meshauth_issue(
    const char *dir, const char *user, const char *rhost, int64_t now, char *env, size_t envlen)
{
	uint8_t id[MESHAUTH_ID_BYTES], secret[MESHAUTH_SECRET_BYTES];
	char idhex[ID_HEX + 1], sechex[SECRET_HEX + 1], path[PATH_MAX], line[TICKET_MAX_BYTES];
	int fd = -1, n, r;
	size_t off = 0;

	if (!token_ok(user) || !token_ok(rhost))
		return MESH_ERR_INVALID;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return MESH_ERR_IO;
	if (!random_fill(id, sizeof(id)) || !random_fill(secret, sizeof(secret)))
		return MESH_ERR_CRYPTO;
	hex_encode(id, sizeof(id), idhex);
	hex_encode(secret, sizeof(secret), sechex);
	n = snprintf(line, sizeof(line), "%s %s %s %lld %s\n", MESHAUTH_VERSION, user, rhost,
	    (long long)(now + MESHAUTH_TTL_SEC), sechex);
	if (n < 0 || (size_t)n >= sizeof(line) ||
	    snprintf(path, sizeof(path), "%s/%s", dir, idhex) >= (int)sizeof(path)) {
		r = MESH_ERR_RANGE;
		goto out;
	}
	if (snprintf(env, envlen, "%s=%s:%s:%s", MESHAUTH_ENV, MESHAUTH_VERSION, idhex, sechex) >=
	    (int)envlen) {
		r = MESH_ERR_RANGE;
		goto out;
	}
	/* O_EXCL: a fresh random name; never reuse or follow anything there */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		r = MESH_ERR_IO;
		goto out;
	}
	while (off < (size_t)n) {
		ssize_t w = write(fd, line + off, (size_t)n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			r = MESH_ERR_IO;
			unlink(path);
			goto out;
		}
		off += (size_t)w;
	}
	r = MESH_OK;
out:
	if (fd >= 0)
		close(fd);
	if (r != MESH_OK && envlen > 0)
		explicit_bzero(env, envlen);
	explicit_bzero(secret, sizeof(secret));
	explicit_bzero(sechex, sizeof(sechex));
	explicit_bzero(line, sizeof(line));
	return r;
}

/* Split "v1:ID:SECRET" into its parts (pointers into a copy). */
static int
parse_value(const char *value, char *idhex, char *sechex)
{
	size_t vl = strlen(MESHAUTH_VERSION);

	if (strlen(value) != vl + 1 + ID_HEX + 1 + SECRET_HEX ||
	    strncmp(value, MESHAUTH_VERSION, vl) != 0 || value[vl] != ':' ||
	    value[vl + 1 + ID_HEX] != ':')
		return MESH_ERR_PARSE;
	memcpy(idhex, value + vl + 1, ID_HEX);
	idhex[ID_HEX] = '\0';
	memcpy(sechex, value + vl + 2 + ID_HEX, SECRET_HEX);
	sechex[SECRET_HEX] = '\0';
	if (!is_hex(idhex, ID_HEX) || !is_hex(sechex, SECRET_HEX))
		return MESH_ERR_PARSE;
	return MESH_OK;
}

/* The next space-terminated field of buf[*pos..len) into out (< cap bytes). */
static bool
ticket_field(const char *buf, size_t len, size_t *pos, char end, char *out, size_t cap)
{
	size_t n = 0;

	while (*pos < len && buf[*pos] != end) {
		unsigned char ch = (unsigned char)buf[*pos];

		if (ch <= ' ' || ch == 0x7f || n + 1 >= cap)
			return false;
		out[n++] = (char)ch;
		(*pos)++;
	}
	if (*pos >= len || n == 0)
		return false;
	(*pos)++; /* the terminator */
	out[n] = '\0';
	return true;
}

int
meshauth_ticket_parse(const char *buf, size_t len, struct meshauth_ticket *t)
{
	char ver[sizeof(MESHAUTH_VERSION)], exp[TICKET_EXPIRES_DIGITS_MAX + 1];
	size_t pos = 0, i;
	int64_t v = 0;

	memset(t, 0, sizeof(*t));
	if (!ticket_field(buf, len, &pos, ' ', ver, sizeof(ver)) ||
	    strcmp(ver, MESHAUTH_VERSION) != 0 ||
	    !ticket_field(buf, len, &pos, ' ', t->user, sizeof(t->user)) ||
	    !ticket_field(buf, len, &pos, ' ', t->rhost, sizeof(t->rhost)) ||
	    !ticket_field(buf, len, &pos, ' ', exp, sizeof(exp)) ||
	    !ticket_field(buf, len, &pos, '\n', t->secret, sizeof(t->secret)) || pos != len ||
	    strlen(t->secret) != SECRET_HEX || !is_hex(t->secret, SECRET_HEX))
		goto bad;
	if (exp[0] == '0' && exp[1] != '\0')
		goto bad; /* one spelling per value */
	for (i = 0; exp[i]; i++) {
		if (exp[i] < '0' || exp[i] > '9')
			goto bad;
		v = v * 10 + (exp[i] - '0'); /* at most 18 digits: no overflow */
	}
	t->expires = v;
	return MESH_OK;
bad:
	explicit_bzero(t, sizeof(*t));
	return MESH_ERR_PARSE;
}

static bool
ticket_file_ok(int fd)
{
	struct stat st;

	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (st.st_mode & 077) != 0)
		return false;
#ifdef MESH_TEST_BUILD
	if (st.st_uid == geteuid())
		return true;
#endif
	return st.st_uid == 0;
}

int
meshauth_verify(
    const char *dir, const char *value, const char *user, const char *rhost, int64_t now)
{
	char idhex[ID_HEX + 1], sechex[SECRET_HEX + 1], path[PATH_MAX], buf[TICKET_MAX_BYTES];
	struct meshauth_ticket t;
	ssize_t n;
	int fd = -1, r;

	if (value == NULL || user == NULL)
		return MESH_ERR_PARSE;
	if ((r = parse_value(value, idhex, sechex)) != 0)
		goto out;
	if (snprintf(path, sizeof(path), "%s/%s", dir, idhex) >= (int)sizeof(path)) {
		r = MESH_ERR_RANGE;
		goto out;
	}
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		r = errno == ENOENT ? MESH_ERR_NOTFOUND : MESH_ERR_IO;
		goto out;
	}
	if (!ticket_file_ok(fd)) {
		r = MESH_ERR_PERM;
		goto out;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0) {
		r = MESH_ERR_PARSE;
		goto out;
	}
	if ((r = meshauth_ticket_parse(buf, (size_t)n, &t)) != 0)
		goto out;
	if (!equal_ct(t.secret, sechex, SECRET_HEX)) {
		r = MESH_ERR_DENIED;
		goto out;
	}
	/* the secret matched: the ticket is spent whatever happens next */
	unlink(path);
	if (strcmp(t.user, user) != 0 || rhost == NULL || strcmp(t.rhost, rhost) != 0) {
		r = MESH_ERR_DENIED;
		goto out;
	}
	if (now > t.expires) {
		r = MESH_ERR_EXPIRED;
		goto out;
	}
	r = MESH_OK;
out:
	if (fd >= 0)
		close(fd);
	explicit_bzero(sechex, sizeof(sechex));
	explicit_bzero(&t, sizeof(t));
	explicit_bzero(buf, sizeof(buf));
	return r;
}

void
meshauth_revoke(const char *dir, const char *value)
{
	char idhex[ID_HEX + 1], sechex[SECRET_HEX + 1], path[PATH_MAX];

	if (value != NULL && parse_value(value, idhex, sechex) == 0 &&
	    snprintf(path, sizeof(path), "%s/%s", dir, idhex) < (int)sizeof(path))
		unlink(path);
	explicit_bzero(sechex, sizeof(sechex));
}

int
meshauth_sweep(const char *dir, int64_t now)
{
	struct dirent *de;
	DIR *d;
	int removed = 0;

	if ((d = opendir(dir)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		char buf[TICKET_MAX_BYTES];
		struct meshauth_ticket t;
		ssize_t n;
		int fd;

		if (strlen(de->d_name) != ID_HEX || !is_hex(de->d_name, ID_HEX))
			continue;
		fd = openat(dirfd(d), de->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
		if (fd < 0)
			continue;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n <= 0)
			continue;
		if (meshauth_ticket_parse(buf, (size_t)n, &t) == 0 && now > t.expires &&
		    unlinkat(dirfd(d), de->d_name, 0) == 0)
			removed++;
		explicit_bzero(buf, sizeof(buf));
		explicit_bzero(&t, sizeof(t));
	}
	closedir(d);
	return removed;
}

bool
meshauth_env_reserved(const char *name)
{
	return strncmp(name, MESHAUTH_ENV_PREFIX, strlen(MESHAUTH_ENV_PREFIX)) == 0;
}

const char *
meshauth_dir(void)
{
#ifdef MESH_TEST_BUILD
	const char *d = secure_getenv(MESHAUTH_DIR_ENV);

	if (d != NULL && d[0] == '/')
		return d;
#endif
	return MESHAUTH_DIR_DEFAULT;
}
