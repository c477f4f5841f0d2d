// A flow's TCP state as LVS-DR tracks it from the client's packets alone,
// and which states count as active connections (ipvsadm's ActiveConn).
#ifndef DSRLB_DATAPLANE_PIPELINE_CONN_STATE_H_
#define DSRLB_DATAPLANE_PIPELINE_CONN_STATE_H_

#include <cstdint>

namespace dsrlb::dataplane {

// FlowEntry::conn. kNotConn: a client-affinity entry, no connection.
enum ConnState : uint8_t {
  kNotConn = 0,
  kTcpNone,  // LVS sNO: no flag seen that moves it (none of SYN/FIN/RST/ACK)
  kTcpEstablished,  // the only active state
  kTcpSynRecv,
  kTcpFinWait,
  kTcpTimeWait,
  kTcpClose,
  kUdpConn,  // UDP flows are inactive, as under LVS
};

inline constexpr uint8_t kTcpFin = 0x01;
inline constexpr uint8_t kTcpSyn = 0x02;
inline constexpr uint8_t kTcpRst = 0x04;
inline constexpr uint8_t kTcpAck = 0x10;
// The flags that take a packet off the hit path (they may change any state).
inline constexpr uint8_t kTcpSynFinRst = kTcpSyn | kTcpFin | kTcpRst;

// The state after a client packet with TCP `flags` in state `s` (kTcpNone
// for the first packet of a flow): the INPUT-ONLY rows of the state table
// in Linux's net/netfilter/ipvs/ip_vs_proto_tcp.c, the one LVS uses when it
// sees one direction only (DR), restricted to the states it can reach from
// sNO. RST ranks over SYN over FIN over ACK, as in LVS's tcp_state_idx();
// a packet with none of them changes nothing.
inline ConnState NextTcpState(ConnState s, uint8_t flags) {
  // Columns: kTcpNone, kTcpEstablished, kTcpSynRecv, kTcpFinWait,
  // kTcpTimeWait, kTcpClose (LVS sNO, sES, sSR, sFW, sTW, sCL).
  static constexpr ConnState kSyn[6] = {kTcpSynRecv, kTcpEstablished,
                                        kTcpSynRecv, kTcpSynRecv,
                                        kTcpSynRecv, kTcpSynRecv};
  static constexpr ConnState kFin[6] = {kTcpClose,   kTcpFinWait,  kTcpTimeWait,
                                        kTcpFinWait, kTcpTimeWait, kTcpClose};
  static constexpr ConnState kAck[6] = {kTcpEstablished, kTcpEstablished,
                                        kTcpEstablished, kTcpFinWait,
                                        kTcpTimeWait,    kTcpClose};
  static constexpr ConnState kRst[6] = {kTcpClose, kTcpClose, kTcpSynRecv,
                                        kTcpClose, kTcpClose, kTcpClose};
  if (s < kTcpNone || s > kTcpClose) return s;
  const int i = s - kTcpNone;
  if (flags & kTcpRst) return kRst[i];
  if (flags & kTcpSyn) return kSyn[i];
  if (flags & kTcpFin) return kFin[i];
  if (flags & kTcpAck) return kAck[i];
  return s;
}

// NextTcpState(kTcpNone, flags) in one table look-up, for the first packet
// of every new flow: index RST, SYN, FIN (bits 2-0) and ACK (bit 3).
inline ConnState FirstTcpState(uint8_t flags) {
  static constexpr ConnState kFirst[16] = {
      // no ACK: -, FIN, SYN, SYN+FIN, RST, ...
      kTcpNone, kTcpClose, kTcpSynRecv, kTcpSynRecv, kTcpClose, kTcpClose,
      kTcpClose, kTcpClose,
      // with ACK
      kTcpEstablished, kTcpClose, kTcpSynRecv, kTcpSynRecv, kTcpClose,
      kTcpClose, kTcpClose, kTcpClose};
  return kFirst[(flags & 0x07) | ((flags & kTcpAck) >> 1)];
}

inline bool ConnActive(uint8_t s) { return s == kTcpEstablished; }

// Whether a packet without SYN, FIN and RST leaves the state as it is. Only
// such entries may be marked for the hit path, which never looks at the
// state: an ACK moves sNO and SYN_RECV to ESTABLISHED, so those two take the
// general path until it has.
inline bool ConnSteady(uint8_t s) { return s != kTcpNone && s != kTcpSynRecv; }

}  // namespace dsrlb::dataplane

#endif  // DSRLB_DATAPLANE_PIPELINE_CONN_STATE_H_
