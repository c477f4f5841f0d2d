// Reading and writing pcap captures (libpcap) for the golden tests.
#ifndef DSRLB_TESTS_PACKET_PCAP_FILE_H_
#define DSRLB_TESTS_PACKET_PCAP_FILE_H_

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace dsrlb::testing {

using Frame = std::vector<uint8_t>;

absl::Status WritePcap(const std::string& path,
                       const std::vector<Frame>& frames);
absl::StatusOr<std::vector<Frame>> ReadPcap(const std::string& path);

// Writes a capture into an open stream (e.g. a FIFO the dataplane reads),
// a batch at a time.
class PcapStreamWriter {
 public:
  // Takes ownership of `f`; writes the file header at once.
  explicit PcapStreamWriter(FILE* f);
  ~PcapStreamWriter();
  PcapStreamWriter(const PcapStreamWriter&) = delete;
  PcapStreamWriter& operator=(const PcapStreamWriter&) = delete;
  void Write(const std::vector<Frame>& frames);  // flushed on return
  void Close();

 private:
  FILE* f_;
  uint32_t seq_ = 0;
};

}  // namespace dsrlb::testing

#endif  // DSRLB_TESTS_PACKET_PCAP_FILE_H_
