#include "runner/commands/merge_command.h"

#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/input/history_file.h"
#include "core/input/options.h"
#include "core/report/console_reporter.h"
#include "core/report/json_reporter.h"
#include "core/report/junit_reporter.h"
#include "core/report/report_reader.h"
#include "core/results.h"
#include "runner/run/run_reports.h"

namespace mprun::runner {

namespace {

constexpr int kUsage = static_cast<int>(core::ExitStatus::kUsage);

std::string FileName(const std::string& path) { return path.substr(path.rfind('/') + 1); }

// --history: the merged results recorded as a run records its own, into
// the section of each binary's file name (in one write), for the next run's
// shards to split by. A test of several iterations adds a duration for each.
bool RecordHistory(const std::string& path, const core::RunInfo& run,
                   const std::vector<core::TestResult>& results, std::string* err) {
  std::map<std::string, std::vector<uint32_t>> by_file;
  for (uint32_t t = 0; t < run.tests.size(); ++t) {
    by_file[FileName(run.binaries[run.tests[t].binary])].push_back(t);
  }
  // Per file: its distinct tests, and the row of each merged result.
  std::vector<std::vector<core::TestName>> tests(by_file.size());
  std::vector<std::pair<size_t, size_t>> row(run.tests.size());  // section, row
  std::vector<core::History::Binary> sections;
  size_t section = 0;
  for (const auto& [file, merged] : by_file) {
    std::map<std::string, size_t> row_of_name;
    for (uint32_t t : merged) {
      const core::TestName& test = run.tests[t];
      const auto [it, added] = row_of_name.emplace(test.FullName(), tests[section].size());
      if (added) tests[section].push_back(test);
      row[t] = {section, it->second};
    }
    sections.push_back({file, &tests[section]});
    ++section;
  }
  std::string warning;
  core::History history = core::History::Load(path, sections, &warning);
  if (!warning.empty()) std::fprintf(stderr, "mprun merge: warning: %s\n", warning.c_str());
  for (uint32_t t = 0; t < run.tests.size(); ++t) {
    const core::TestResult& r = results[t];
    if (r.outcome == core::Outcome::kNotRun) continue;  // says nothing about the test
    history.Record(row[t].first, row[t].second, static_cast<double>(r.duration_ns) / 1e6, r.outcome,
                   r.flaky);
  }
  return sections.empty() || history.Save(path, err);
}

// The combined reports through the console and the --json and --junit-xml
// reporters, as a run would have told them; false when a file could not be
// written (its reporter said why).
bool Report(const core::MergeOptions& opts, const core::MergedReports& reports,
            core::Ledger* ledger) {
  core::ConsoleOptions console_options;
  console_options.verbosity = opts.verbosity;
  console_options.mode = core::ConsoleOptions::Mode::kNone;
  ReportFiles files;
  files.json = opts.json_path;
  files.junit = opts.junit_path;
  const Reporters reporter_set(stdout, console_options, files);
  const std::vector<core::Reporter*>& reporters = reporter_set.all();
  const core::RunInfo& run = reports.run;
  for (core::Reporter* r : reporters) r->OnRunStart(run);
  for (uint32_t t = 0; t < reports.results.size(); ++t) {
    ledger->Record(t, reports.results[t]);
    for (core::Reporter* r : reporters) r->OnTestFinished(run, t, reports.results[t]);
  }
  for (core::Reporter* r : reporters) r->OnRunEnd(run, *ledger, reports.summary);
  return !reporter_set.Failed();
}

int UsageError(const std::string& err) {
  std::fprintf(stderr, "%s%s\n", core::ErrorPrefix(core::Command::kMerge).c_str(), err.c_str());
  return kUsage;
}

}  // namespace

int RunMerge(int argc, char** argv) {
  core::MergeOptions opts;
  std::string err;
  if (!core::ParseMergeOptions(argc, argv, &opts, &err)) return UsageError(err);
  if (opts.help) {
    std::fputs(core::MergeHelp(), stdout);
    return 0;
  }
  core::MergedReports reports;
  if (!core::ReadReports(opts.inputs, &reports, &err)) return UsageError(err);
  core::Ledger ledger(reports.run.tests.size());
  if (!Report(opts, reports, &ledger)) return kUsage;
  if (!opts.history_path.empty() &&
      !RecordHistory(opts.history_path, reports.run, reports.results, &err)) {
    return UsageError("--history: " + err);
  }
  return static_cast<int>(core::StatusOf(ledger, reports.summary));
}

}  // namespace mprun::runner
