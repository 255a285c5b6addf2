#include "core/run_history.h"

#include <algorithm>
#include <unordered_map>

#include "core/report_reader.h"

namespace mprun::core {

void RunHistory::Load(const std::string& path, const RunInfo& run,
                      std::vector<std::string>* warnings) {
  for (uint32_t b = 0; b < run.binaries.size(); ++b) {
    Part part;
    part.first =
        static_cast<uint32_t>(std::find_if(run.tests.begin(), run.tests.end(),
                                           [b](const TestName& t) { return t.binary == b; }) -
                              run.tests.begin());
    uint32_t end = part.first;
    while (end < run.tests.size() && run.tests[end].binary == b) ++end;
    if (end == part.first) continue;
    // The History keeps a pointer to its tests: the run's own table when
    // it is all one binary's, else a copy of this binary's part.
    const std::vector<TestName>* tests = &run.tests;
    if (part.first != 0 || end != run.tests.size()) {
      part.own = std::make_unique<std::vector<TestName>>(run.tests.begin() + part.first,
                                                         run.tests.begin() + end);
      tests = part.own.get();
    }
    std::string warning;
    part.history = History::Load(path, run.binaries[b], tests, &warning);
    if (!warning.empty()) warnings->push_back(warning);
    part.count = end - part.first;
    parts_.push_back(std::move(part));
  }
}

namespace {

std::string FileName(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

size_t FillFromReport(const MergedReports& report, const RunInfo& run,
                      std::vector<Expectation>* expected) {
  // binary file name + '\n' + full name, and the full name alone (when one
  // test of the report bears it).
  std::unordered_map<std::string, size_t> by_binary, by_name;
  std::unordered_map<std::string, int> names;
  for (size_t i = 0; i < report.run.tests.size() && i < report.results.size(); ++i) {
    const TestName& t = report.run.tests[i];
    const std::string full = t.FullName();
    const std::string file =
        t.binary < report.run.binaries.size() ? FileName(report.run.binaries[t.binary]) : "";
    by_binary.emplace(file + "\n" + full, i);
    by_name.emplace(full, i);
    ++names[full];
  }
  size_t filled = 0;
  for (size_t t = 0; t < run.tests.size() && t < expected->size(); ++t) {
    Expectation& e = (*expected)[t];
    if (e.cost_ms > 0) continue;
    const TestName& name = run.tests[t];
    const std::string full = name.FullName();
    const std::string file =
        name.binary < run.binaries.size() ? FileName(run.binaries[name.binary]) : "";
    auto it = by_binary.find(file + "\n" + full);
    if (it == by_binary.end()) {
      it = by_name.find(full);
      if (it == by_name.end() || names[full] != 1) continue;
    }
    const TestResult& r = report.results[it->second];
    if (r.outcome == Outcome::kNotRun || r.outcome == Outcome::kSkipped) continue;
    e.cost_ms = std::max(static_cast<double>(r.duration_ns) / 1e6, 0.001);
    // A timeout's duration is its limit, not the test's (as LongestMs).
    e.longest_ms = r.outcome == Outcome::kTimedOut ? 0 : e.cost_ms;
    e.first = IsFailure(r.outcome);
    ++filled;
  }
  return filled;
}

double MeanExpectedNs(const std::vector<Expectation>& expected) {
  double sum_ms = 0;
  size_t seen = 0;
  for (const Expectation& e : expected) {
    if (e.cost_ms <= 0) continue;
    sum_ms += e.cost_ms;
    ++seen;
  }
  if (seen == 0 || seen * 2 < expected.size()) return 0;
  return std::max(1000.0, sum_ms * 1e6 / static_cast<double>(seen));
}

std::vector<Expectation> RunHistory::Expected(size_t tests) const {
  std::vector<Expectation> expected(tests);
  TestHistory h;
  for (const Part& p : parts_) {
    for (uint32_t i = 0; i < p.count; ++i) {
      const bool seen = p.history.Find(i, &h);
      expected[p.first + i].cost_ms = seen ? h.EstimateMs() : 0;
      expected[p.first + i].longest_ms = seen ? h.LongestMs() : 0;
      expected[p.first + i].first = !seen || IsFailure(h.last_outcome);
    }
  }
  return expected;
}

double RunHistory::MeanNs(size_t tests) const { return MeanExpectedNs(Expected(tests)); }

PerfReport RunHistory::Judge(const Ledger& ledger, double fail_on_slowdown_pct) const {
  PerfReport report;
  report.wanted = true;
  report.fail_on_slowdown_pct = fail_on_slowdown_pct;
  PerfThresholds th;
  // A slowdown that fails the run is also one worth reporting.
  if (fail_on_slowdown_pct > 0) {
    th.min_relative = std::min(th.min_relative, fail_on_slowdown_pct / 100);
  }
  report.min_relative_pct = th.min_relative * 100;
  TestHistory h;
  for (const Part& p : parts_) {
    for (uint32_t i = 0; i < p.count; ++i) {
      const uint32_t t = p.first + i;
      if (!ledger.Finished(t) || ledger.Get(t).outcome != Outcome::kPassed) continue;
      if (!p.history.Find(i, &h)) h.durations_us.clear();
      const PerfVerdict v =
          JudgeDuration(h.durations_us, static_cast<double>(ledger.Get(t).duration_ns) / 1e6, th);
      if (v.move == PerfMove::kTooLittleHistory) {
        ++report.without_history;
        continue;
      }
      ++report.judged;
      if (v.move == PerfMove::kSteady) continue;
      const bool fails = v.move == PerfMove::kSlower && fail_on_slowdown_pct > 0 &&
                         v.change_pct >= fail_on_slowdown_pct;
      report.changes.push_back(
          {t, v, fails, std::vector<double>(h.durations_us.begin(), h.durations_us.end())});
      for (double& ms : report.changes.back().history_ms) ms /= 1000;
    }
  }
  std::stable_sort(report.changes.begin(), report.changes.end(),
                   [](const PerfChange& a, const PerfChange& b) {
                     return a.verdict.change_pct > b.verdict.change_pct;
                   });
  return report;
}

void RunHistory::Record(const Ledger& ledger) {
  for (Part& p : parts_) {
    for (uint32_t i = 0; i < p.count; ++i) {
      if (!ledger.Finished(p.first + i)) continue;
      const TestResult& r = ledger.Get(p.first + i);
      p.history.Record(i, static_cast<double>(r.duration_ns) / 1e6, r.outcome, r.flaky);
    }
  }
}

bool RunHistory::Save(const std::string& path, std::vector<std::string>* errors) const {
  bool saved = true;
  for (const Part& p : parts_) {
    std::string why;
    if (!p.history.Save(path, &why)) {
      errors->push_back(why);
      saved = false;
    }
  }
  return saved;
}

}  // namespace mprun::core
