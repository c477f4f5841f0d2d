// pcap captures through libpcap (what net_pcap itself uses).
#include "tests/packet/pcap_file.h"

#include <pcap/pcap.h>

#include "absl/strings/str_cat.h"

namespace dsrlb::testing {
namespace {

void Dump(pcap_dumper_t* d, const Frame& f, uint32_t seq) {
  pcap_pkthdr h{};
  h.ts.tv_sec = seq / 1000000;
  h.ts.tv_usec = seq % 1000000;
  h.caplen = h.len = static_cast<uint32_t>(f.size());
  pcap_dump(reinterpret_cast<u_char*>(d), &h, f.data());
}

}  // namespace

absl::Status WritePcap(const std::string& path,
                       const std::vector<Frame>& frames) {
  pcap_t* p = pcap_open_dead(DLT_EN10MB, 65535);
  pcap_dumper_t* d = pcap_dump_open(p, path.c_str());
  if (d == nullptr) {
    std::string err = pcap_geterr(p);
    pcap_close(p);
    return absl::InternalError(absl::StrCat(path, ": ", err));
  }
  uint32_t seq = 0;
  for (const Frame& f : frames) Dump(d, f, seq++);
  pcap_dump_close(d);
  pcap_close(p);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Frame>> ReadPcap(const std::string& path) {
  char err[PCAP_ERRBUF_SIZE];
  pcap_t* p = pcap_open_offline(path.c_str(), err);
  if (p == nullptr) return absl::NotFoundError(absl::StrCat(path, ": ", err));
  std::vector<Frame> out;
  pcap_pkthdr* h;
  const u_char* data;
  while (pcap_next_ex(p, &h, &data) == 1)
    out.emplace_back(data, data + h->caplen);
  pcap_close(p);
  return out;
}

PcapStreamWriter::PcapStreamWriter(FILE* f) : f_(f) {
  // The classic file header (microsecond timestamps, Ethernet).
  struct {
    uint32_t magic = 0xa1b2c3d4;
    uint16_t major = 2, minor = 4;
    int32_t zone = 0;
    uint32_t sigfigs = 0, snaplen = 65535, linktype = DLT_EN10MB;
  } hdr;
  fwrite(&hdr, sizeof(hdr), 1, f_);
  fflush(f_);
}

PcapStreamWriter::~PcapStreamWriter() { Close(); }

void PcapStreamWriter::Write(const std::vector<Frame>& frames) {
  for (const Frame& f : frames) {
    uint32_t rec[4] = {seq_ / 1000000, seq_ % 1000000,
                       static_cast<uint32_t>(f.size()),
                       static_cast<uint32_t>(f.size())};
    seq_++;
    fwrite(rec, sizeof(rec), 1, f_);
    fwrite(f.data(), 1, f.size(), f_);
  }
  fflush(f_);
}

void PcapStreamWriter::Close() {
  if (f_ != nullptr) fclose(f_);
  f_ = nullptr;
}

}  // namespace dsrlb::testing
