#include "core/report/json_reporter.h"

#include <algorithm>

#include "core/file_io.h"
#include "core/report/json.h"
#include "core/report/shard_cover.h"

namespace mprun::core {

namespace {

constexpr Outcome kOutcomes[] = {Outcome::kPassed,  Outcome::kFailed,   Outcome::kSkipped,
                                 Outcome::kCrashed, Outcome::kTimedOut, Outcome::kNotRun};

void StringsField(JsonWriter* w, const char* key, const std::vector<std::string>& strings) {
  w->Key(key);
  w->StartArray();
  for (const std::string& s : strings) WriteJsonString(w, s);
  w->EndArray();
}

double Millis(uint64_t ns) { return static_cast<double>(ns) / 1e6; }

void WriteRepeat(JsonWriter* w, const std::vector<uint64_t>& samples_ns) {
  const Spread spread = SpreadOf(samples_ns);
  w->Key("repeat");
  w->StartObject();
  IntField(w, "runs", static_cast<int64_t>(samples_ns.size()));
  NumberField(w, "median_ms", Millis(spread.median_ns));
  NumberField(w, "min_ms", Millis(spread.min_ns));
  NumberField(w, "max_ms", Millis(spread.max_ns));
  w->Key("samples_ms");
  w->StartArray();
  for (uint64_t ns : samples_ns) WriteJsonNumber(w, Millis(ns));
  w->EndArray();
  w->EndObject();
}

void WriteTest(JsonWriter* w, const RunInfo& run, const TestName& name, const TestResult& r,
               int iteration) {
  w->StartObject();
  StringField(w, "binary", run.binaries.empty() ? "" : run.binaries[name.binary]);
  StringField(w, "name", name.FullName());
  // mprun ctest: the ctest test a GoogleTest test came from (or, for any
  // other test, the name again), so that readers can match ctest's list.
  if (!name.ctest_name.empty()) StringField(w, "ctest_name", name.ctest_name);
  StringField(w, "outcome", OutcomeName(r.outcome));
  NumberField(w, "duration_ms", Millis(r.duration_ns));
  IntField(w, "worker", r.worker);
  IntField(w, "attempts", r.attempts);
  BoolField(w, "flaky", r.flaky);
  if (IsSlow(run, r)) BoolField(w, "slow", true);
  IntField(w, "iteration", iteration);
  NumberField(w, "start_ms", Millis(r.start_ns));
  StringField(w, "message", r.message);
  StringField(w, "signal", r.signal);
  if (!r.samples_ns.empty()) WriteRepeat(w, r.samples_ns);
  if (!r.output.empty()) StringField(w, "output", r.output);
  w->EndObject();
}

void AppendTests(const RunInfo& run, const Ledger& ledger, int iteration, std::string* list) {
  LineWriter lines(list);
  static const TestResult kUnfinished;
  for (uint32_t t = 0; t < ledger.size(); ++t) {
    const TestResult& r = ledger.Finished(t) ? ledger.Get(t) : kUnfinished;
    lines.Add([&](JsonWriter* w) { WriteTest(w, run, run.tests[t], r, iteration); });
  }
}

void WritePerfChange(JsonWriter* w, const RunInfo& run, const PerfChange& c) {
  w->StartObject();
  StringField(w, "binary", run.binaries.empty() ? "" : run.binaries[run.tests[c.test].binary]);
  StringField(w, "name", run.tests[c.test].FullName());
  StringField(w, "move", PerfMoveName(c.verdict.move));
  NumberField(w, "duration_ms", c.verdict.now_ms);
  NumberField(w, "history_median_ms", c.verdict.median_ms);
  NumberField(w, "history_sigma_ms", c.verdict.sigma_ms);
  IntField(w, "history_runs", static_cast<int64_t>(c.verdict.history));
  NumberField(w, "change_pct", c.verdict.change_pct);
  w->Key("history_ms");
  w->StartArray();
  for (double ms : c.history_ms) WriteJsonNumber(w, ms);
  w->EndArray();
  BoolField(w, "fails", c.fails);
  w->EndObject();
}

// One object per repetition: the thresholds, the counts and every test
// whose duration moved.
void AppendPerf(const RunInfo& run, const PerfReport& perf, int iteration, std::string* list) {
  LineWriter(list).Add([&](JsonWriter* w) {
    w->StartObject();
    IntField(w, "iteration", iteration);
    NumberField(w, "min_relative_pct", perf.min_relative_pct);
    NumberField(w, "fail_on_slowdown_pct", perf.fail_on_slowdown_pct);
    IntField(w, "judged", static_cast<int64_t>(perf.judged));
    IntField(w, "without_history", static_cast<int64_t>(perf.without_history));
    IntField(w, "failing", static_cast<int64_t>(perf.failing()));
    w->Key("moved");
    w->StartArray();
    for (const PerfChange& c : perf.changes) WritePerfChange(w, run, c);
    w->EndArray();
    w->EndObject();
  });
}

// What the shard's split was computed from (core/report/shard_cover.h), for
// `mprun merge` to check the cover and name what no shard ran. The selected
// tests go as runs of one suite per binary file name, a few bytes a test:
// {"binary": "unit_test", "suites": [["Suite", "A", "B"], ...]}.
void WriteShardBasis(const ShardBasis& b, JsonWriter* w) {
  IntField(w, "selected", static_cast<int64_t>(b.tests.size()));
  StringField(w, "tests_digest", b.tests_digest);
  StringField(w, "split", b.costs_digest.empty() ? "hash" : "durations");
  if (!b.costs_digest.empty()) StringField(w, "costs_digest", b.costs_digest);
  w->Key("tests");
  w->StartArray();
  const TestName* prev = nullptr;
  auto end_binary = [&] {  // its last suite, its suites, itself
    w->EndArray();
    w->EndArray();
    w->EndObject();
  };
  for (const TestName& t : b.tests) {
    const bool new_binary = prev == nullptr || prev->binary != t.binary;
    const bool new_suite = new_binary || prev->suite != t.suite;
    if (prev != nullptr && new_binary) end_binary();
    if (prev != nullptr && !new_binary && new_suite) w->EndArray();
    if (new_binary) {
      w->StartObject();
      StringField(w, "binary", b.binaries[t.binary]);
      w->Key("suites");
      w->StartArray();
    }
    if (new_suite) {
      w->StartArray();
      WriteJsonString(w, t.suite);
    }
    WriteJsonString(w, t.name);
    prev = &t;
  }
  if (prev != nullptr) end_binary();
  w->EndArray();
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
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  StringField(&w, "mprun_version", kMprunVersion);
  BoolField(&w, "complete", complete);
  IntField(&w, "processes", now.processes_);
  IntField(&w, "iterations", now.iterations_);
  if (now.shard_.total > 0) {
    w.Key("shard");
    w.StartObject();
    IntField(&w, "index", now.shard_.index + 1);
    IntField(&w, "total", now.shard_.total);
    if (now.shard_basis_) WriteShardBasis(*now.shard_basis_, &w);
    w.EndObject();
  }
  NumberField(&w, "wall_seconds", now.wall_seconds_);
  BoolField(&w, "interrupted", now.interrupted_);
  // Known only once the run ended: a progress copy has none.
  if (complete) IntField(&w, "exit_status", now.exit_status_);
  WriteHost(now, &w);
  w.Key("summary");
  w.StartObject();
  IntField(&w, "total", static_cast<int64_t>(now.total_));
  for (Outcome o : kOutcomes) {
    w.Key(OutcomeName(o).data(), static_cast<rapidjson::SizeType>(OutcomeName(o).size()));
    w.Int64(static_cast<int64_t>(now.counts_[static_cast<int>(o)]));
  }
  IntField(&w, "flaky", static_cast<int64_t>(now.flaky_));
  w.EndObject();
  StringsField(&w, "errors", now.errors_);
  StringsField(&w, "warnings", now.warnings_);
  IntField(&w, "late_results_dropped", static_cast<int64_t>(now.late_results_dropped_));
  LinesField(&w, "tests", now.tests_);
  if (!now.perf_.empty()) LinesField(&w, "perf", now.perf_);
  if (!now.worker_starts_.empty()) LinesField(&w, "worker_starts", now.worker_starts_);
  if (!now.steals_.empty()) LinesField(&w, "steals", now.steals_);
  if (!now.quiet_phase_.empty()) LinesField(&w, "quiet_phase", now.quiet_phase_);
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

void JsonReporter::WriteHost(const JsonReporter& r, JsonWriter* w) {
  if (!r.command_line_.empty()) StringsField(w, "command_line", r.command_line_);
  if (r.host_cpus_ > 0) IntField(w, "host_cpus", r.host_cpus_);
  if (r.usable_cpus_ > 0) IntField(w, "usable_cpus", r.usable_cpus_);
  if (!r.pinning_.empty()) StringField(w, "pinning", r.pinning_);
}

namespace {

// One event of the timeline: `{"worker": W, "iteration": I, "at_ms": T}`
// (no worker for an event of the whole run), and the steals counted if any.
void AppendEvent(std::string* list, int worker, int iteration, uint64_t at_ns,
                 int64_t steals = -1) {
  LineWriter(list).Add([&](JsonWriter* w) {
    w->StartObject();
    if (worker >= 0) IntField(w, "worker", worker);
    IntField(w, "iteration", iteration);
    NumberField(w, "at_ms", Millis(at_ns));
    if (steals >= 0) IntField(w, "steals", steals);
    w->EndObject();
  });
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
                static_cast<int64_t>(progress.steals[w] - steals_seen_[w]));
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
