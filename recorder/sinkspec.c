/*
 * Sink specifications (pure): "scheme:target" plus name=value options.
 */
#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sinkspec.h"

#define SINKSPEC_PORT_MAX 65535

static const char *const sink_schemes[] = {
    [SINK_FILE] = "file",
    [SINK_LOKI] = "loki",
    [SINK_HEC] = "hec",
    [SINK_SYSLOG] = "syslog",
    [SINK_SYSLOG_TLS] = "syslog+tls",
};

const char *
sinkspec_scheme(enum sink_type t)
{
	if ((int)t < 0 || (size_t)t >= sizeof(sink_schemes) / sizeof(sink_schemes[0]))
		return "?";
	return sink_schemes[t];
}

static int
copy(char *dst, size_t cap, const char *src, size_t len)
{
	if (len >= cap)
		return MESH_ERR_RANGE;
	memcpy(dst, src, len);
	dst[len] = '\0';
	return MESH_OK;
}

static int
parse_hostport(const char *s, struct sinkspec *out, struct mesh_error *err)
{
	const char *colon, *host = s;
	size_t hlen;
	char *end;
	unsigned long port;

	if (*s == '[') {
		const char *rb = strchr(s, ']');

		if (rb == NULL || rb[1] != ':')
			return mesh_error_set(
			    err, MESH_ERR_INVALID, 0, 0, "sink \"%s\": want [ADDRESS]:PORT", s);
		host = s + 1;
		hlen = (size_t)(rb - host);
		colon = rb + 1;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL)
			return mesh_error_set(
			    err, MESH_ERR_INVALID, 0, 0, "sink \"%s\": want HOST:PORT", s);
		hlen = (size_t)(colon - s);
		if (memchr(s, ':', hlen))
			return mesh_error_set(err, MESH_ERR_INVALID, 0, 0,
			    "sink \"%s\": write IPv6 addresses in brackets: [ADDRESS]:PORT", s);
	}
	if (hlen == 0 || copy(out->host, sizeof(out->host), host, hlen) != 0)
		return mesh_error_set(err, MESH_ERR_INVALID, 0, 0, "sink \"%s\": bad host", s);
	for (size_t i = 0; i < hlen; i++)
		if (host[i] == '/' || host[i] == ' ' || host[i] == '@')
			return mesh_error_set(
			    err, MESH_ERR_INVALID, 0, 0, "sink \"%s\": bad host", s);
	port = strtoul(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || port == 0 || port > SINKSPEC_PORT_MAX)
		return mesh_error_set(err, MESH_ERR_INVALID, 0, 0,
		    "sink \"%s\": port must be 1..%u", s, SINKSPEC_PORT_MAX);
	out->port = (unsigned)port;
	return MESH_OK;
}

static int
parse_url(const char *spec, const char *url, struct sinkspec *out, struct mesh_error *err)
{
	const char *rest;

	if (strncmp(url, "http://", 7) == 0)
		rest = url + 7;
	else if (strncmp(url, "https://", 8) == 0)
		rest = url + 8;
	else
		return mesh_error_set(err, MESH_ERR_INVALID, 0, 0,
		    "sink \"%s\": want an http:// or https:// URL", spec);
	if (*rest == '\0' || *rest == '/')
		return mesh_error_set(
		    err, MESH_ERR_INVALID, 0, 0, "sink \"%s\": URL without a host", spec);
	{
		/* "host:" with no port would silently mean port 80 or 443 */
		size_t hl = strcspn(rest, "/?#");

		if (hl && rest[hl - 1] == ':')
			return mesh_error_set(err, MESH_ERR_INVALID, 0, 0,
			    "sink \"%s\": URL with an empty port", spec);
	}
	for (const char *p = url; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == '"')
			return mesh_error_set(err, MESH_ERR_INVALID, 0, 0,
			    "sink \"%s\": URL with a space or control character", spec);
	if (copy(out->target, sizeof(out->target), url, strlen(url)) != 0)
		return mesh_error_set(err, MESH_ERR_RANGE, 0, 0, "sink \"%s\": URL too long", spec);
	return MESH_OK;
}

static int
parse_opt(const char *spec, const char *opt, struct sinkspec *out, struct mesh_error *err)
{
	static const struct {
		const char *name;
		size_t off, cap;
		unsigned types; /* bit per enum sink_type */
	} opts[] = {
	    {"ca", offsetof(struct sinkspec, ca_file), SINKSPEC_PATH_MAX,
		1u << SINK_LOKI | 1u << SINK_HEC | 1u << SINK_SYSLOG_TLS},
	    {"cert", offsetof(struct sinkspec, cert_file), SINKSPEC_PATH_MAX,
		1u << SINK_LOKI | 1u << SINK_HEC | 1u << SINK_SYSLOG_TLS},
	    {"key", offsetof(struct sinkspec, key_file), SINKSPEC_PATH_MAX,
		1u << SINK_LOKI | 1u << SINK_HEC | 1u << SINK_SYSLOG_TLS},
	    {"token", offsetof(struct sinkspec, token_file), SINKSPEC_PATH_MAX, 1u << SINK_HEC},
	    {"tenant", offsetof(struct sinkspec, tenant), 128, 1u << SINK_LOKI},
	};
	const char *eq = strchr(opt, '=');

	if (eq == NULL || eq == opt || eq[1] == '\0')
		return mesh_error_set(err, MESH_ERR_INVALID, 0, 0,
		    "sink \"%s\": option \"%s\" is not NAME=VALUE", spec, opt);
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		if (strlen(opts[i].name) != (size_t)(eq - opt) ||
		    strncmp(opts[i].name, opt, (size_t)(eq - opt)) != 0)
			continue;
		if (!(opts[i].types & (1u << out->type)))
			return mesh_error_set(err, MESH_ERR_INVALID, 0, 0,
			    "sink \"%s\": option \"%s\" does not apply to %s sinks", spec,
			    opts[i].name, sinkspec_scheme(out->type));
		if (strcmp(opts[i].name, "tenant") != 0 && eq[1] != '/')
			return mesh_error_set(err, MESH_ERR_INVALID, 0, 0,
			    "sink \"%s\": option %s wants an absolute path", spec, opts[i].name);
		if (copy((char *)out + opts[i].off, opts[i].cap, eq + 1, strlen(eq + 1)) != 0)
			return mesh_error_set(err, MESH_ERR_RANGE, 0, 0,
			    "sink \"%s\": option %s is too long", spec, opts[i].name);
		return MESH_OK;
	}
	return mesh_error_set(err, MESH_ERR_INVALID, 0, 0,
	    "sink \"%s\": unknown option \"%.*s\" (known: ca, cert, key, token, tenant)", spec,
	    (int)(eq - opt), opt);
}

int
sinkspec_parse(const char *spec, const char *const *opts, size_t nopts, struct sinkspec *out,
    struct mesh_error *err)
{
	const char *colon = strchr(spec, ':'), *rest;
	size_t slen;
	int r;

	memset(out, 0, sizeof(*out));
	if (colon == NULL)
		return mesh_error_set(err, MESH_ERR_INVALID, 0, 0,
		    "sink \"%s\": want SCHEME:TARGET with SCHEME one of file, loki, hec, syslog, "
		    "syslog+tls",
		    spec);
	slen = (size_t)(colon - spec);
	rest = colon + 1;
	for (size_t i = 0;; i++) {
		if (i == sizeof(sink_schemes) / sizeof(sink_schemes[0]))
			return mesh_error_set(err, MESH_ERR_UNSUPPORTED, 0, 0,
			    "sink \"%s\": unknown scheme \"%.*s\" (file, loki, hec, syslog, "
			    "syslog+tls)",
			    spec, (int)slen, spec);
		if (strlen(sink_schemes[i]) == slen && strncmp(sink_schemes[i], spec, slen) == 0) {
			out->type = (enum sink_type)i;
			break;
		}
	}
	switch (out->type) {
	case SINK_FILE:
		if (rest[0] != '/')
			return mesh_error_set(err, MESH_ERR_INVALID, 0, 0,
			    "sink \"%s\": file sinks want an absolute directory", spec);
		if (copy(out->target, sizeof(out->target), rest, strlen(rest)) != 0)
			return mesh_error_set(
			    err, MESH_ERR_RANGE, 0, 0, "sink \"%s\": path too long", spec);
		break;
	case SINK_LOKI:
	case SINK_HEC:
		if ((r = parse_url(spec, rest, out, err)) != 0)
			return r;
		break;
	case SINK_SYSLOG:
	case SINK_SYSLOG_TLS:
		if ((r = parse_hostport(rest, out, err)) != 0)
			return r;
		if (copy(out->target, sizeof(out->target), rest, strlen(rest)) != 0)
			return mesh_error_set(
			    err, MESH_ERR_RANGE, 0, 0, "sink \"%s\": target too long", spec);
		break;
	}
	for (size_t i = 0; i < nopts; i++)
		if ((r = parse_opt(spec, opts[i], out, err)) != 0)
			return r;
	if ((out->cert_file[0] != 0) != (out->key_file[0] != 0))
		return mesh_error_set(
		    err, MESH_ERR_INVALID, 0, 0, "sink \"%s\": cert= and key= go together", spec);
	return MESH_OK;
}

int
sinkspec_format(const struct sinkspec *s, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s:%s", sinkspec_scheme(s->type), s->target);

	return n < 0 || (size_t)n >= len ? MESH_ERR_RANGE : MESH_OK;
}
