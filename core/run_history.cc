#include "core/run_history.h"

#include <algorithm>

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

std::vector<Expectation> RunHistory::Expected(size_t tests) const {
  std::vector<Expectation> expected(tests);
  TestHistory h;
  for (const Part& p : parts_) {
    for (uint32_t i = 0; i < p.count; ++i) {
      const bool seen = p.history.Find(i, &h);
      expected[p.first + i].cost_ms = seen ? h.EstimateMs() : 0;
      expected[p.first + i].first = !seen || IsFailure(h.last_outcome);
    }
  }
  return expected;
}

double RunHistory::MeanNs(size_t tests) const {
  double sum_ms = 0;
  size_t seen = 0;
  TestHistory h;
  for (const Part& p : parts_) {
    for (uint32_t i = 0; i < p.count; ++i) {
      if (!p.history.Find(i, &h)) continue;
      sum_ms += h.EstimateMs();
      ++seen;
    }
  }
  if (seen == 0 || seen * 2 < tests) return 0;
  return std::max(1000.0, sum_ms * 1e6 / static_cast<double>(seen));
}

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
