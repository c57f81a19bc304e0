/*
 * asciicast v2 formatting (pure).  Events are formatted by hand rather than
 * through jansson: this is the hot path of a recorded bulk transfer.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <jansson.h>

#include "asciicast.h"

#define CAST_BUF_MIN_BYTES 256
#define CAST_REPLACEMENT   "\xef\xbf\xbd" /* U+FFFD */

void
cast_buf_free(struct cast_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

static int
cast_buf_reserve(struct cast_buf *b, size_t more)
{
	size_t want = b->len + more, ncap;
	char *n;

	if (want <= b->cap)
		return MESH_OK;
	ncap = b->cap ? b->cap : CAST_BUF_MIN_BYTES;
	while (ncap < want)
		ncap *= 2;
	if ((n = realloc(b->p, ncap)) == NULL)
		return MESH_ERR_NOMEM;
	b->p = n;
	b->cap = ncap;
	return MESH_OK;
}

int
cast_buf_append(struct cast_buf *b, const void *p, size_t len)
{
	if (cast_buf_reserve(b, len) != 0)
		return MESH_ERR_NOMEM;
	memcpy(b->p + b->len, p, len);
	b->len += len;
	return MESH_OK;
}

/*
 * Length of the valid UTF-8 sequence at s (1..4), 0 if invalid, or -n if
 * s[0..len) is a valid but incomplete prefix of n bytes.
 */
static int
utf8_seq(const uint8_t *s, size_t len)
{
	uint8_t c = s[0];
	int n;
	uint8_t lo = 0x80, hi = 0xbf;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f; /* no surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	for (int i = 1; i < n; i++) {
		if ((size_t)i >= len)
			return -i;
		if (s[i] < (i == 1 ? lo : 0x80) || s[i] > (i == 1 ? hi : 0xbf))
			return 0;
	}
	return n;
}

/* Escape s into out; stops before an incomplete trailing sequence when
 * carry is non-NULL and stores its length there. */
#define CAST_BYTES_ONES	 0x0101010101010101ULL
#define CAST_BYTES_HIGHS 0x8080808080808080ULL

/* Does no byte of w need escaping (all in 0x20..0x7f, none '"' or '\\')? */
static inline bool
cast_plain8(uint64_t w)
{
	uint64_t q = w ^ (CAST_BYTES_ONES * '"'), b = w ^ (CAST_BYTES_ONES * '\\');

	if (w & CAST_BYTES_HIGHS)
		return false; /* a byte >= 0x80 */
	/* with every byte < 0x80 these are exact: a byte < 0x20, a zero byte */
	return (((w - CAST_BYTES_ONES * 0x20) | (q - CAST_BYTES_ONES) | (b - CAST_BYTES_ONES)) &
		   CAST_BYTES_HIGHS) == 0;
}

#ifdef __SSE2__
/*
 * The same test for 16 bytes at once: a bit per byte that needs escaping.
 * The compare is signed, so bytes >= 0x80 count as below 0x20 (flagged).
 */
static inline unsigned
cast_special16(const uint8_t *p)
{
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
	__m128i m = _mm_or_si128(_mm_cmplt_epi8(v, _mm_set1_epi8(0x20)),
	    _mm_or_si128(
		_mm_cmpeq_epi8(v, _mm_set1_epi8('"')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))));

	return (unsigned)_mm_movemask_epi8(m);
}
#endif

static int
cast_escape(struct cast_buf *out, const uint8_t *s, size_t len, size_t *carry)
{
	static const char hex[] = "0123456789abcdef";
	size_t i = 0;
	char *o;

	if (cast_buf_reserve(out, len * 6 + 2) != 0)
		return MESH_ERR_NOMEM;
	if (carry)
		*carry = 0;
	o = out->p + out->len; /* a local cursor: this loop is the recorder's hot path */
	while (i < len) {
		uint8_t c;
		int n;

#ifdef __SSE2__
		/*
		 * Runs of bytes that need no escaping, sixteen at a time: the
		 * whole block is stored (the reserve above has room), the cursor
		 * moves past its plain prefix only.
		 */
		while (len - i >= 16) {
			unsigned m = cast_special16(s + i);

			_mm_storeu_si128((__m128i *)(void *)o,
			    _mm_loadu_si128((const __m128i *)(const void *)(s + i)));
			if (m == 0) {
				o += 16;
				i += 16;
				continue;
			}
			o += __builtin_ctz(m);
			i += (size_t)__builtin_ctz(m);
			break;
		}
#endif
		/* runs of bytes that need no escaping, eight at a time */
		while (len - i >= sizeof(uint64_t)) {
			uint64_t w;

			memcpy(&w, s + i, sizeof(w));
			if (!cast_plain8(w))
				break;
			memcpy(o, &w, sizeof(w));
			o += sizeof(w);
			i += sizeof(w);
		}
		if (i >= len)
			break;
		c = s[i];
		if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
			*o++ = (char)c;
			i++;
			continue;
		}
		if (c < 0x80) {
			*o++ = '\\';
			switch (c) {
			case '"':
			case '\\':
				*o++ = (char)c;
				break;
			case '\n':
				*o++ = 'n';
				break;
			case '\r':
				*o++ = 'r';
				break;
			case '\t':
				*o++ = 't';
				break;
			default:
				memcpy(o, "u00", 3);
				o[3] = hex[c >> 4];
				o[4] = hex[c & 15];
				o += 5;
			}
			i++;
			continue;
		}
		n = utf8_seq(s + i, len - i);
		if (n < 0 && carry) {
			*carry = len - i;
			break;
		}
		if (n <= 0) {
			memcpy(o, CAST_REPLACEMENT, 3);
			o += 3;
			i++;
			continue;
		}
		memcpy(o, s + i, (size_t)n);
		o += n;
		i += (size_t)n;
	}
	out->len = (size_t)(o - out->p);
	return MESH_OK;
}

int
cast_json_string(struct cast_buf *out, const uint8_t *s, size_t len)
{
	if (cast_buf_append(out, "\"", 1) != 0 || cast_escape(out, s, len, NULL) != 0 ||
	    cast_buf_append(out, "\"", 1) != 0)
		return MESH_ERR_NOMEM;
	return MESH_OK;
}

static int
cast_time(struct cast_buf *out, const struct cast_writer *w, uint64_t now_ns)
{
	uint64_t rel = now_ns > w->start_ns ? now_ns - w->start_ns : 0;
	char t[48];
	int n;

	n = snprintf(t, sizeof(t), "[%" PRIu64 ".%06" PRIu64 ", ", rel / CAST_NS_PER_SEC,
	    (rel % CAST_NS_PER_SEC) / 1000);
	if (n < 0 || n >= (int)sizeof(t))
		return MESH_ERR_RANGE;
	return cast_buf_append(out, t, (size_t)n);
}

void
cast_writer_init(struct cast_writer *w, uint64_t start_ns)
{
	memset(w, 0, sizeof(*w));
	w->start_ns = start_ns;
}

static int
code_index(char code)
{
	switch (code) {
	case 'o':
		return 0;
	case 'e':
		return 1;
	case 'i':
		return 2;
	default:
		return -1;
	}
}

int
cast_event_format(struct cast_writer *w, uint64_t now_ns, char code, const uint8_t *buf, size_t len,
    struct cast_buf *out)
{
	int ci = code_index(code);
	size_t keep, mark = out->len, data_start, carry = 0;
	char pre[8];
	int r;

	if (ci < 0)
		return MESH_ERR_INVALID;
	if (len == 0)
		return MESH_OK;
	keep = w->carry_len[ci];
	(void)snprintf(pre, sizeof(pre), "\"%c\", \"", code);
	if ((r = cast_time(out, w, now_ns)) != 0 || (r = cast_buf_append(out, pre, 6)) != 0)
		goto fail;
	data_start = out->len;
	if (keep) {
		/* complete the character carried over from the previous read */
		uint8_t tmp[CAST_UTF8_CARRY_MAX + 4];
		size_t take = len < 4 ? len : 4;
		int n;

		memcpy(tmp, w->carry[ci], keep);
		memcpy(tmp + keep, buf, take);
		n = utf8_seq(tmp, keep + take);
		if (n < 0 && keep + take <= CAST_UTF8_CARRY_MAX) {
			/* still incomplete (take == len here): keep carrying */
			memcpy(w->carry[ci], tmp, keep + take);
			w->carry_len[ci] = keep + take;
			out->len = mark;
			return MESH_OK;
		}
		w->carry_len[ci] = 0;
		if (n > (int)keep) {
			if ((r = cast_escape(out, tmp, (size_t)n, NULL)) != 0)
				goto fail;
			buf += (size_t)n - keep;
			len -= (size_t)n - keep;
		} else if ((r = cast_buf_append(out, CAST_REPLACEMENT, 3)) != 0)
			goto fail;
	}
	if ((r = cast_escape(out, buf, len, &carry)) != 0)
		goto fail;
	if (carry) {
		memcpy(w->carry[ci], buf + len - carry, carry);
		w->carry_len[ci] = carry;
	}
	if (out->len == data_start) {
		out->len = mark; /* everything carried */
		return MESH_OK;
	}
	if ((r = cast_buf_append(out, "\"]\n", 3)) != 0)
		goto fail;
	return MESH_OK;
fail:
	out->len = mark;
	return r;
}

int
cast_flush(struct cast_writer *w, uint64_t now_ns, struct cast_buf *out)
{
	static const char codes[] = {'o', 'e', 'i'};
	char pre[8];
	int r;

	for (int ci = 0; ci < 3; ci++) {
		if (w->carry_len[ci] == 0)
			continue;
		w->carry_len[ci] = 0;
		(void)snprintf(pre, sizeof(pre), "\"%c\", \"", codes[ci]);
		if ((r = cast_time(out, w, now_ns)) != 0 ||
		    (r = cast_buf_append(out, pre, 6)) != 0 ||
		    (r = cast_buf_append(out, CAST_REPLACEMENT "\"]\n", 6)) != 0)
			return r;
	}
	return MESH_OK;
}

int
cast_resize_format(
    struct cast_writer *w, uint64_t now_ns, unsigned cols, unsigned rows, struct cast_buf *out)
{
	char t[48];
	int n, r;

	n = snprintf(t, sizeof(t), "\"r\", \"%ux%u\"]\n", cols, rows);
	if (n < 0 || n >= (int)sizeof(t))
		return MESH_ERR_RANGE;
	if ((r = cast_time(out, w, now_ns)) != 0)
		return r;
	return cast_buf_append(out, t, (size_t)n);
}

int
cast_exit_format(struct cast_writer *w, uint64_t now_ns, int status, struct cast_buf *out)
{
	char t[48];
	int n, r;

	n = snprintf(t, sizeof(t), "\"x\", \"%d\"]\n", status);
	if (n < 0 || n >= (int)sizeof(t))
		return MESH_ERR_RANGE;
	if ((r = cast_time(out, w, now_ns)) != 0)
		return r;
	return cast_buf_append(out, t, (size_t)n);
}

static int
set_str(json_t *o, const char *key, const char *val)
{
	if (val == NULL || val[0] == '\0')
		return 0;
	return json_object_set_new(o, key, json_string(val));
}

int
cast_header_format(const struct cast_header *h, struct cast_buf *out)
{
	json_t *o = json_object(), *tags = NULL, *env = NULL;
	char *s = NULL;
	int r = MESH_ERR_INVALID; /* jansson refuses strings that are not UTF-8 */

	if (o == NULL)
		return MESH_ERR_NOMEM;
	if (json_object_set_new(o, "version", json_integer(CAST_VERSION)) ||
	    json_object_set_new(o, "width", json_integer(h->width)) ||
	    json_object_set_new(o, "height", json_integer(h->height)) ||
	    json_object_set_new(o, "timestamp", json_integer(h->timestamp)) ||
	    set_str(o, "sessionID", h->session_id) || set_str(o, "host", h->host) ||
	    set_str(o, "srcNode", h->src_node) || set_str(o, "srcNodeID", h->src_node_id) ||
	    set_str(o, "srcNodeUser", h->src_node_user) ||
	    set_str(o, "srcNodeUserID", h->src_node_user_id) ||
	    set_str(o, "sshUser", h->ssh_user) || set_str(o, "localUser", h->local_user) ||
	    set_str(o, "connectionID", h->connection_id) ||
	    json_object_set_new(o, "command", json_string(h->command ? h->command : "")) ||
	    json_object_set_new(o, "pty", json_boolean(h->pty)) ||
	    json_object_set_new(o, "inputRecorded", json_boolean(h->input_recorded)))
		goto out;
	if (h->src_node_tags) {
		if ((tags = json_array()) == NULL)
			goto out;
		for (const char *const *t = h->src_node_tags; *t; t++)
			if (json_array_append_new(tags, json_string(*t)))
				goto out;
		if (json_object_set(o, "srcNodeTags", tags))
			goto out;
	}
	if ((env = json_object()) == NULL)
		goto out;
	for (const char *const *e = h->env; e && *e; e++) {
		const char *eq = strchr(*e, '=');
		char name[128];

		if (eq == NULL || (size_t)(eq - *e) >= sizeof(name) || eq == *e)
			continue;
		memcpy(name, *e, (size_t)(eq - *e));
		name[eq - *e] = '\0';
		if (json_object_set_new(env, name, json_string(eq + 1)))
			goto out;
	}
	if (json_object_set(o, "env", env))
		goto out;
	r = MESH_ERR_NOMEM;
	if ((s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER)) == NULL)
		goto out;
	if ((r = cast_buf_append(out, s, strlen(s))) == 0)
		r = cast_buf_append(out, "\n", 1);
out:
	free(s);
	json_decref(tags);
	json_decref(env);
	json_decref(o);
	return r;
}
