/*
 * The listener's meshssh-shipper: started with the RecordingSink/AuditSink
 * configuration when meshsshd starts, restarted (with a growing delay) when
 * it dies, restarted with the new arguments when a SIGHUP reload changed
 * them, and stopped with SIGTERM when meshsshd stops.  The shipper delivers
 * the spool that the connection processes append to; it is never in a
 * session's path, and it runs at a lower CPU priority (nice 10) than the
 * sessions, whose bursts the spool absorbs.  RecordingShipper none leaves shipping to someone else.
 */
#ifndef MESH_SSHD_SHIPPER_CTL_H
#define MESH_SSHD_SHIPPER_CTL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "sshd_config.h"

#define SSHD_SHIPPER_RESTART_MIN_MS 500	  /* first restart delay after a death */
#define SSHD_SHIPPER_RESTART_MAX_MS 30000 /* the delay doubles up to this */
#define SSHD_SHIPPER_STOP_WAIT_MS   5000  /* SIGTERM, then SIGKILL after this */
#define SSHD_SHIPPER_MAX_ARGS	    48

struct sshd_shipper {
	pid_t pid; /* 0: not running */
	char *argv[SSHD_SHIPPER_MAX_ARGS + 1];
	size_t argc;
	int64_t start_at_ms; /* monotonic; when to (re)start; -1: never */
	unsigned deaths;     /* consecutive unexpected deaths */
	bool replacing;	     /* SIGTERM sent for a reload: start the new one when reaped */
};

void sshd_shipper_init(struct sshd_shipper *s);
/*
 * Take the configuration's sinks and spool: first call, or after a reload.
 * When the arguments changed, a running shipper is told to stop and the new
 * one starts as soon as it is gone.
 */
int sshd_shipper_configure(struct sshd_shipper *s, const struct sshd_config *cfg, const char *host);
/* Start the shipper if it should run and its time has come. */
void sshd_shipper_tick(struct sshd_shipper *s, int64_t now_ms);
/* A child was reaped: true if it was the shipper (then a restart is scheduled). */
bool sshd_shipper_reaped(struct sshd_shipper *s, pid_t pid, int wstatus, int64_t now_ms);
/* Milliseconds until sshd_shipper_tick has work, -1 when none is due. */
int sshd_shipper_timeout_ms(const struct sshd_shipper *s, int64_t now_ms);
/* Pure: the restart delay after n consecutive deaths (n >= 1). */
int64_t sshd_shipper_backoff_ms(unsigned n);
/* SIGTERM, wait up to SSHD_SHIPPER_STOP_WAIT_MS, SIGKILL; frees the arguments. */
void sshd_shipper_stop(struct sshd_shipper *s);

#endif
