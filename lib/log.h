/*
 * One logging module for every program: syslog and/or stderr, lines of the
 * form "component: what: why".  The *_f variants prefix the calling function,
 * as OpenSSH's debug3_f does.  Log lines are an interface: the auth lines of
 * meshsshd keep OpenSSH's wording so existing tools (fail2ban) keep working.
 */
#ifndef MESH_LOG_H
#define MESH_LOG_H

#include <stdbool.h>

enum mesh_log_level {
	MESH_LOG_ERROR = 0,
	MESH_LOG_WARN,
	MESH_LOG_INFO,
	MESH_LOG_VERBOSE,
	MESH_LOG_DEBUG,
	MESH_LOG_DEBUG2,
	MESH_LOG_DEBUG3,
};

struct mesh_log_opts {
	const char *ident;	   /* program name, e.g. "meshsshd" */
	enum mesh_log_level level; /* messages above this are dropped */
	bool to_stderr;
	bool to_syslog;
	int facility; /* syslog facility, e.g. LOG_AUTH */
};

void mesh_log_init(const struct mesh_log_opts *opts);
void mesh_log_set_level(enum mesh_log_level level);
enum mesh_log_level mesh_log_get_level(void);
/* Parse "ERROR", "INFO", "DEBUG3"... (case-insensitive); -1 if unknown. */
int mesh_log_level_parse(const char *name);
/* The name mesh_log_level_parse reads back ("INFO", "DEBUG2", ...). */
const char *mesh_log_level_name(enum mesh_log_level level);
/* Prefix every following line with "[tag] " (e.g. a connection id); NULL clears. */
void mesh_log_set_tag(const char *tag);

void mesh_log(enum mesh_log_level level, const char *func, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define log_error(...)	  mesh_log(MESH_LOG_ERROR, NULL, __VA_ARGS__)
#define log_warn(...)	  mesh_log(MESH_LOG_WARN, NULL, __VA_ARGS__)
#define log_info(...)	  mesh_log(MESH_LOG_INFO, NULL, __VA_ARGS__)
#define log_verbose(...)  mesh_log(MESH_LOG_VERBOSE, NULL, __VA_ARGS__)
#define log_debug(...)	  mesh_log(MESH_LOG_DEBUG, NULL, __VA_ARGS__)
#define log_error_f(...)  mesh_log(MESH_LOG_ERROR, __func__, __VA_ARGS__)
#define log_warn_f(...)	  mesh_log(MESH_LOG_WARN, __func__, __VA_ARGS__)
#define log_debug_f(...)  mesh_log(MESH_LOG_DEBUG, __func__, __VA_ARGS__)
#define log_debug2_f(...) mesh_log(MESH_LOG_DEBUG2, __func__, __VA_ARGS__)
#define log_debug3_f(...) mesh_log(MESH_LOG_DEBUG3, __func__, __VA_ARGS__)

#endif
