/*
 * JSON pull reader: whitespace, structure, strings (UTF-8, escapes) and
 * numbers, with line:column tracking.
 */
#include "config.h"

#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "jsonr.h"

#define JSONR_SCRATCH_MIN 64
#define UNICODE_MAX	  0x10FFFF
#define SURROGATE_HI_MIN  0xD800
#define SURROGATE_LO_MIN  0xDC00
#define SURROGATE_MAX	  0xDFFF

void
jsonr_init(struct jsonr *r, const uint8_t *buf, size_t len, struct mesh_error *err)
{
	memset(r, 0, sizeof(*r));
	r->buf = (const char *)buf;
	r->len = len;
	r->line = 1;
	r->err = err;
}

void
jsonr_fini(struct jsonr *r)
{
	free(r->scratch);
	r->scratch = NULL;
	r->scratch_cap = 0;
}

static unsigned
jsonr_col(const struct jsonr *r, size_t pos)
{
	return (unsigned)(pos - r->line_start) + 1;
}

static int
jsonr_fail(struct jsonr *r, size_t pos, const char *what)
{
	return mesh_error_set(r->err, MESH_ERR_PARSE, r->line, jsonr_col(r, pos), "%s", what);
}

static void
jsonr_ws(struct jsonr *r)
{
	while (r->pos < r->len) {
		char c = r->buf[r->pos];

		if (c == '\n') {
			r->line++;
			r->line_start = r->pos + 1;
		} else if (c != ' ' && c != '\t' && c != '\r') {
			return;
		}
		r->pos++;
	}
}

enum jsonr_type
jsonr_peek(struct jsonr *r, unsigned *line, unsigned *col)
{
	jsonr_ws(r);
	if (line)
		*line = r->line;
	if (col)
		*col = jsonr_col(r, r->pos);
	if (r->pos >= r->len)
		return JSONR_END;
	switch (r->buf[r->pos]) {
	case '{':
		return JSONR_OBJECT;
	case '[':
		return JSONR_ARRAY;
	case '"':
		return JSONR_STRING;
	case 't':
	case 'f':
	case 'n':
		return JSONR_LITERAL;
	default:
		if (r->buf[r->pos] == '-' || (r->buf[r->pos] >= '0' && r->buf[r->pos] <= '9'))
			return JSONR_NUMBER;
		return JSONR_INVALID;
	}
}

static int
jsonr_expect(struct jsonr *r, char c, const char *what)
{
	jsonr_ws(r);
	if (r->pos >= r->len || r->buf[r->pos] != c)
		return jsonr_fail(r, r->pos, what);
	r->pos++;
	return MESH_OK;
}

int
jsonr_object_begin(struct jsonr *r)
{
	return jsonr_expect(r, '{', "'{' expected");
}

int
jsonr_array_begin(struct jsonr *r)
{
	return jsonr_expect(r, '[', "'[' expected");
}

/* Before element i of a container closed by close: 1, 0 (closed) or error. */
static int
jsonr_next(struct jsonr *r, size_t i, char close, const char *what)
{
	jsonr_ws(r);
	if (r->pos < r->len && r->buf[r->pos] == close) {
		r->pos++;
		return 0;
	}
	if (i > 0) {
		if (r->pos >= r->len || r->buf[r->pos] != ',')
			return jsonr_fail(r, r->pos, what);
		r->pos++;
		jsonr_ws(r);
		if (r->pos < r->len && r->buf[r->pos] == close)
			return jsonr_fail(r, r->pos, "trailing comma");
	}
	if (r->pos >= r->len)
		return jsonr_fail(r, r->pos, "unexpected end of input");
	return 1;
}

int
jsonr_object_next(struct jsonr *r, size_t i, const char **key)
{
	size_t len;
	int n;

	if ((n = jsonr_next(r, i, '}', "',' or '}' expected")) <= 0)
		return n;
	if (r->buf[r->pos] != '"')
		return jsonr_fail(r, r->pos, "string or '}' expected");
	if ((n = jsonr_string(r, key, &len)) != 0 ||
	    (n = jsonr_expect(r, ':', "':' expected")) != 0)
		return n;
	jsonr_ws(r);
	return 1;
}

int
jsonr_array_next(struct jsonr *r, size_t i)
{
	return jsonr_next(r, i, ']', "',' or ']' expected");
}

static int
jsonr_put(struct jsonr *r, size_t at, const char *bytes, size_t n)
{
	if (at + n + 1 > r->scratch_cap) {
		size_t cap = r->scratch_cap ? r->scratch_cap : JSONR_SCRATCH_MIN;
		char *p;

		while (cap < at + n + 1)
			cap *= 2;
		if ((p = realloc(r->scratch, cap)) == NULL)
			return mesh_error_set(r->err, MESH_ERR_NOMEM, 0, 0, "out of memory");
		r->scratch = p;
		r->scratch_cap = cap;
	}
	memcpy(r->scratch + at, bytes, n);
	return MESH_OK;
}

/* Length of the valid UTF-8 sequence at s[0..n), or 0. */
static size_t
jsonr_utf8(const unsigned char *s, size_t n)
{
	uint32_t cp;
	size_t len, k;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		len = 2, cp = s[0] & 0x1F;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
		len = 3, cp = s[0] & 0x0F;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (k = 1; k < len; k++) {
		if ((s[k] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (s[k] & 0x3F);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > UNICODE_MAX ||
	    (cp >= SURROGATE_HI_MIN && cp <= SURROGATE_MAX))
		return 0;
	return len;
}

static int
jsonr_hex4(const char *p, uint32_t *out)
{
	size_t k;

	*out = 0;
	for (k = 0; k < 4; k++) {
		char c = p[k];
		uint32_t v;

		if (c >= '0' && c <= '9')
			v = (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v = (uint32_t)(c - 'A' + 10);
		else
			return -1;
		*out = *out << 4 | v;
	}
	return 0;
}

/* Encode cp as UTF-8 into out; returns the length. */
static size_t
jsonr_encode(uint32_t cp, char out[4])
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | cp >> 12);
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | cp >> 18);
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* The escape at r->pos ('\\'); appends its bytes at *at. */
static int
jsonr_escape(struct jsonr *r, size_t *at)
{
	static const char simple_in[] = "\"\\/bfnrt", simple_out[] = "\"\\/\b\f\n\r\t";
	const char *p = r->buf + r->pos;
	size_t left = r->len - r->pos;
	const char *s;
	char utf8[4];
	uint32_t cp, lo;
	size_t n;
	int e;

	if (left < 2)
		return jsonr_fail(r, r->pos, "unterminated string");
	if (p[1] != 'u') {
		if (p[1] == '\0' || (s = strchr(simple_in, p[1])) == NULL)
			return jsonr_fail(r, r->pos, "invalid escape");
		if ((e = jsonr_put(r, *at, &simple_out[s - simple_in], 1)) != 0)
			return e;
		(*at)++;
		r->pos += 2;
		return MESH_OK;
	}
	if (left < 6 || jsonr_hex4(p + 2, &cp) != 0)
		return jsonr_fail(r, r->pos, "invalid \\u escape");
	n = 6;
	if (cp >= SURROGATE_HI_MIN && cp < SURROGATE_LO_MIN) {
		if (left < 12 || p[6] != '\\' || p[7] != 'u' || jsonr_hex4(p + 8, &lo) != 0 ||
		    lo < SURROGATE_LO_MIN || lo > SURROGATE_MAX)
			return jsonr_fail(r, r->pos, "invalid surrogate pair");
		cp = 0x10000 + ((cp - SURROGATE_HI_MIN) << 10) + (lo - SURROGATE_LO_MIN);
		n = 12;
	} else if (cp >= SURROGATE_LO_MIN && cp <= SURROGATE_MAX) {
		return jsonr_fail(r, r->pos, "invalid surrogate pair");
	}
	if (cp == 0)
		return jsonr_fail(r, r->pos, "\\u0000 is not allowed");
	if ((e = jsonr_put(r, *at, utf8, jsonr_encode(cp, utf8))) != 0)
		return e;
	*at += jsonr_encode(cp, utf8);
	r->pos += n;
	return MESH_OK;
}

int
jsonr_string(struct jsonr *r, const char **out, size_t *len)
{
	size_t at = 0, start;
	int e;

	jsonr_ws(r);
	if (r->pos >= r->len || r->buf[r->pos] != '"')
		return jsonr_fail(r, r->pos, "string expected");
	start = r->pos++;
	for (;;) {
		size_t run = r->pos, k;

		/* copy runs of plain characters in one go */
		while (r->pos < r->len) {
			unsigned char c = (unsigned char)r->buf[r->pos];

			if (c == '"' || c == '\\' || c < 0x20)
				break;
			if (c >= 0x80) {
				if ((k = jsonr_utf8((const unsigned char *)r->buf + r->pos,
					 r->len - r->pos)) == 0)
					return jsonr_fail(r, r->pos, "invalid UTF-8");
				r->pos += k;
			} else {
				r->pos++;
			}
		}
		if ((e = jsonr_put(r, at, r->buf + run, r->pos - run)) != 0)
			return e;
		at += r->pos - run;
		if (r->pos >= r->len)
			return jsonr_fail(r, start, "unterminated string");
		if (r->buf[r->pos] == '"')
			break;
		if (r->buf[r->pos] != '\\')
			return jsonr_fail(r, r->pos, "control character in string");
		if ((e = jsonr_escape(r, &at)) != 0)
			return e;
	}
	r->pos++;
	r->scratch[at] = '\0';
	*out = r->scratch;
	*len = at;
	return MESH_OK;
}

static bool
jsonr_digit(const struct jsonr *r, size_t pos)
{
	return pos < r->len && r->buf[pos] >= '0' && r->buf[pos] <= '9';
}

int
jsonr_number(struct jsonr *r, long long *out, int *is_int)
{
	size_t start, p;
	bool neg, frac = false;
	unsigned long long v = 0;
	bool overflow = false;

	jsonr_ws(r);
	start = p = r->pos;
	neg = p < r->len && r->buf[p] == '-';
	if (neg)
		p++;
	if (!jsonr_digit(r, p))
		return jsonr_fail(r, start, "number expected");
	if (r->buf[p] == '0') {
		p++;
	} else {
		while (jsonr_digit(r, p)) {
			unsigned d = (unsigned)(r->buf[p] - '0');

			if (v > (ULLONG_MAX - d) / 10)
				overflow = true;
			else
				v = v * 10 + d;
			p++;
		}
	}
	if (p < r->len && r->buf[p] == '.') {
		frac = true;
		if (!jsonr_digit(r, ++p))
			return jsonr_fail(r, p, "digit expected");
		while (jsonr_digit(r, p))
			p++;
	}
	if (p < r->len && (r->buf[p] == 'e' || r->buf[p] == 'E')) {
		frac = true;
		p++;
		if (p < r->len && (r->buf[p] == '+' || r->buf[p] == '-'))
			p++;
		if (!jsonr_digit(r, p))
			return jsonr_fail(r, p, "digit expected");
		while (jsonr_digit(r, p))
			p++;
	}
	r->pos = p;
	*is_int = !frac && !overflow && v <= (unsigned long long)LLONG_MAX;
	*out = *is_int ? (neg ? -(long long)v : (long long)v) : 0;
	return MESH_OK;
}

int
jsonr_end(struct jsonr *r)
{
	jsonr_ws(r);
	if (r->pos < r->len)
		return jsonr_fail(r, r->pos, "end of input expected");
	return MESH_OK;
}
