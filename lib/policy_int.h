/*
 * Private to the policy module (lib/policy*.c): the compiled form of a
 * policy.  Every name a rule mentions is interned once at parse time, so a
 * decision compares small integers instead of strings.
 */
#ifndef MESH_POLICY_INT_H
#define MESH_POLICY_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy.h"

/* An interned string table: index <-> name, open-addressing hash. */
struct pol_strtab {
	char **names;
	size_t n, cap;
	uint32_t *slots; /* index + 1; 0 = empty */
	size_t nslots;	 /* power of two */
};

int pol_strtab_add(struct pol_strtab *t, const char *s, size_t len, uint32_t *idx);
/* Index of s, or -1. */
long pol_strtab_find(const struct pol_strtab *t, const char *s);
void pol_strtab_free(struct pol_strtab *t);

struct pol_idx {
	uint32_t *v;
	size_t n;
};

struct pol_rule {
	int index;     /* position in "ssh" */
	unsigned line; /* where it starts in the file */
	enum policy_action action;
	/* src */
	bool src_member, src_tagged;
	struct pol_idx src_logins, src_groups, src_tags;
	/* dst */
	bool dst_self, dst_member, dst_tagged;
	struct pol_idx dst_logins, dst_tags;
	/* users */
	bool users_nonroot;
	struct pol_idx users_literal; /* into hostusers */
	char **localpart_domains;     /* "example.com" */
	size_t nlocalpart;
	int64_t check_period_s;
	char **accept_env; /* NULL-terminated or NULL */
	char **recorders;  /* NULL-terminated or NULL */
	bool enforce_recorder;
};

struct pol_host {
	char *name;
	char *addr; /* as written: "100.64.0.1" or "100.64.0.0/24" */
};

struct pol_pos {
	unsigned line, col;
};

struct pol_sshtest {
	unsigned line, col;
	char *src;
	char **dst;
	struct pol_pos *dst_pos;
	size_t ndst;
	/* accept, check, deny: users and where each is written */
	char **users[3];
	struct pol_pos *pos[3];
	size_t nusers[3];
};

struct policy {
	struct pol_strtab logins, tags, groups, hostusers;
	/* group g's members are logins; login l is in g when bit g of
	 * login_groups[l * group_words] is set */
	struct pol_idx *group_members; /* [ngroup_members] */
	size_t ngroup_members;
	uint64_t *login_groups;
	size_t group_words;
	struct pol_host *hosts;
	size_t nhosts;
	struct pol_rule *rules; /* file order */
	size_t nrules;
	uint32_t *order; /* evaluation order: check rules, then accept rules */
	/*
	 * Candidate rules by destination, as ranks into order[] (ascending):
	 * a decision merges the lists its destination selects instead of
	 * looking at every rule.
	 */
	struct pol_idx *by_dst_tag;   /* [tags.n]: rules naming that tag in dst */
	struct pol_idx by_dst_tagged; /* rules with autogroup:tagged in dst */
	struct pol_idx by_dst_user;   /* autogroup:self, autogroup:member or a login in dst */
	struct pol_sshtest *tests;
	size_t ntests;
};

/* What kind of name a policy string is, by its shape alone. */
enum pol_sel {
	SEL_LOGIN,
	SEL_GROUP,
	SEL_TAG,
	SEL_MEMBER,
	SEL_TAGGED,
	SEL_SELF,
	SEL_NONROOT,
	SEL_AUTOGROUP, /* any other autogroup: */
	SEL_STAR,
	SEL_LOCALPART,
	SEL_OTHER, /* host alias, address, node name, host account */
};

enum pol_sel pol_classify(const char *s);
/* An IPv4/IPv6 address or prefix; *single when it names one address. */
bool pol_parse_addr(const char *s, bool *single);

#endif
