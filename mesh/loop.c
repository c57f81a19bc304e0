/*
 * meshd's event loop: one thread, epoll over the TUN device, the UDP socket,
 * the UAPI socket and a signalfd.  Each wakeup drains up to WG_LOOP_BUDGET
 * packets from a source in batches (TUN reads are per packet; UDP uses
 * recvmmsg), encrypts or decrypts in place, and flushes the transmit batch
 * with one sendmmsg.  Timers are a deadline computed after every wakeup.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "error.h"
#include "log.h"
#include "tun_gso.h"

#define MS_PER_SEC	 1000
#define NS_PER_MS	 1000000
#define LOOP_MAX_WAIT_MS 1000
#define TUN_READ_LEN	 (TUN_VNET_HDR_LEN + 65536)

static struct meshd *
meshd_of(struct wg_device *dev)
{
	return (struct meshd *)dev->io.ctx;
}

static void
meshd_flush(struct wg_device *dev)
{
	struct meshd *d = meshd_of(dev);

	if (dev->ntx)
		(void)udp_send_batch(&d->udp, dev->tx, dev->ntx);
	dev->ntx = 0;
}

/* One packet to the TUN device (behind its virtio_net_hdr when tun_vnet). */
static void
meshd_tun_write_raw(void *ctx, const uint8_t *buf, size_t len)
{
	struct meshd *d = ctx;

	d->tun_writes++;
	/* a full TUN queue drops, as a full NIC ring would */
	(void)!write(d->tun_fd, buf, len);
}

static void
meshd_tun_write(struct wg_device *dev, const uint8_t *pkt, size_t len)
{
	struct meshd *d = meshd_of(dev);

	d->tun_written++;
	/* joined with the batch's other segments of its flow; written by loop_udp */
	if (d->tun_gro)
		tun_gro_add(d->tun_gro, pkt, len, meshd_tun_write_raw, d);
	else
		meshd_tun_write_raw(d, pkt, len);
}

void
meshd_clock(struct meshd *d)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	d->dev.now_ms = (uint64_t)ts.tv_sec * MS_PER_SEC + (uint64_t)ts.tv_nsec / NS_PER_MS;
	clock_gettime(CLOCK_REALTIME, &d->dev.now_wall);
}

static int
epoll_add(int ep, int fd)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.fd = fd;
	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0 ? MESH_ERR_IO : 0;
}

int
meshd_init(struct meshd *d, const char *ifname, uint16_t port, bool offload)
{
	struct wg_device_io io = {meshd_flush, meshd_tun_write, d};
	sigset_t mask;
	int r;

	memset(d, 0, sizeof(*d));
	d->tun_fd = d->uapi_fd = d->epoll_fd = d->signal_fd = d->udp.fd = d->aux_fd = -1;
	if ((r = wg_device_init(&d->dev, &io)) != 0)
		return r;
	d->offload = offload;
	meshd_clock(d);
	d->tun_vnet = offload;
	if ((r = tun_open(ifname, d->ifname, &d->tun_vnet)) < 0)
		return r;
	d->tun_fd = r;
	if ((r = udp_open(&d->udp, port, offload)) != 0)
		return r;
	d->rx_stride = d->udp.gro ? WG_RX_GRO_SLOT_LEN : WG_RX_SLOT_LEN;
	d->rx = malloc(WG_RX_BATCH * d->rx_stride);
	d->tun_buf = malloc(TUN_READ_LEN);
	d->tun_seg = malloc(TUN_SEGMENT_MAX);
	if (d->tun_vnet && (d->tun_gro = malloc(sizeof(*d->tun_gro))) != NULL)
		tun_gro_init(d->tun_gro);
	if (d->rx == NULL || d->tun_buf == NULL || d->tun_seg == NULL ||
	    (d->tun_vnet && d->tun_gro == NULL))
		return MESH_ERR_NOMEM;
	log_verbose("offloads: UDP GSO %s, UDP GRO %s, TUN %s", d->udp.gso ? "on" : "off",
	    d->udp.gro ? "on" : "off", d->tun_vnet ? "on" : "off");
	d->dev.listen_port = d->udp.port;
	if ((r = tun_set_mtu(d->ifname, d->dev.mtu)) != 0 || (r = tun_set_up(d->ifname)) != 0)
		return r;
	if ((r = uapi_listen(d->ifname, d->uapi_path, sizeof(d->uapi_path))) < 0)
		return r;
	d->uapi_fd = r;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((d->signal_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) < 0 ||
	    (d->epoll_fd = epoll_create1(EPOLL_CLOEXEC)) < 0)
		return MESH_ERR_IO;
	if ((r = epoll_add(d->epoll_fd, d->tun_fd)) != 0 ||
	    (r = epoll_add(d->epoll_fd, d->udp.fd)) != 0 ||
	    (r = epoll_add(d->epoll_fd, d->uapi_fd)) != 0 ||
	    (r = epoll_add(d->epoll_fd, d->signal_fd)) != 0)
		return r;
	return 0;
}

void
meshd_destroy(struct meshd *d)
{
	if (d->uapi_fd >= 0) {
		close(d->uapi_fd);
		unlink(d->uapi_path);
	}
	/* closing the TUN descriptor removes the interface */
	if (d->tun_fd >= 0)
		close(d->tun_fd);
	udp_close(&d->udp);
	if (d->epoll_fd >= 0)
		close(d->epoll_fd);
	if (d->signal_fd >= 0)
		close(d->signal_fd);
	wg_device_destroy(&d->dev);
	free(d->rx);
	free(d->tun_buf);
	free(d->tun_seg);
	free(d->tun_gro);
	d->tun_seg = NULL;
	d->tun_gro = NULL;
	d->rx = NULL;
	d->tun_buf = NULL;
}

int
meshd_set_listen_port(struct meshd *d, uint16_t port)
{
	struct udp_sock s;
	int r;

	if (port == d->udp.port && port != 0)
		return 0;
	/* the receive slots were sized for the first socket's GRO */
	if ((r = udp_open(&s, port, d->offload && d->udp.gro)) != 0)
		return r;
	if (d->epoll_fd >= 0) {
		epoll_ctl(d->epoll_fd, EPOLL_CTL_DEL, d->udp.fd, NULL);
		if ((r = epoll_add(d->epoll_fd, s.fd)) != 0) {
			udp_close(&s);
			return r;
		}
	}
	udp_close(&d->udp);
	d->udp = s;
	d->dev.listen_port = s.port;
	return 0;
}

int
meshd_watch_fd(struct meshd *d, int fd, void (*ready)(struct meshd *d))
{
	int r;

	if (d->aux_fd >= 0)
		return MESH_ERR_EXISTS;
	if ((r = epoll_add(d->epoll_fd, fd)) != 0)
		return r;
	d->aux_fd = fd;
	d->aux_ready = ready;
	return 0;
}

static void
loop_tun_emit(void *ctx, const uint8_t *pkt, size_t len)
{
	struct meshd *d = ctx;

	d->tun_packets++;
	wg_device_send_ip(&d->dev, pkt, len);
}

static void
loop_tun(struct meshd *d)
{
	ssize_t n;
	int i;

	for (i = 0; i < WG_LOOP_BUDGET; i++) {
		n = read(d->tun_fd, d->tun_buf, TUN_READ_LEN);
		if (n <= 0)
			break;
		d->tun_reads++;
		if (!d->tun_vnet)
			loop_tun_emit(d, d->tun_buf, (size_t)n);
		else if (tun_gso_segment(d->tun_buf, (size_t)n, d->tun_seg, loop_tun_emit, d) < 0)
			log_debug("%s: malformed offload packet dropped", d->ifname);
	}
	meshd_flush(&d->dev);
}

static void
loop_udp(struct meshd *d)
{
	size_t lens[WG_RX_BATCH], segs[WG_RX_BATCH], off, seg;
	struct wg_endpoint from[WG_RX_BATCH];
	uint8_t *msg;
	int n, i, total = 0;

	while (total < WG_LOOP_BUDGET) {
		n = udp_recv_batch(&d->udp, d->rx, d->rx_stride, lens, segs, from, WG_RX_BATCH);
		if (n <= 0)
			break;
		for (i = 0; i < n; i++) {
			/* a GRO message is datagrams of segs[i] bytes, the last maybe shorter */
			msg = d->rx + (size_t)i * d->rx_stride;
			for (off = 0; off < lens[i]; off += seg) {
				seg = lens[i] - off < segs[i] ? lens[i] - off : segs[i];
				if (seg == 0)
					break;
				wg_device_receive(&d->dev, msg + off, seg, &from[i]);
			}
		}
		total += n;
		if (n < WG_RX_BATCH)
			break;
	}
	if (d->tun_gro)
		tun_gro_flush(d->tun_gro, meshd_tun_write_raw, d);
	meshd_flush(&d->dev);
}

static void
loop_signal(struct meshd *d)
{
	struct signalfd_siginfo si;

	while (read(d->signal_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			d->reload_requested = true;
		} else {
			log_info("signal %u: shutting down", si.ssi_signo);
			log_verbose(
			    "TUN: %llu reads carried %llu packets, %llu writes %llu packets",
			    (unsigned long long)d->tun_reads, (unsigned long long)d->tun_packets,
			    (unsigned long long)d->tun_writes, (unsigned long long)d->tun_written);
			d->running = false;
		}
	}
}

static void
loop_uapi(struct meshd *d)
{
	int fd;

	while ((fd = accept4(d->uapi_fd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
		uapi_serve_client(d, fd);
		close(fd);
		meshd_flush(&d->dev);
	}
}

int
meshd_run(struct meshd *d)
{
	struct epoll_event ev[8];
	uint64_t deadline;
	int n, i, wait;

	d->running = true;
	while (d->running) {
		meshd_clock(d);
		if (d->reload &&
		    (d->reload_requested ||
			(d->reload_interval_ms && d->dev.now_ms >= d->next_reload_ms))) {
			d->reload_requested = false;
			d->next_reload_ms = d->dev.now_ms + d->reload_interval_ms;
			d->reload(d);
		}
		deadline = wg_device_run_timers(&d->dev);
		meshd_flush(&d->dev);
		if (d->reload && d->reload_interval_ms && d->next_reload_ms < deadline)
			deadline = d->next_reload_ms;
		wait = deadline <= d->dev.now_ms		  ? 0
		    : deadline - d->dev.now_ms > LOOP_MAX_WAIT_MS ? LOOP_MAX_WAIT_MS
								  : (int)(deadline - d->dev.now_ms);
		n = epoll_wait(d->epoll_fd, ev, (int)(sizeof(ev) / sizeof(ev[0])), wait);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_error("epoll_wait: %s", strerror(errno));
			return MESH_ERR_IO;
		}
		meshd_clock(d);
		for (i = 0; i < n; i++) {
			if (ev[i].data.fd == d->tun_fd)
				loop_tun(d);
			else if (ev[i].data.fd == d->udp.fd)
				loop_udp(d);
			else if (ev[i].data.fd == d->uapi_fd)
				loop_uapi(d);
			else if (ev[i].data.fd == d->signal_fd)
				loop_signal(d);
			else if (ev[i].data.fd == d->aux_fd && d->aux_ready)
				d->aux_ready(d);
		}
	}
	return 0;
}
