// A Catch2 v2 or doctest binary's XML reporter stream, with the tests' own
// prints in it, as driver mode follows it: the first byte picks the
// dialect.
#include "runner/framework/xml_report_follower.h"
#include "tests/fuzz/follower_harness.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using mprun::runner::XmlReportFollower;
  if (size == 0) return 0;
  const mprun::runner::XmlDialect& dialect =
      data[0] & 1 ? mprun::runner::DoctestDialect() : mprun::runner::Catch2Dialect();
  return mprun::fuzz::FuzzFollower(
      data + 1, size - 1,
      [&dialect](mprun::runner::FollowerSink& sink, const std::vector<uint32_t>& group,
                 std::vector<std::string> names) {
        return std::make_unique<XmlReportFollower>(dialect, sink, group, std::move(names));
      },
      {XmlReportFollower::kMaxMessage, XmlReportFollower::kStrayKept}, "a case");
}
