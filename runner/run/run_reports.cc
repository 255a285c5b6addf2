#include "runner/run/run_reports.h"

#include <utility>

#include "core/report/gtest_output.h"
#include "core/report/html_report.h"
#include "core/report/json_reporter.h"
#include "core/report/junit_reporter.h"
#include "core/report/trace_reporter.h"

namespace mprun::runner {

template <typename R, typename... Args>
void Reporters::Add(Args&&... args) {
  auto reporter = std::make_unique<R>(std::forward<Args>(args)...);
  R* r = reporter.get();
  all_.push_back(r);
  failed_.push_back([r] { return !r->error().empty(); });
  owned_.push_back(std::move(reporter));
}

Reporters::Reporters(FILE* console_out, const core::ConsoleOptions& console,
                     const ReportFiles& files) {
  owned_.push_back(std::make_unique<core::ConsoleReporter>(console_out, console));
  all_.push_back(owned_.back().get());
  if (!files.junit.empty()) Add<core::JunitReporter>(files.junit);
  if (!files.trace.empty()) Add<core::TraceReporter>(files.trace);
  if (!files.json.empty()) Add<core::JsonReporter>(files.json);
  if (!files.html.empty()) Add<core::HtmlReporter>(files.html);
  if (!files.gtest_output_path.empty()) {
    Add<core::GtestOutputReporter>(files.gtest_output_format, files.gtest_output_path);
  }
}

Reporters::~Reporters() = default;

bool Reporters::Failed() const {
  for (const auto& failed : failed_) {
    if (failed()) return true;
  }
  return false;
}

}  // namespace mprun::runner
