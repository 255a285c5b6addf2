// ReportReader: mprun's JSON reports (written by core/report/json_reporter.h) read
// back, one or several combined, for `mprun merge` and `mprun report`. Pure
// apart from ReadReports reading the files it is given; any process.
//
// A test of several reports (and the same iteration) stands as the first
// report has it. Shards whose splits were computed from different inputs,
// a test in two reports, a selected test in none, a shard missing from 1..N
// and a report left incomplete are errors of the combined run, each one
// line of `summary.errors` (core/report/shard_cover.h).
#ifndef MPRUN_CORE_REPORT_REPORT_READER_H_
#define MPRUN_CORE_REPORT_REPORT_READER_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/report/shard_cover.h"
#include "core/results.h"

namespace mprun::core {

// Reports read back and combined.
struct MergedReports {
  RunInfo run;
  std::vector<TestResult> results;  // per test of run.tests
  RunSummary summary;
};

class ReportReader {
 public:
  // One report's text; `path` names it in errors. False, with `err` naming
  // the file, when it is not an mprun JSON report or a test of it has no
  // known outcome (then the reader should not be used further).
  bool Add(const std::string& path, const std::string& text, std::string* err);
  // The reports added so far, with the cover's errors.
  MergedReports Finish() const;

 private:
  MergedReports merged_;
  std::map<std::string, uint32_t> binary_index_;
  std::set<std::string> seen_;  // "file/Suite.Test\niteration"
  std::vector<CoverReport> cover_;
  std::map<uint32_t, std::string> shard_files_;  // index -> path
  uint32_t shard_total_ = 0;
};

// The files read and combined; false, with `err` naming the file, when one
// cannot be read or is not an mprun JSON report.
bool ReadReports(const std::vector<std::string>& paths, MergedReports* out, std::string* err);

// --history-from: what an earlier run's report says of the tests `expected`
// knows nothing of (cost_ms 0), matched by binary file name and full name
// (by full name alone when the report's binaries have other names). Each
// such test gets the report's duration as its cost and its longest, and
// goes first only if it failed there. Returns how many tests it filled.
size_t FillFromReport(const MergedReports& report, const RunInfo& run,
                      std::vector<Expectation>* expected);
}  // namespace mprun::core

#endif  // MPRUN_CORE_REPORT_REPORT_READER_H_
