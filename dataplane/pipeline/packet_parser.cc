// Frame parser (work in progress).
#include "dataplane/pipeline/packet_parser.h"

namespace dsrlb::dataplane {

void ParseFrame(const uint8_t*, uint32_t, ParsedPacket* out) {
  out->kind = ParsedPacket::Kind::kDrop;
  out->drop = DSRLB_DROP_TRUNCATED;
}

}  // namespace dsrlb::dataplane
