// dsrlb_flow_hash() and dsrlb_ring_index() against the committed table
// golden/flow_hash_vectors.txt, which golden/flow_hash_vectors.py computed
// from the specification in dsrlb_shm.h without the C code. A changed hash
// fails here; changing it on purpose means a new DSRLB_HASH_* value and a
// regenerated table.
#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "dataplane/shm/dsrlb_shm.h"

namespace {

constexpr uint32_t kRingSizes[] = {13, 1009, 65537, 4294967291u};

struct Vector {
  std::string line;
  uint8_t family;
  uint8_t src[16] = {};
  uint8_t dst[16] = {};
  uint16_t sport, dport;
  uint8_t proto;
  int persistent;
  uint64_t seed, hash;
  uint32_t ring[4];
};

bool ParseAddress(int family, const std::string& text, uint8_t* out) {
  return inet_pton(family == 4 ? AF_INET : AF_INET6, text.c_str(), out) == 1;
}

std::vector<Vector> LoadVectors() {
  std::ifstream in(std::string(GOLDEN_DIR) + "/flow_hash_vectors.txt");
  std::vector<Vector> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream f(line);
    Vector v;
    v.line = line;
    int family, sport, dport, proto;
    std::string src, dst, seed, hash;
    f >> family >> src >> dst >> sport >> dport >> proto >> v.persistent >>
        seed >> hash >> v.ring[0] >> v.ring[1] >> v.ring[2] >> v.ring[3];
    EXPECT_FALSE(f.fail()) << line;
    EXPECT_TRUE(ParseAddress(family, src, v.src)) << line;
    EXPECT_TRUE(ParseAddress(family, dst, v.dst)) << line;
    v.family = family == 4 ? DSRLB_AF_INET : DSRLB_AF_INET6;
    v.sport = static_cast<uint16_t>(sport);
    v.dport = static_cast<uint16_t>(dport);
    v.proto = static_cast<uint8_t>(proto);
    v.seed = std::strtoull(seed.c_str(), nullptr, 16);
    v.hash = std::strtoull(hash.c_str(), nullptr, 16);
    out.push_back(v);
  }
  return out;
}

TEST(FlowHashGolden, TableCoversBothFamiliesPersistentAndNot) {
  std::vector<Vector> vectors = LoadVectors();
  ASSERT_EQ(vectors.size(), 48u);  // 6 tuples x 2 persistence x 4 seeds
  int kinds[2][2] = {};
  for (const Vector& v : vectors)
    kinds[v.family == DSRLB_AF_INET6][v.persistent]++;
  for (auto& family : kinds)
    for (int n : family) EXPECT_EQ(n, 12);
}

TEST(FlowHashGolden, FlowHashMatchesTheIndependentImplementation) {
  for (const Vector& v : LoadVectors()) {
    EXPECT_EQ(dsrlb_flow_hash(v.seed, v.family, v.src, v.dst, v.sport, v.dport,
                              v.proto, v.persistent),
              v.hash)
        << v.line;
  }
}

TEST(FlowHashGolden, RingIndexMatchesTheIndependentImplementation) {
  for (const Vector& v : LoadVectors()) {
    for (int i = 0; i < 4; i++) {
      EXPECT_EQ(dsrlb_ring_index(v.hash, kRingSizes[i]), v.ring[i])
          << "ring size " << kRingSizes[i] << ": " << v.line;
    }
  }
}

TEST(FlowHashGolden, PersistentHashIgnoresPortsAndDestination) {
  for (const Vector& v : LoadVectors()) {
    if (!v.persistent) continue;
    uint8_t other[16] = {1, 2, 3, 4};
    EXPECT_EQ(dsrlb_flow_hash(v.seed, v.family, v.src, other, 7, 9, 17, 1),
              v.hash)
        << v.line;
  }
}

}  // namespace
