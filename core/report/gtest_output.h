// --gtest_output=xml:F|json:F over a parallel run: ONE file in GoogleTest's
// own schema, so that tools reading gtest output accept it. Supervisor only.
//
// Differences from gtest's own file, on purpose or for lack of data:
// crashed and timed-out tests are failures whose message says so; not_run
// tests are status "notrun"; tests the filter excluded and disabled tests
// are left out; testcases carry no file/line attributes.
#ifndef MPRUN_CORE_REPORT_GTEST_OUTPUT_H_
#define MPRUN_CORE_REPORT_GTEST_OUTPUT_H_

#include <string>
#include <vector>

#include "core/report/reporter.h"

namespace mprun::core {

// One failure (or skip) of a test as gtest reports it: "file:line" and the
// message after it. Parsed back from the text workers send.
struct GtestPart {
  std::string location;  // "file:line", or empty
  std::string message;
  bool skipped = false;
};
std::vector<GtestPart> SplitGtestParts(const std::string& text);

// "xml:F", "json:F", "xml:DIR/" (a file named after the binary in DIR),
// "xml" (test_detail.xml). False with `err` for anything else.
bool ParseGtestOutput(const std::string& spec, const std::string& binary, std::string* format,
                      std::string* path, std::string* err);

std::string RenderGtestXml(const RunInfo& run, const Ledger& ledger, double wall_seconds);
std::string RenderGtestJson(const RunInfo& run, const Ledger& ledger, double wall_seconds);

// Writes the file at the end of each run (each repetition overwrites it, as
// gtest does).
class GtestOutputReporter : public Reporter {
 public:
  GtestOutputReporter(std::string format, std::string path)
      : format_(std::move(format)), path_(std::move(path)) {}
  void OnRunEnd(const RunInfo& run, const Ledger& ledger, const RunSummary& summary) override;
  const std::string& error() const { return error_; }

 private:
  std::string format_, path_, error_;
};

}  // namespace mprun::core

#endif  // MPRUN_CORE_REPORT_GTEST_OUTPUT_H_
