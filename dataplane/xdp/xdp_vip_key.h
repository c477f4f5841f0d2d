/* The key of the XDP program's VIP map, shared by the BPF program and the
 * dataplane that fills the map. Plain C with kernel types so both compile it.
 */
#ifndef DSRLB_DATAPLANE_XDP_XDP_VIP_KEY_H_
#define DSRLB_DATAPLANE_XDP_XDP_VIP_KEY_H_

#include <linux/types.h>

/* proto 0 and port 0: "this address is an active VIP" (ICMP errors and
 * fragments to it go to the dataplane too). port 0 with a protocol: an
 * all-ports VIP. */
struct dsrlb_xdp_vip_key {
  __u8 addr[16]; /* network order; IPv4 in addr[0..3], rest zero */
  __u8 family;   /* 4 or 6 */
  __u8 proto;    /* IPPROTO_TCP / IPPROTO_UDP / 0 */
  __be16 port;   /* network order */
};

#define DSRLB_XDP_VIP_MAP_NAME "dsrlb_vips"
/* One key per VIP plus one per VIP address: as many as the table holds
 * (DSRLB_MAX_VIPS in dsrlb_shm.h). */
#define DSRLB_XDP_MAX_VIP_KEYS (2 * 65535)
#define DSRLB_XDP_PROG_NAME "dsrlb_xdp"

#endif /* DSRLB_DATAPLANE_XDP_XDP_VIP_KEY_H_ */
