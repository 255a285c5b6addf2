// JunitReporter: `--junit-xml=F`, JUnit XML as CI systems read it (Jenkins
// flavour). Supervisor only; written atomically at the end of the run.
//
// One <testsuite> per binary and suite. A failed test has <failure>; a
// crashed or timed-out one <error> (type "crashed"/"timed_out", with the
// signal); skipped and not_run tests <skipped>. Output goes to <system-out>
// (tests that did not pass only). Any bytes become valid XML (core/report/xml.h).
#ifndef MPRUN_CORE_REPORT_JUNIT_REPORTER_H_
#define MPRUN_CORE_REPORT_JUNIT_REPORTER_H_

#include <string>

#include "core/report/reporter.h"

namespace mprun::core {

std::string RenderJunitXml(const RunInfo& run, const Ledger& ledger, const RunSummary& summary);

class JunitReporter : public Reporter {
 public:
  explicit JunitReporter(std::string path) : path_(std::move(path)) {}
  void OnRunEnd(const RunInfo& run, const Ledger& ledger, const RunSummary& summary) override;
  const std::string& error() const { return error_; }

 private:
  std::string path_;
  std::string error_;
};

}  // namespace mprun::core

#endif  // MPRUN_CORE_REPORT_JUNIT_REPORTER_H_
