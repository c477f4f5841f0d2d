// libbpf side of the XDP steering program: find its map, fill it, detach it.
#include "dataplane/xdp_vip_map.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "dataplane/xdp/xdp_vip_key.h"

namespace dsrlb::dataplane {
namespace {

struct KeyHash {
  size_t operator()(const dsrlb_xdp_vip_key& k) const {
    uint64_t w[3];
    std::memcpy(w, &k, sizeof(w[0]) * 2);
    w[2] = uint64_t{k.family} | uint64_t{k.proto} << 8 | uint64_t{k.port} << 16;
    return static_cast<size_t>(dsrlb_hash_words(0, w, 3));
  }
};
struct KeyEq {
  bool operator()(const dsrlb_xdp_vip_key& a,
                  const dsrlb_xdp_vip_key& b) const {
    return std::memcmp(&a, &b, sizeof(a)) == 0;
  }
};
using KeySet = absl::flat_hash_set<dsrlb_xdp_vip_key, KeyHash, KeyEq>;

absl::Status Errno(const std::string& what, int err) {
  return absl::InternalError(absl::StrCat(what, ": ", std::strerror(err)));
}

}  // namespace

absl::StatusOr<AttachedXdp> QueryAttachedXdp(int ifindex) {
  AttachedXdp a;
  if (bpf_xdp_query_id(ifindex, 0, &a.prog_id) != 0)
    return Errno("querying the interface's XDP program", errno);
  if (a.prog_id == 0) return a;
  int fd = bpf_prog_get_fd_by_id(a.prog_id);
  if (fd < 0) return a;
  bpf_prog_info info{};
  uint32_t len = sizeof(info);
  if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0) a.name = info.name;
  close(fd);
  return a;
}

absl::Status DetachXdp(int ifindex, uint32_t prog_id) {
  auto a = QueryAttachedXdp(ifindex);
  if (!a.ok()) return a.status();
  if (a->prog_id != prog_id || prog_id == 0) return absl::OkStatus();
  if (bpf_xdp_detach(ifindex, 0, nullptr) != 0)
    return Errno("detaching the XDP program", errno);
  return absl::OkStatus();
}

absl::StatusOr<XdpVipMap> XdpVipMap::Open(int ifindex) {
  uint32_t prog_id = 0;
  if (bpf_xdp_query_id(ifindex, 0, &prog_id) != 0 || prog_id == 0)
    return absl::NotFoundError(
        "no XDP program attached to the interface after net_af_xdp started");
  int prog_fd = bpf_prog_get_fd_by_id(prog_id);
  if (prog_fd < 0)
    return Errno(absl::StrCat("XDP program id ", prog_id), errno);
  bpf_prog_info info{};
  uint32_t len = sizeof(info);
  uint32_t map_ids[16] = {};
  info.nr_map_ids = 16;
  info.map_ids = reinterpret_cast<uint64_t>(map_ids);
  int rc = bpf_obj_get_info_by_fd(prog_fd, &info, &len);
  int err = errno;
  close(prog_fd);
  if (rc != 0) return Errno("reading the XDP program's maps", err);
  for (uint32_t i = 0; i < info.nr_map_ids && i < 16; i++) {
    int fd = bpf_map_get_fd_by_id(map_ids[i]);
    if (fd < 0) continue;
    bpf_map_info mi{};
    uint32_t mlen = sizeof(mi);
    if (bpf_obj_get_info_by_fd(fd, &mi, &mlen) == 0 &&
        std::strcmp(mi.name, DSRLB_XDP_VIP_MAP_NAME) == 0 &&
        mi.key_size == sizeof(dsrlb_xdp_vip_key))
      return XdpVipMap(fd, prog_id);
    close(fd);
  }
  return absl::NotFoundError(absl::StrCat(
      "the XDP program on the interface (id ", prog_id, ") has no ",
      DSRLB_XDP_VIP_MAP_NAME, " map: is --xdp-prog dsrlb's dsrlb_xdp.bpf.o?"));
}

XdpVipMap::~XdpVipMap() {
  if (fd_ >= 0) close(fd_);
}

absl::StatusOr<uint32_t> XdpVipMap::Sync(const shm::SlotView* table) {
  KeySet want;
  if (table != nullptr) {
    for (uint32_t v = 0; v < table->hdr->num_vips; v++) {
      const dsrlb_vip& vip = table->vips[v];
      if ((vip.flags & DSRLB_VIP_IN_USE) == 0 ||
          (vip.flags & DSRLB_VIP_ACTIVE) == 0)
        continue;
      dsrlb_xdp_vip_key k{};
      std::memcpy(k.addr, vip.addr, vip.family == DSRLB_AF_INET ? 4 : 16);
      k.family = vip.family;
      k.proto = vip.proto;
      k.port = htobe16(vip.port);
      want.insert(k);
      k.proto = 0;
      k.port = 0;
      want.insert(k);
    }
  }
  // Delete what should not be there, then add the rest.
  std::vector<dsrlb_xdp_vip_key> stale;
  dsrlb_xdp_vip_key cur{}, next{};
  const void* prev = nullptr;
  while (bpf_map_get_next_key(fd_, prev, &next) == 0) {
    if (!want.contains(next)) stale.push_back(next);
    cur = next;
    prev = &cur;
  }
  for (const dsrlb_xdp_vip_key& k : stale) bpf_map_delete_elem(fd_, &k);
  uint32_t one = 1;
  for (const dsrlb_xdp_vip_key& k : want)
    if (bpf_map_update_elem(fd_, &k, &one, BPF_ANY) != 0)
      return Errno("updating the XDP VIP map", errno);
  return static_cast<uint32_t>(want.size());
}

}  // namespace dsrlb::dataplane
