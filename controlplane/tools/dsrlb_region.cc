// dsrlb-region: decode the table and stats regions for a person (or --json
// for a script), and publish a JSON table spec for demos and tests.
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/status/status.h"
#include "common/status_macros.h"
#include "controlplane/tables/region_decoder.h"
#include "controlplane/tables/spec_json.h"
#include "controlplane/tables/table_builder.h"
#include "dataplane/shm/mapped_file.h"

namespace {

constexpr char kUsage[] =
    "usage: dsrlb-region table PATH [--json]     decode a table region\n"
    "       dsrlb-region stats PATH [--json]     decode a stats region\n"
    "       dsrlb-region publish SPEC.json PATH  publish a JSON table spec\n"
    "                                            (creates PATH if missing)\n";

absl::Status DecodeTableCmd(const std::string& path, bool as_json) {
  ASSIGN_OR_RETURN(dsrlb::shm::MappedFile file,
                   dsrlb::shm::MappedFile::Open(path, /*writable=*/false));
  auto region = dsrlb::shm::TableRegion::FromMemory(file.data(), file.size());
  if (!region.ok())
    return absl::Status(region.status().code(),
                        path + ": " + std::string(region.status().message()));
  ASSIGN_OR_RETURN(nlohmann::json j, dsrlb::tables::DecodeTable(*region));
  std::fputs(as_json ? (j.dump(2) + "\n").c_str()
                     : dsrlb::tables::FormatTable(j).c_str(),
             stdout);
  return absl::OkStatus();
}

absl::Status DecodeStatsCmd(const std::string& path, bool as_json) {
  ASSIGN_OR_RETURN(dsrlb::shm::StatsRegion region,
                   dsrlb::shm::StatsRegion::Open(path));
  nlohmann::json j = dsrlb::tables::DecodeStats(region);
  std::fputs(as_json ? (j.dump(2) + "\n").c_str()
                     : dsrlb::tables::FormatStats(j).c_str(),
             stdout);
  return absl::OkStatus();
}

absl::Status PublishCmd(const std::string& spec_path, const std::string& path) {
  std::ifstream in(spec_path);
  if (!in) return absl::NotFoundError("cannot read " + spec_path);
  std::stringstream text;
  text << in.rdbuf();
  ASSIGN_OR_RETURN(dsrlb::tables::TableSpec spec,
                   dsrlb::tables::ParseTableSpecJson(text.str()));
  auto writer = dsrlb::shm::TableWriter::Open(path);
  if (absl::IsNotFound(writer.status()))
    writer = dsrlb::shm::TableWriter::Create(
        path,
        dsrlb::tables::GrownGeometry(dsrlb::tables::NeededGeometry(spec)));
  if (!writer.ok()) return writer.status();
  RETURN_IF_ERROR(dsrlb::tables::PublishSpec(*writer, spec, nullptr));
  std::printf(
      "published generation %llu to %s\n",
      static_cast<unsigned long long>(writer->region().LoadGeneration()),
      path.c_str());
  return absl::OkStatus();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 &&
      (std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (argc < 3) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  std::string cmd = argv[1];
  bool as_json = argc > 3 && std::string(argv[3]) == "--json";
  absl::Status st;
  if (cmd == "table") {
    st = DecodeTableCmd(argv[2], as_json);
  } else if (cmd == "stats") {
    st = DecodeStatsCmd(argv[2], as_json);
  } else if (cmd == "publish" && argc == 4) {
    st = PublishCmd(argv[2], argv[3]);
  } else {
    std::fputs(kUsage, stderr);
    return 2;
  }
  if (!st.ok()) {
    std::fprintf(stderr, "dsrlb-region: %s\n",
                 std::string(st.message()).c_str());
    return 1;
  }
  return 0;
}
