/*
 * Agent forwarding (ssh -A).  A directory made with mkdtemp under /tmp and a
 * socket inside it, both owned by the user and private to them, as sshd
 * does; each connection to it becomes an "auth-agent@openssh.com" channel to
 * the client.  Removed when the connection ends.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "conn.h"
#include "log.h"

#define SSHD_AGENT_DIR_TEMPLATE "/tmp/ssh-XXXXXX"
#define SSHD_AGENT_BACKLOG	16
#define SSHD_AGENT_DIR_MODE	0700
#define SSHD_AGENT_SOCK_MODE	0600

static int
sshd_agent_accept_cb(socket_t fd, int revents, void *userdata)
{
	struct sshd_conn *c = userdata;
	struct sshd_chan *ch;
	int cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (cfd < 0)
		return 0;
	ch = sshd_chan_new(c, SSHD_CHAN_AGENT);
	if (ch == NULL || (ch->ch = ssh_channel_new(c->session)) == NULL) {
		(void)close(cfd);
		if (ch)
			ch->dead = true;
		return 0;
	}
	ch->opening = true;
	ch->in_fd = ch->out_fd = cfd;
	ch->err_eof = true;
	ch->started = true;
	return 0;
}

int
sshd_agent_start(struct sshd_conn *c)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	char tmpl[] = SSHD_AGENT_DIR_TEMPLATE;
	int fd = -1;

	if (c->agent_fd >= 0)
		return MESH_OK;
	if (mkdtemp(tmpl) == NULL)
		return MESH_ERR_IO;
	if ((c->agent_dir = strdup(tmpl)) == NULL)
		goto fail;
	if (snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/agent.%ld", tmpl, (long)getpid()) >=
	    (int)sizeof(sun.sun_path))
		goto fail;
	if ((c->agent_path = strdup(sun.sun_path)) == NULL)
		goto fail;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0 ||
	    listen(fd, SSHD_AGENT_BACKLOG) != 0)
		goto fail;
	/* the directory was created 0700 by root: hand both to the user */
	if (chmod(sun.sun_path, SSHD_AGENT_SOCK_MODE) != 0 ||
	    lchown(sun.sun_path, c->uid, c->gid) != 0 || chown(tmpl, c->uid, c->gid) != 0 ||
	    chmod(tmpl, SSHD_AGENT_DIR_MODE) != 0)
		goto fail;
	if (ssh_event_add_fd(c->event, fd, POLLIN, sshd_agent_accept_cb, c) != SSH_OK)
		goto fail;
	c->agent_fd = fd;
	log_debug("agent forwarding socket %s", c->agent_path);
	return MESH_OK;
fail:
	log_error("agent forwarding for %s: %s", c->user, strerror(errno));
	if (fd >= 0)
		(void)close(fd);
	if (c->agent_path)
		(void)unlink(c->agent_path);
	(void)rmdir(tmpl);
	free(c->agent_path);
	free(c->agent_dir);
	c->agent_path = c->agent_dir = NULL;
	return MESH_ERR_IO;
}

void
sshd_agent_stop(struct sshd_conn *c)
{
	if (c->agent_fd >= 0) {
		(void)ssh_event_remove_fd(c->event, c->agent_fd);
		(void)close(c->agent_fd);
		c->agent_fd = -1;
	}
	if (c->agent_path || c->agent_dir) {
		/*
		 * The directory is the user's by now: remove with the user's
		 * file-system rights, so a symlink the user put in its place
		 * cannot make root unlink elsewhere (as sshd does).
		 */
		gid_t ogid = (gid_t)setfsgid(c->gid);
		uid_t ouid = (uid_t)setfsuid(c->uid);

		if (c->agent_path)
			(void)unlink(c->agent_path);
		if (c->agent_dir)
			(void)rmdir(c->agent_dir);
		(void)setfsuid(ouid);
		(void)setfsgid(ogid);
	}
	free(c->agent_path);
	free(c->agent_dir);
	c->agent_path = c->agent_dir = NULL;
}
