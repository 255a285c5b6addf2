// Reporters: the listeners of one run, console first, then one per report
// file asked for (core/report/reporter.h); the same set-up for a run (the engine)
// and for `mprun merge`. Supervisor process only.
#ifndef MPRUN_RUNNER_RUN_RUN_REPORTS_H_
#define MPRUN_RUNNER_RUN_RUN_REPORTS_H_

#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/report/console_reporter.h"
#include "core/report/reporter.h"

namespace mprun::runner {

// The report files a run writes ("" for none).
struct ReportFiles {
  std::string junit;  // --junit-xml
  std::string trace;  // --trace
  std::string json;   // --json
  std::string html;   // --html
  // --gtest_output: one merged file in gtest's schema (workers write none).
  std::string gtest_output_format, gtest_output_path;
  // mprun ctest's -O/--output-log: what -v prints, without colour or progress.
  std::string log;
};

class Reporters {
 public:
  Reporters(FILE* console_out, const core::ConsoleOptions& console, const ReportFiles& files);
  ~Reporters();
  Reporters(const Reporters&) = delete;
  Reporters& operator=(const Reporters&) = delete;

  // In the order they hear each event: console, JUnit, trace, JSON, HTML,
  // gtest's format, the log.
  const std::vector<core::Reporter*>& all() const { return all_; }
  // True when a report file could not be written (each said why on stderr).
  bool Failed() const;

 private:
  template <typename R, typename... Args>
  void Add(Args&&... args);

  std::vector<std::unique_ptr<core::Reporter>> owned_;
  std::vector<core::Reporter*> all_;
  std::vector<std::function<bool()>> failed_;
};

}  // namespace mprun::runner

#endif  // MPRUN_RUNNER_RUN_RUN_REPORTS_H_
