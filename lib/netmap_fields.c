/*
 * Netmap field syntax: pure predicates, no allocation except a bounded
 * scratch buffer to decode host key blobs.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "netmap_fields.h"

#define PORT_MAX	     65535
#define SSH_STRING_LEN_BYTES 4	/* SSH wire strings start with a u32 length */
#define HOST_KEY_TYPE_MAX    40 /* longest name in host_key_types */
#define SECONDS_PER_MINUTE   60
#define SECONDS_PER_HOUR     3600
#define SECONDS_PER_DAY	     86400

static bool
is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool
is_alnum(char c)
{
	return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* A label of len bytes at s; lower says whether upper case is refused. */
static bool
label_ok(const char *s, size_t len, bool lower)
{
	size_t i;

	if (len == 0 || len > NETMAP_LABEL_MAX || s[0] == '-' || s[len - 1] == '-')
		return false;
	for (i = 0; i < len; i++)
		if (!(lower ? is_lower_alnum(s[i]) : is_alnum(s[i])) && s[i] != '-')
			return false;
	return true;
}

static bool
domain_ok(const char *s, size_t len, bool lower)
{
	size_t start = 0, i;

	if (len == 0 || len > NETMAP_DOMAIN_MAX)
		return false;
	for (i = 0; i <= len; i++)
		if (i == len || s[i] == '.') {
			if (!label_ok(s + start, i - start, lower))
				return false;
			start = i + 1;
		}
	return true;
}

bool
netmap_field_label(const char *s)
{
	return label_ok(s, strlen(s), true);
}

bool
netmap_field_domain(const char *s)
{
	return domain_ok(s, strlen(s), true);
}

bool
netmap_field_login(const char *s)
{
	const char *at = strchr(s, '@');
	size_t i, local;

	if (at == NULL || strchr(at + 1, '@') != NULL)
		return false;
	local = (size_t)(at - s);
	if (local == 0 || local > NETMAP_LOGIN_LOCAL_MAX)
		return false;
	for (i = 0; i < local; i++)
		if (!is_alnum(s[i]) && strchr("._+-", s[i]) == NULL)
			return false;
	return domain_ok(at + 1, strlen(at + 1), false);
}

bool
netmap_field_tag(const char *s)
{
	size_t i, len = strlen(s);

	if (len <= 4 || len > NETMAP_TEXT_MAX || strncmp(s, "tag:", 4) != 0)
		return false;
	if (!((s[4] >= 'a' && s[4] <= 'z') || (s[4] >= 'A' && s[4] <= 'Z')))
		return false;
	for (i = 5; i < len; i++)
		if (!is_alnum(s[i]) && s[i] != '-')
			return false;
	return true;
}

static bool
port_ok(const char *p)
{
	unsigned long v = 0;
	size_t i;

	if (p[0] == '\0' || p[0] == '0' || strlen(p) > 5)
		return false;
	for (i = 0; p[i]; i++) {
		if (!is_digit(p[i]))
			return false;
		v = v * 10 + (unsigned long)(p[i] - '0');
	}
	return v >= 1 && v <= PORT_MAX;
}

bool
netmap_field_endpoint(const char *s)
{
	char host[NETMAP_DOMAIN_MAX + 1];
	const char *colon;
	uint8_t bin[16];
	size_t hlen;

	if (s[0] == '[') {
		const char *end = strchr(s, ']');

		if (end == NULL || end[1] != ':')
			return false;
		hlen = (size_t)(end - s - 1);
		if (hlen == 0 || hlen >= sizeof(host))
			return false;
		memcpy(host, s + 1, hlen);
		host[hlen] = '\0';
		return inet_pton(AF_INET6, host, bin) == 1 && port_ok(end + 2);
	}
	if ((colon = strrchr(s, ':')) == NULL)
		return false;
	hlen = (size_t)(colon - s);
	if (hlen == 0 || hlen >= sizeof(host))
		return false;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	if (!port_ok(colon + 1))
		return false;
	if (inet_pton(AF_INET, host, bin) == 1)
		return true;
	/* a name; an all-numeric dotted name would be a malformed IPv4 address */
	return strspn(host, "0123456789.") != hlen && domain_ok(host, hlen, false);
}

bool
netmap_field_text(const char *s)
{
	size_t len = strlen(s), i;

	if (len == 0 || len > NETMAP_TEXT_MAX)
		return false;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

static const char *const host_key_types[] = {
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "ssh-rsa",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
};

/* Value of a base64 character, or -1 (not constant time: host keys are public). */
static int
b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * Canonical padded base64 of n characters at s: decodes the first outlen
 * bytes into out (or fewer if the text is shorter) and checks the rest.
 * Returns the number of decoded bytes in total, or 0 if malformed.
 */
static size_t
b64_check(const char *s, size_t n, uint8_t *out, size_t outlen)
{
	size_t pad = 0, i, total = 0;
	uint32_t acc = 0;

	if (n == 0 || n % 4 != 0)
		return 0;
	if (s[n - 1] == '=')
		pad = s[n - 2] == '=' ? 2 : 1;
	for (i = 0; i < n - pad; i++) {
		int v = b64_value((unsigned char)s[i]);

		if (v < 0)
			return 0;
		acc = acc << 6 | (uint32_t)v;
		if (i % 4 == 3) {
			uint8_t b[3] = {(uint8_t)(acc >> 16), (uint8_t)(acc >> 8), (uint8_t)acc};
			size_t k;

			for (k = 0; k < 3; k++, total++)
				if (total < outlen)
					out[total] = b[k];
			acc = 0;
		}
	}
	/* the last group: 2 or 3 characters, unused bits must be zero */
	if (pad == 2) {
		if (acc & 0xF)
			return 0;
		if (total < outlen)
			out[total] = (uint8_t)(acc >> 4);
		total += 1;
	} else if (pad == 1) {
		if (acc & 0x3)
			return 0;
		if (total < outlen)
			out[total] = (uint8_t)(acc >> 10);
		if (total + 1 < outlen)
			out[total + 1] = (uint8_t)(acc >> 2);
		total += 2;
	}
	return total;
}

bool
netmap_field_wg_key(const char *s, uint8_t key[NETMAP_FIELD_WG_KEY_LEN])
{
	uint8_t buf[NETMAP_FIELD_WG_KEY_LEN + 1];
	size_t n = strlen(s);

	if (n != NETMAP_FIELD_WG_KEY_B64_LEN || s[n - 1] != '=' || s[n - 2] == '=' ||
	    b64_check(s, n, buf, sizeof(buf)) != NETMAP_FIELD_WG_KEY_LEN)
		return false;
	memcpy(key, buf, NETMAP_FIELD_WG_KEY_LEN);
	return true;
}

bool
netmap_field_host_key(const char *s, const char **why)
{
	const char *sp = strchr(s, ' ');
	/* the blob starts with the type as an SSH string: u32 length + name */
	uint8_t head[SSH_STRING_LEN_BYTES + HOST_KEY_TYPE_MAX];
	size_t tlen, total, i;
	bool known = false;
	uint32_t n;

	*why = "expected \"TYPE BASE64\"";
	if (sp == NULL || strlen(s) > NETMAP_HOST_KEY_MAX)
		return false;
	tlen = (size_t)(sp - s);
	for (i = 0; i < sizeof(host_key_types) / sizeof(host_key_types[0]); i++)
		if (strlen(host_key_types[i]) == tlen && memcmp(host_key_types[i], s, tlen) == 0)
			known = true;
	if (!known) {
		*why = "unknown host key type";
		return false;
	}
	*why = "key is not valid base64 of an SSH public key of that type";
	total = b64_check(sp + 1, strlen(sp + 1), head, sizeof(head));
	if (total < SSH_STRING_LEN_BYTES + tlen)
		return false;
	n = (uint32_t)head[0] << 24 | (uint32_t)head[1] << 16 | (uint32_t)head[2] << 8 | head[3];
	return n == tlen && memcmp(head + SSH_STRING_LEN_BYTES, s, tlen) == 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* n digits at s into *v. */
static bool
digits(const char *s, size_t n, unsigned *v)
{
	size_t i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return false;
		*v = *v * 10 + (unsigned)(s[i] - '0');
	}
	return true;
}

static bool
leap(unsigned y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

bool
netmap_field_time(const char *s, int64_t *out)
{
	static const unsigned mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	unsigned y, mo, d, h, mi, se, oh = 0, om = 0;
	const char *p = s + 19;
	int64_t t, sign = 0;

	if (strlen(s) < 20 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) ||
	    s[7] != '-' || !digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't') ||
	    !digits(s + 11, 2, &h) || s[13] != ':' || !digits(s + 14, 2, &mi) || s[16] != ':' ||
	    !digits(s + 17, 2, &se))
		return false;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] + (mo == 2 && leap(y)) || h > 23 ||
	    mi > 59 || se > 60)
		return false;
	if (*p == '.') {
		if (!is_digit(*++p))
			return false;
		while (is_digit(*p))
			p++;
	}
	if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
		sign = 0;
	} else if ((*p == '+' || *p == '-') && strlen(p) == 6 && digits(p + 1, 2, &oh) &&
	    p[3] == ':' && digits(p + 4, 2, &om) && oh <= 23 && om <= 59) {
		sign = *p == '+' ? 1 : -1;
	} else {
		return false;
	}
	t = days_from_civil(y, mo, d) * SECONDS_PER_DAY + (int64_t)h * SECONDS_PER_HOUR +
	    (int64_t)mi * SECONDS_PER_MINUTE + (se == 60 ? 59 : se);
	*out = t - sign * ((int64_t)oh * SECONDS_PER_HOUR + (int64_t)om * SECONDS_PER_MINUTE);
	return true;
}
