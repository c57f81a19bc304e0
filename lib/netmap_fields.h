/*
 * Syntax of the netmap's fields, one pure predicate per kind of value:
 * node names (DNS labels), domains, logins, tags, UDP endpoints, SSH host
 * keys, free text, and RFC 3339 times.  Internal to the netmap module; the
 * rules are documented in meshssh-netmap(5).
 */
#ifndef MESH_NETMAP_FIELDS_H
#define MESH_NETMAP_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NETMAP_LABEL_MAX       63    /* DNS label, bytes */
#define NETMAP_DOMAIN_MAX      253   /* DNS name, bytes */
#define NETMAP_LOGIN_LOCAL_MAX 64    /* local part of a login, bytes */
#define NETMAP_TEXT_MAX	       256   /* ids, display names, groups, tags, bytes */
#define NETMAP_HOST_KEY_MAX    16384 /* one "type base64" host key line, bytes */

/* Lowercase letters, digits and '-', 1..63 bytes, no '-' at either end. */
bool netmap_field_label(const char *s);
/* Dot-separated labels (as above), at most 253 bytes. */
bool netmap_field_domain(const char *s);
/* local@domain: local of [A-Za-z0-9._+-], domain of letters, digits, '-' and dots. */
bool netmap_field_login(const char *s);
/* "tag:" then a letter, then letters, digits or '-'. */
bool netmap_field_tag(const char *s);
/* "IPv4:port", "[IPv6]:port" or "dns-name:port" with port 1..65535. */
bool netmap_field_endpoint(const char *s);
/* 1..NETMAP_TEXT_MAX bytes, no control characters. */
bool netmap_field_text(const char *s);
/*
 * "TYPE BASE64" where TYPE is a known SSH public key algorithm and the blob
 * decodes and names the same algorithm.  why gets a short reason.
 */
bool netmap_field_host_key(const char *s, const char **why);
/*
 * A WireGuard public key as wg prints it (44 characters of canonical
 * base64), decoded into key.  Not constant time: for public keys only;
 * private keys go through keys_from_base64().
 */
#define NETMAP_FIELD_WG_KEY_LEN	    32
#define NETMAP_FIELD_WG_KEY_B64_LEN 44
bool netmap_field_wg_key(const char *s, uint8_t key[NETMAP_FIELD_WG_KEY_LEN]);
/* RFC 3339 date-time ("2026-12-01T00:00:00Z", offsets and fractions allowed). */
bool netmap_field_time(const char *s, int64_t *out);

#endif
