#include "core/json_reporter.h"

#include <algorithm>

#include "core/json.h"
#include "core/shard_cover.h"

namespace mprun::core {

namespace {

constexpr Outcome kOutcomes[] = {Outcome::kPassed,  Outcome::kFailed,   Outcome::kSkipped,
                                 Outcome::kCrashed, Outcome::kTimedOut, Outcome::kNotRun};

void AppendTests(const RunInfo& run, const Ledger& ledger, int iteration, std::string* j) {
  for (uint32_t t = 0; t < ledger.size(); ++t) {
    const TestName& name = run.tests[t];
    static const TestResult kUnfinished;
    const TestResult& r = ledger.Finished(t) ? ledger.Get(t) : kUnfinished;
    *j += j->empty() ? "\n  " : ",\n  ";
    *j += "{\"binary\": ";
    AppendJsonString(j, run.binaries.empty() ? "" : run.binaries[name.binary]);
    *j += ", \"name\": ";
    AppendJsonString(j, name.FullName());
    *j += ", \"outcome\": ";
    AppendJsonString(j, OutcomeName(r.outcome));
    *j += ", \"duration_ms\": ";
    AppendJsonNumber(j, static_cast<double>(r.duration_ns) / 1e6);
    *j += ", \"worker\": " + std::to_string(r.worker);
    *j += ", \"attempts\": " + std::to_string(r.attempts);
    *j += r.flaky ? ", \"flaky\": true" : ", \"flaky\": false";
    *j += ", \"iteration\": " + std::to_string(iteration);
    *j += ", \"start_ms\": ";
    AppendJsonNumber(j, static_cast<double>(r.start_ns) / 1e6);
    *j += ", \"message\": ";
    AppendJsonString(j, r.message);
    *j += ", \"signal\": ";
    AppendJsonString(j, r.signal);
    if (!r.samples_ns.empty()) {
      const Spread spread = SpreadOf(r.samples_ns);
      *j += ", \"repeat\": {\"runs\": " + std::to_string(r.samples_ns.size());
      *j += ", \"median_ms\": ";
      AppendJsonNumber(j, static_cast<double>(spread.median_ns) / 1e6);
      *j += ", \"min_ms\": ";
      AppendJsonNumber(j, static_cast<double>(spread.min_ns) / 1e6);
      *j += ", \"max_ms\": ";
      AppendJsonNumber(j, static_cast<double>(spread.max_ns) / 1e6);
      *j += ", \"samples_ms\": [";
      for (size_t i = 0; i < r.samples_ns.size(); ++i) {
        if (i) *j += ", ";
        AppendJsonNumber(j, static_cast<double>(r.samples_ns[i]) / 1e6);
      }
      *j += "]}";
    }
    if (!r.output.empty()) {
      *j += ", \"output\": ";
      AppendJsonString(j, r.output);
    }
    *j += "}";
  }
}

// One object per repetition: the thresholds, the counts and every test
// whose duration moved.
void AppendPerf(const RunInfo& run, const PerfReport& perf, int iteration, std::string* j) {
  *j += j->empty() ? "\n  " : ",\n  ";
  *j += "{\"iteration\": " + std::to_string(iteration) + ", \"min_relative_pct\": ";
  AppendJsonNumber(j, perf.min_relative_pct);
  *j += ", \"fail_on_slowdown_pct\": ";
  AppendJsonNumber(j, perf.fail_on_slowdown_pct);
  *j += ", \"judged\": " + std::to_string(perf.judged) +
        ", \"without_history\": " + std::to_string(perf.without_history) +
        ", \"failing\": " + std::to_string(perf.failing()) + ", \"moved\": [";
  for (size_t i = 0; i < perf.changes.size(); ++i) {
    const PerfChange& c = perf.changes[i];
    *j += i ? ",\n    " : "\n    ";
    *j += "{\"binary\": ";
    AppendJsonString(j, run.binaries.empty() ? "" : run.binaries[run.tests[c.test].binary]);
    *j += ", \"name\": ";
    AppendJsonString(j, run.tests[c.test].FullName());
    *j += ", \"move\": ";
    AppendJsonString(j, PerfMoveName(c.verdict.move));
    *j += ", \"duration_ms\": ";
    AppendJsonNumber(j, c.verdict.now_ms);
    *j += ", \"history_median_ms\": ";
    AppendJsonNumber(j, c.verdict.median_ms);
    *j += ", \"history_sigma_ms\": ";
    AppendJsonNumber(j, c.verdict.sigma_ms);
    *j += ", \"history_runs\": " + std::to_string(c.verdict.history) + ", \"change_pct\": ";
    AppendJsonNumber(j, c.verdict.change_pct);
    *j += ", \"history_ms\": [";
    for (size_t h = 0; h < c.history_ms.size(); ++h) {
      if (h) *j += ", ";
      AppendJsonNumber(j, c.history_ms[h]);
    }
    *j += "]";
    *j += c.fails ? ", \"fails\": true}" : ", \"fails\": false}";
  }
  *j += "]}";
}

// What the shard's split was computed from (core/shard_cover.h), for
// `mprun merge` to check the cover and name what no shard ran. The selected
// tests go as runs of one suite per binary file name, a few bytes a test:
// {"binary": "unit_test", "suites": [["Suite", "A", "B"], ...]}.
void AppendShardBasis(const ShardBasis& b, std::string* j) {
  *j += ", \"selected\": " + std::to_string(b.tests.size()) + ", \"tests_digest\": ";
  AppendJsonString(j, b.tests_digest);
  *j += b.costs_digest.empty() ? ", \"split\": \"hash\"" : ", \"split\": \"durations\"";
  if (!b.costs_digest.empty()) {
    *j += ", \"costs_digest\": ";
    AppendJsonString(j, b.costs_digest);
  }
  *j += ",\n  \"tests\": [";
  const TestName* prev = nullptr;
  for (const TestName& t : b.tests) {
    if (prev == nullptr || prev->binary != t.binary) {
      *j += prev == nullptr ? "{\"binary\": " : "]]}, {\"binary\": ";
      AppendJsonString(j, b.binaries[t.binary]);
      *j += ", \"suites\": [[";
      AppendJsonString(j, t.suite);
    } else if (prev->suite != t.suite) {
      *j += "], [";
      AppendJsonString(j, t.suite);
    }
    *j += ", ";
    AppendJsonString(j, t.name);
    prev = &t;
  }
  *j += prev == nullptr ? "]" : "]]}]";
}

void AppendStrings(const std::vector<std::string>& strings, std::string* j) {
  *j += "[";
  for (size_t i = 0; i < strings.size(); ++i) {
    if (i) *j += ", ";
    AppendJsonString(j, strings[i]);
  }
  *j += "]";
}

}  // namespace

void JsonReporter::Add(const RunInfo& run, const Ledger& ledger, const RunSummary& summary) {
  ++iterations_;
  processes_ = run.workers;
  shard_ = run.shard;
  shard_basis_ = run.shard_basis;
  wall_seconds_ += summary.wall_seconds;
  interrupted_ = interrupted_ || summary.interrupted;
  total_ += ledger.size();
  const size_t unfinished = ledger.size() - ledger.finished();
  for (Outcome o : kOutcomes) {
    counts_[static_cast<int>(o)] += ledger.Count(o) + (o == Outcome::kNotRun ? unfinished : 0);
  }
  errors_.insert(errors_.end(), summary.errors.begin(), summary.errors.end());
  warnings_.insert(warnings_.end(), summary.warnings.begin(), summary.warnings.end());
  late_results_dropped_ += summary.late_results_dropped;
  flaky_ += ledger.flaky();
  command_line_ = run.command_line;
  host_cpus_ = run.host_cpus;
  usable_cpus_ = run.usable_cpus;
  pinning_ = run.pinning;
  // ExitStatus values rank as the engine ranks them: 0 < 1 < 2 < 130.
  exit_status_ = std::max(exit_status_, static_cast<int>(StatusOf(ledger, summary)));
  AppendTests(run, ledger, iterations_, &tests_);
  if (summary.perf.wanted) AppendPerf(run, summary.perf, iterations_, &perf_);
}

std::string JsonReporter::Render(const RunInfo* run, const Ledger* partial) const {
  JsonReporter now = *this;  // a partial repetition counts without being added for good
  if (partial != nullptr) {
    RunSummary running;
    now.Add(*run, *partial, running);
  }
  const bool complete = partial == nullptr;
  std::string j;
  j += "{\"mprun_version\": ";
  AppendJsonString(&j, kMprunVersion);
  j += ", \"complete\": ";
  j += complete ? "true" : "false";
  j += ", \"processes\": " + std::to_string(now.processes_);
  j += ", \"iterations\": " + std::to_string(now.iterations_);
  if (now.shard_.total > 0) {
    j += ", \"shard\": {\"index\": " + std::to_string(now.shard_.index + 1) +
         ", \"total\": " + std::to_string(now.shard_.total);
    if (now.shard_basis_) AppendShardBasis(*now.shard_basis_, &j);
    j += "}";
  }
  j += ", \"wall_seconds\": ";
  AppendJsonNumber(&j, now.wall_seconds_);
  j += ", \"interrupted\": ";
  j += now.interrupted_ ? "true" : "false";
  // Known only once the run ended: a progress copy has none.
  if (complete) j += ", \"exit_status\": " + std::to_string(now.exit_status_);
  AppendHost(now, &j);
  j += ",\n \"summary\": {\"total\": " + std::to_string(now.total_);
  for (Outcome o : kOutcomes) {
    j += ", \"" + std::string(OutcomeName(o)) +
         "\": " + std::to_string(now.counts_[static_cast<int>(o)]);
  }
  j += ", \"flaky\": " + std::to_string(now.flaky_) + "},\n \"errors\": ";
  AppendStrings(now.errors_, &j);
  j += ",\n \"warnings\": ";
  AppendStrings(now.warnings_, &j);
  j += ",\n \"late_results_dropped\": " + std::to_string(now.late_results_dropped_);
  j += ",\n \"tests\": [" + now.tests_ + "\n]";
  if (!now.perf_.empty()) j += ",\n \"perf\": [" + now.perf_ + "\n]";
  if (!now.worker_starts_.empty()) j += ",\n \"worker_starts\": [" + now.worker_starts_ + "\n]";
  if (!now.steals_.empty()) j += ",\n \"steals\": [" + now.steals_ + "\n]";
  if (!now.quiet_phase_.empty()) j += ",\n \"quiet_phase\": [" + now.quiet_phase_ + "\n]";
  j += "}\n";
  return j;
}

void JsonReporter::AppendHost(const JsonReporter& r, std::string* j) {
  if (!r.command_line_.empty()) {
    *j += ", \"command_line\": ";
    AppendStrings(r.command_line_, j);
  }
  if (r.host_cpus_ > 0) *j += ", \"host_cpus\": " + std::to_string(r.host_cpus_);
  if (r.usable_cpus_ > 0) *j += ", \"usable_cpus\": " + std::to_string(r.usable_cpus_);
  if (!r.pinning_.empty()) {
    *j += ", \"pinning\": ";
    AppendJsonString(j, r.pinning_);
  }
}

namespace {

// One event of the timeline: `{"worker": W, "iteration": I, "at_ms": T` and
// `more` (fields, each led by ", "), closed.
void AppendEvent(std::string* list, int worker, int iteration, uint64_t at_ns,
                 const std::string& more = "") {
  *list += list->empty() ? "\n  " : ",\n  ";
  if (worker >= 0) *list += "{\"worker\": " + std::to_string(worker) + ", ";
  if (worker < 0) *list += "{";
  *list += "\"iteration\": " + std::to_string(iteration) + ", \"at_ms\": ";
  AppendJsonNumber(list, static_cast<double>(at_ns) / 1e6);
  *list += more + "}";
}

}  // namespace

void JsonReporter::OnWorkerStarted(int worker, uint64_t at_ns) {
  // The first start of each worker, and every replacement (a crash, a
  // timeout, --process-restartworker): the timeline marks the restarts. A
  // new process's steals count from 0.
  AppendEvent(&worker_starts_, worker, iterations_ + 1, at_ns);
  if (static_cast<size_t>(worker) < steals_seen_.size()) steals_seen_[worker] = 0;
}

void JsonReporter::OnQuietPhase(uint64_t at_ns) {
  AppendEvent(&quiet_phase_, -1, iterations_ + 1, at_ns);
}

void JsonReporter::Write(const std::string& report, bool completes) {
  std::string err;
  const std::string shaped = shape_ != nullptr ? shape_(report) : std::string();
  const std::string& text = shape_ != nullptr ? shaped : report;
  if (WriteFileAtomically(path_, text, &err)) {
    if (completes) error_.clear();
    return;
  }
  if (completes) {
    error_ = err;
    std::fprintf(stderr, "mprun: error: %s: %s\n", flag_, error_.c_str());
  } else if (!progress_warned_) {
    // An early or in-progress copy is a courtesy to whoever watches the
    // file; failing one (out of descriptors while every worker runs, say)
    // is not the run's error. The write that completes the report decides.
    progress_warned_ = true;
    std::fprintf(stderr, "mprun: warning: %s: %s (the report is written again at the end)\n", flag_,
                 err.c_str());
  }
}

void JsonReporter::OnRunStart(const RunInfo& run) {
  const Ledger nothing_yet(run.tests.size());
  Write(Render(&run, &nothing_yet), false);
  last_written_finished_ = 0;
  last_write_ns_ = 0;
}

void JsonReporter::OnTick(const RunInfo& run, const Ledger& ledger, const Progress& progress) {
  steals_seen_.resize(progress.steals.size(), 0);
  for (size_t w = 0; w < progress.steals.size(); ++w) {
    if (progress.steals[w] <= steals_seen_[w]) continue;
    AppendEvent(&steals_, static_cast<int>(w), iterations_ + 1, progress.elapsed_ns,
                ", \"steals\": " + std::to_string(progress.steals[w] - steals_seen_[w]));
    steals_seen_[w] = progress.steals[w];
  }
  if (ledger.finished() == last_written_finished_ ||
      progress.elapsed_ns < last_write_ns_ + 1'000'000'000) {
    return;
  }
  last_write_ns_ = progress.elapsed_ns;
  last_written_finished_ = ledger.finished();
  Write(Render(&run, &ledger), false);
}

std::string RenderJsonReport(const RunInfo& run, const Ledger& ledger, const RunSummary& summary) {
  JsonReporter one("");
  one.Add(run, ledger, summary);
  return one.Render();
}

void JsonReporter::OnRunEnd(const RunInfo& run, const Ledger& ledger, const RunSummary& summary) {
  // With --gtest_repeat every repetition adds its tests; the file is
  // rewritten (atomically) after each.
  Add(run, ledger, summary);
  Write(Render(), true);
}

}  // namespace mprun::core
