// Table specs and publishing for the golden tests.
#include "tests/packet/test_table.h"

#include <cstdlib>

#include "common/status_macros.h"
#include "controlplane/tables/table_builder.h"

namespace dsrlb::testing {

IpAddress Ip(const std::string& text) {
  auto a = IpAddress::Parse(text);
  if (!a.ok()) std::abort();  // a typo in a test
  return *a;
}

std::array<uint8_t, 6> MacFromString(const std::string& text) {
  auto m = ParseMac(text);
  if (!m.ok()) std::abort();
  return *m;
}

tables::BackendSpec Backend(const std::string& addr, const std::string& mac,
                            uint32_t weight, dsrlb_backend_state state) {
  tables::BackendSpec b;
  b.address = Ip(addr);
  b.port = 80;
  b.weight = weight;
  b.state = state;
  b.mac = MacFromString(mac);
  return b;
}

absl::StatusOr<uint64_t> Publish(const std::string& path,
                                 const tables::TableSpec& spec,
                                 const shm::StatsRegion* stats) {
  auto writer = shm::TableWriter::Open(path);
  if (absl::IsNotFound(writer.status()))
    writer = shm::TableWriter::Create(
        path, tables::GrownGeometry(tables::NeededGeometry(spec)));
  if (!writer.ok()) return writer.status();
  RETURN_IF_ERROR(tables::PublishSpec(*writer, spec, stats));
  return writer->region().LoadGeneration();
}

absl::StatusOr<std::unique_ptr<TableSnapshot>> OpenTable(
    const std::string& path) {
  auto t = std::make_unique<TableSnapshot>();
  ASSIGN_OR_RETURN(t->file, shm::MappedFile::Open(path, /*writable=*/false));
  ASSIGN_OR_RETURN(
      t->region, shm::TableRegion::FromMemory(t->file.data(), t->file.size()));
  ASSIGN_OR_RETURN(t->slot, t->region.ValidatedCurrent());
  return t;
}

}  // namespace dsrlb::testing
