/* dsrlb's XDP steering program for net_af_xdp: redirects only packets for
 * active VIPs (the dsrlb_vips map, kept in step with the published table by
 * the dataplane) to the AF_XDP socket of the receive queue; everything else
 * (ARP, VRRP, health-check replies, management) passes to the kernel. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>

#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "xdp_vip_key.h"

/* The name and shape net_af_xdp looks for (load_custom_xdp_prog). */
struct {
  __uint(type, BPF_MAP_TYPE_XSKMAP);
  __uint(max_entries, 64);
  __type(key, __u32);
  __type(value, __u32);
} xsks_map SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, DSRLB_XDP_MAX_VIP_KEYS);
  __type(key, struct dsrlb_xdp_vip_key);
  __type(value, __u32);
} dsrlb_vips SEC(".maps");

struct vlan_hdr {
  __be16 tci;
  __be16 proto;
};

static __always_inline int is_vip(struct dsrlb_xdp_vip_key* k) {
  return bpf_map_lookup_elem(&dsrlb_vips, k) != 0;
}

/* Destination port of a TCP/UDP header at l4, or -1 if it is cut short. */
static __always_inline int dst_port(void* l4, void* end) {
  if (l4 + 4 > end) return -1;
  return ((__be16*)l4)[1];
}

static __always_inline int to_dataplane(struct xdp_md* ctx) {
  return bpf_redirect_map(&xsks_map, ctx->rx_queue_index, XDP_PASS);
}

/* Looks up (addr, proto, port), then the all-ports and address-only keys. */
static __always_inline int steer(struct xdp_md* ctx,
                                 struct dsrlb_xdp_vip_key* k, __u8 proto,
                                 void* l4, void* end, int fragment,
                                 int icmp_error) {
  if (!fragment && (proto == IPPROTO_TCP || proto == IPPROTO_UDP)) {
    int port = dst_port(l4, end);
    if (port < 0) return XDP_PASS;
    k->proto = proto;
    k->port = (__be16)port;
    if (is_vip(k)) return to_dataplane(ctx);
    k->port = 0;
    if (is_vip(k)) return to_dataplane(ctx);
    return XDP_PASS;
  }
  if (fragment || icmp_error) {
    k->proto = 0;
    k->port = 0;
    if (is_vip(k)) return to_dataplane(ctx);
  }
  return XDP_PASS;
}

SEC("xdp")
int dsrlb_xdp(struct xdp_md* ctx) {
  void* data = (void*)(long)ctx->data;
  void* end = (void*)(long)ctx->data_end;
  struct ethhdr* eth = data;
  if ((void*)(eth + 1) > end) return XDP_PASS;
  __be16 type = eth->h_proto;
  void* l3 = eth + 1;
  if (type == bpf_htons(ETH_P_8021Q) || type == bpf_htons(ETH_P_8021AD)) {
    struct vlan_hdr* vh = l3;
    if ((void*)(vh + 1) > end) return XDP_PASS;
    type = vh->proto;
    l3 = vh + 1;
  }
  struct dsrlb_xdp_vip_key k = {};
  if (type == bpf_htons(ETH_P_IP)) {
    struct iphdr* ip = l3;
    if ((void*)(ip + 1) > end || ip->ihl < 5) return XDP_PASS;
    void* l4 = l3 + ip->ihl * 4;
    __builtin_memcpy(k.addr, &ip->daddr, 4);
    k.family = 4;
    int fragment = (ip->frag_off & bpf_htons(0x3fff)) != 0;
    int icmp_error = 0;
    if (ip->protocol == IPPROTO_ICMP) {
      __u8* icmp = l4;
      if ((void*)(icmp + 1) > end) return XDP_PASS;
      icmp_error = icmp[0] == 3 || icmp[0] == 11; /* unreachable, exceeded */
    }
    return steer(ctx, &k, ip->protocol, l4, end, fragment, icmp_error);
  }
  if (type == bpf_htons(ETH_P_IPV6)) {
    struct ipv6hdr* ip6 = l3;
    if ((void*)(ip6 + 1) > end) return XDP_PASS;
    __builtin_memcpy(k.addr, &ip6->daddr, 16);
    k.family = 6;
    void* l4 = ip6 + 1;
    __u8 next = ip6->nexthdr;
    int fragment = next == 44; /* IPPROTO_FRAGMENT */
    int icmp_error = 0;
    if (next == 58) { /* IPPROTO_ICMPV6 */
      __u8* icmp = l4;
      if ((void*)(icmp + 1) > end) return XDP_PASS;
      icmp_error =
          icmp[0] >= 1 && icmp[0] <= 3; /* unreach, too big, exceeded */
    }
    return steer(ctx, &k, next, l4, end, fragment, icmp_error);
  }
  return XDP_PASS;
}

char _license[] SEC("license") = "Dual BSD/GPL";
