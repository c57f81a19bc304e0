/*
 * meshd's shell around the protocol core: the TUN device, the UDP socket,
 * the WireGuard UAPI socket and the event loop that joins them.  Everything
 * here does I/O; the protocol itself is in device.h.
 */
#ifndef MESH_DAEMON_H
#define MESH_DAEMON_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "device.h"
#include "tun_gro.h"

#define WG_RX_BATCH    64   /* datagrams per recvmmsg */
#define WG_RX_SLOT_LEN 2048 /* one received datagram */
/* with UDP GRO one receive may carry this many bytes of same-sized datagrams */
#define WG_RX_GRO_SLOT_LEN 65536
/* UDP GSO: datagrams and bytes per send (the kernel's UDP_MAX_SEGMENTS, IP length) */
#define WG_GSO_MAX_SEGMENTS    64
#define WG_GSO_MAX_BYTES       65000
#define WG_LOOP_BUDGET	       256 /* packets per source before others get a turn */
#define WG_UAPI_DIR	       "/var/run/wireguard"
#define WG_UAPI_TIMEOUT_MS     1000  /* a UAPI client must finish its request in this time */
#define WG_UAPI_MAX_REQUEST    65536 /* bytes */
#define WG_SOCKET_BUFFER_BYTES (4 * 1024 * 1024)

/* TUN (mesh/tun.c) */
/*
 * *vnet_hdr in: ask for TUN offloads; packets then carry a virtio_net_hdr
 * (mesh/tun_gso.h) and may be whole TCP sends.  The flag cannot be taken
 * back once the interface exists, so *vnet_hdr stays as asked.
 */
int tun_open(const char *name, char ifname[IFNAMSIZ], bool *vnet_hdr);
int tun_set_mtu(const char *ifname, unsigned mtu);
int tun_set_up(const char *ifname);
/* Assign addr/prefix (the kernel adds the route for the prefix). */
int tun_add_address(const char *ifname, int family, const uint8_t *addr, unsigned prefix);
int tun_del_address6(const char *ifname, const uint8_t *addr, unsigned prefix);

/* UDP (mesh/udp.c): one dual-stack socket when the host has IPv6. */
struct udp_sock {
	int fd;
	bool v6; /* AF_INET6 with IPV4 mapped */
	uint16_t port;
	bool gso; /* send runs of same-sized datagrams to one peer as one (UDP_SEGMENT) */
	bool gro; /* the kernel may hand us coalesced datagrams (UDP_GRO) */
};
/* offload: try UDP GSO and GRO (used where the kernel supports them). */
int udp_open(struct udp_sock *s, uint16_t port, bool offload);
void udp_close(struct udp_sock *s);
/* Send dev->tx[0..n) with sendmmsg (GSO runs where possible); returns n (UDP drops silently). */
int udp_send_batch(struct udp_sock *s, struct wg_tx_slot *slots, size_t n);
/*
 * Receive up to n messages into bufs (n slots of stride bytes); lens[i],
 * segs[i] (the size of each datagram in a GRO-coalesced message, else
 * lens[i]) and from[i] filled.  Returns count, 0 if none.
 */
int udp_recv_batch(struct udp_sock *s, uint8_t *bufs, size_t stride, size_t *lens, size_t *segs,
    struct wg_endpoint *from, size_t n);

/* The daemon: one device, its descriptors and the loop. */
struct meshd_hooks;
struct meshd {
	struct wg_device dev;
	char ifname[IFNAMSIZ];
	int tun_fd;
	struct udp_sock udp;
	int uapi_fd;
	char uapi_path[108];
	int epoll_fd;
	int signal_fd;
	bool running;
	bool reload_requested;
	bool offload;
	bool tun_vnet;			 /* TUN packets carry a virtio_net_hdr (offloads) */
	uint8_t *tun_seg;		 /* one segment cut from a TSO packet */
	struct tun_gro *tun_gro;	 /* received TCP segments joined per flow (tun_vnet) */
	uint64_t tun_reads, tun_packets; /* what offloads save, logged at exit */
	uint64_t tun_writes, tun_written;
	uint8_t *rx; /* WG_RX_BATCH slots of rx_stride bytes */
	size_t rx_stride;
	uint8_t *tun_buf;
	/* called on SIGHUP and periodically to re-read the netmap; may be NULL */
	void (*reload)(struct meshd *d);
	void *reload_ctx;
	uint64_t reload_interval_ms, next_reload_ms;
	/* one more descriptor for the loop (the netmap fetcher's); -1 if none */
	int aux_fd;
	void (*aux_ready)(struct meshd *d);
};

int meshd_init(struct meshd *d, const char *ifname, uint16_t port, bool offload);
void meshd_destroy(struct meshd *d);
int meshd_set_listen_port(struct meshd *d, uint16_t port);
/* Call ready(d) from the loop whenever fd is readable. */
int meshd_watch_fd(struct meshd *d, int fd, void (*ready)(struct meshd *d));
/* Run until SIGTERM/SIGINT. */
int meshd_run(struct meshd *d);
/* Read the clocks into dev->now_ms / now_wall. */
void meshd_clock(struct meshd *d);

/* UAPI (mesh/uapi.c): the cross-platform wg(8) protocol on a unix socket. */
int uapi_listen(const char *ifname, char *path, size_t pathlen);
void uapi_serve_client(struct meshd *d, int fd);
/* Apply one "set" request body (key=value lines) to d; returns an errno value. */
int uapi_set(struct meshd *d, const char *req, size_t len);
/* Render a "get" reply into a malloc'd string (caller frees). */
char *uapi_get(struct meshd *d);

#endif
