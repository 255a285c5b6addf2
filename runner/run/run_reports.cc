#include "runner/run/run_reports.h"

#include <cstdlib>
#include <string_view>
#include <utility>

#include "core/file_io.h"
#include "core/report/gtest_output.h"
#include "core/report/html_report.h"
#include "core/report/json_reporter.h"
#include "core/report/junit_reporter.h"
#include "core/report/trace_reporter.h"

namespace mprun::runner {

namespace {

// The text a LogReporter's console writes, in memory until the run ends
// (then written whole, atomically: never a half log, never through a link).
struct MemoryFile {
  MemoryFile() : file(open_memstream(&text, &size)) {}
  ~MemoryFile() {
    if (file != nullptr) std::fclose(file);
    std::free(text);
  }
  MemoryFile(const MemoryFile&) = delete;
  MemoryFile& operator=(const MemoryFile&) = delete;
  char* text = nullptr;
  size_t size = 0;
  FILE* file;
};

core::ConsoleOptions LogOptions() {
  core::ConsoleOptions o;
  o.mode = core::ConsoleOptions::Mode::kNone;
  o.verbosity = 2;
  return o;
}

// mprun ctest's -O/--output-log FILE: the console as -v prints it (a line
// per test, the output of those that did not pass, the summary).
class LogReporter : private MemoryFile, public core::ConsoleReporter {
 public:
  explicit LogReporter(std::string path)
      : ConsoleReporter(MemoryFile::file != nullptr ? MemoryFile::file : stderr, LogOptions()),
        path_(std::move(path)) {}
  void OnRunEnd(const core::RunInfo& run, const core::Ledger& ledger,
                const core::RunSummary& summary) override {
    if (MemoryFile::file == nullptr) {
      error_ = "no memory for the log";
    } else {
      ConsoleReporter::OnRunEnd(run, ledger, summary);
      std::fflush(MemoryFile::file);
      (void)core::WriteFileAtomically(path_, std::string_view(text, size), &error_);
    }
    if (!error_.empty()) std::fprintf(stderr, "mprun: error: --output-log: %s\n", error_.c_str());
  }
  const std::string& error() const { return error_; }

 private:
  std::string path_, error_;
};

}  // namespace

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
  if (!files.log.empty()) Add<LogReporter>(files.log);
}

Reporters::~Reporters() = default;

bool Reporters::Failed() const {
  for (const auto& failed : failed_) {
    if (failed()) return true;
  }
  return false;
}

}  // namespace mprun::runner
