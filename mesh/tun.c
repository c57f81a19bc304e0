/*
 * The TUN device: a layer-3 interface without packet information headers
 * (IFF_TUN | IFF_NO_PI), non-blocking.  The interface lives as long as the
 * descriptor: closing it on shutdown removes the interface.  MTU, link state
 * and addresses are set with the classic ioctls, so meshd needs no netlink
 * code and no ip(8).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/ipv6.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon.h"
#include "error.h"
#include "log.h"
#include "tun_gso.h"

#define TUN_DEVICE "/dev/net/tun"

/*
 * Ask for whole TCP sends (TSO) with checksums left to us; the packets then
 * carry a virtio_net_hdr both ways.  Returns whether the kernel agreed.
 */
static bool
tun_offload(int fd)
{
	unsigned feat = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6;
	int hdr = TUN_VNET_HDR_LEN;

	return ioctl(fd, TUNSETVNETHDRSZ, &hdr) == 0 && ioctl(fd, TUNSETOFFLOAD, feat) == 0;
}

int
tun_open(const char *name, char ifname[IFNAMSIZ], bool *vnet_hdr)
{
	struct ifreq ifr;
	int fd;

	if (strlen(name) >= IFNAMSIZ)
		return MESH_ERR_RANGE;
	if ((fd = open(TUN_DEVICE, O_RDWR | O_NONBLOCK | O_CLOEXEC)) < 0) {
		log_error("open %s: %s", TUN_DEVICE, strerror(errno));
		return MESH_ERR_IO;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI | (*vnet_hdr ? IFF_VNET_HDR : 0);
	memcpy(ifr.ifr_name, name, strlen(name));
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		log_error("create interface %s: %s", name, strerror(errno));
		close(fd);
		return MESH_ERR_IO;
	}
	/* without TSO the packets keep the header but arrive whole and checksummed */
	if (*vnet_hdr && !tun_offload(fd))
		log_verbose("%s: no TUN segmentation offload: %s", name, strerror(errno));
	memcpy(ifname, ifr.ifr_name, IFNAMSIZ);
	ifname[IFNAMSIZ - 1] = '\0';
	return fd;
}

static int
ifreq_ioctl(int family, unsigned long req, struct ifreq *ifr, const char *what)
{
	int s, r = 0;

	if ((s = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return MESH_ERR_IO;
	if (ioctl(s, req, ifr) < 0) {
		log_error("%s on %s: %s", what, ifr->ifr_name, strerror(errno));
		r = MESH_ERR_IO;
	}
	close(s);
	return r;
}

static void
ifreq_name(struct ifreq *ifr, const char *ifname)
{
	memset(ifr, 0, sizeof(*ifr));
	snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "%s", ifname);
}

int
tun_set_mtu(const char *ifname, unsigned mtu)
{
	struct ifreq ifr;

	ifreq_name(&ifr, ifname);
	ifr.ifr_mtu = (int)mtu;
	return ifreq_ioctl(AF_INET, SIOCSIFMTU, &ifr, "set MTU");
}

int
tun_set_up(const char *ifname)
{
	struct ifreq ifr;
	int r;

	ifreq_name(&ifr, ifname);
	if ((r = ifreq_ioctl(AF_INET, SIOCGIFFLAGS, &ifr, "get flags")) != 0)
		return r;
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	return ifreq_ioctl(AF_INET, SIOCSIFFLAGS, &ifr, "set up");
}

static int
tun_add_address4(const char *ifname, const uint8_t *addr, unsigned prefix)
{
	struct sockaddr_in *sin;
	struct ifreq ifr;
	uint32_t mask = prefix ? ~UINT32_C(0) << (32 - prefix) : 0;
	int r;

	ifreq_name(&ifr, ifname);
	sin = (struct sockaddr_in *)&ifr.ifr_addr;
	sin->sin_family = AF_INET;
	memcpy(&sin->sin_addr, addr, 4);
	if ((r = ifreq_ioctl(AF_INET, SIOCSIFADDR, &ifr, "set address")) != 0)
		return r;
	ifreq_name(&ifr, ifname);
	sin = (struct sockaddr_in *)&ifr.ifr_netmask;
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(mask);
	return ifreq_ioctl(AF_INET, SIOCSIFNETMASK, &ifr, "set netmask");
}

/* SIOCSIFADDR / SIOCDIFADDR of one IPv6 address; errno ok (EEXIST, EADDRNOTAVAIL) is no error. */
static int
tun_address6_ioctl(const char *ifname, const uint8_t *addr, unsigned prefix, unsigned long op,
    int ok, const char *what)
{
	struct in6_ifreq req;
	int s, r = 0;

	memset(&req, 0, sizeof(req));
	memcpy(&req.ifr6_addr, addr, 16);
	req.ifr6_prefixlen = prefix;
	if ((req.ifr6_ifindex = (int)if_nametoindex(ifname)) == 0)
		return MESH_ERR_NOTFOUND;
	if ((s = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return MESH_ERR_IO;
	if (ioctl(s, op, &req) < 0 && errno != ok) {
		log_error("%s IPv6 address on %s: %s", what, ifname, strerror(errno));
		r = MESH_ERR_IO;
	}
	close(s);
	return r;
}

static int
tun_add_address6(const char *ifname, const uint8_t *addr, unsigned prefix)
{
	return tun_address6_ioctl(ifname, addr, prefix, SIOCSIFADDR, EEXIST, "set");
}

int
tun_add_address(const char *ifname, int family, const uint8_t *addr, unsigned prefix)
{
	if (family == AF_INET && prefix <= 32)
		return tun_add_address4(ifname, addr, prefix);
	if (family == AF_INET6 && prefix <= 128)
		return tun_add_address6(ifname, addr, prefix);
	return MESH_ERR_INVALID;
}

/* Remove one IPv6 address (IPv4 needs no removal: SIOCSIFADDR replaces it). */
int
tun_del_address6(const char *ifname, const uint8_t *addr, unsigned prefix)
{
	return tun_address6_ioctl(ifname, addr, prefix, SIOCDIFADDR, EADDRNOTAVAIL, "remove");
}
