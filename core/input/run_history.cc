#include "core/input/run_history.h"

#include <algorithm>
#include <map>

namespace mprun::core {

namespace {

constexpr double kSetUpNoiseMs = 1;

std::string FileName(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

void RunHistory::Load(const std::string& path, const RunInfo& run,
                      std::vector<std::string>* warnings) {
  // One section per file name: binaries of one name (the same program run
  // with other arguments, or from two folders) share it.
  std::map<std::string, uint32_t> section_of;
  std::vector<uint32_t> section_of_binary(run.binaries.size());
  for (uint32_t b = 0; b < run.binaries.size(); ++b) {
    const auto [it, fresh] =
        section_of.try_emplace(FileName(run.binaries[b]), static_cast<uint32_t>(section_of.size()));
    section_of_binary[b] = it->second;
  }
  std::vector<std::vector<uint32_t>> members(section_of.size());  // per section, its tests
  for (uint32_t t = 0; t < run.tests.size(); ++t) {
    if (run.tests[t].binary < run.binaries.size()) {
      members[section_of_binary[run.tests[t].binary]].push_back(t);
    }
  }
  place_.assign(run.tests.size(), Place{});
  std::vector<History::Binary> sections(section_of.size());
  for (const auto& [name, s] : section_of) sections[s].name = name;
  for (uint32_t s = 0; s < members.size(); ++s) {
    // The History keeps a pointer to its tests: the run's own table when
    // it is all one section's, else a copy of the section's tests.
    if (members[s].size() == run.tests.size()) {
      sections[s].tests = &run.tests;
    } else {
      owned_.push_back(std::make_unique<std::vector<TestName>>());
      for (uint32_t t : members[s]) owned_.back()->push_back(run.tests[t]);
      sections[s].tests = owned_.back().get();
    }
    for (uint32_t row = 0; row < members[s].size(); ++row) place_[members[s][row]] = {s, row, true};
  }
  std::string warning;
  history_ = History::Load(path, sections, &warning);
  loaded_ = true;
  if (!warning.empty()) warnings->push_back(warning);
}

void RunHistory::KeepOnly(const std::vector<uint32_t>& kept) {
  std::vector<Place> mine;
  mine.reserve(kept.size());
  for (uint32_t t : kept) mine.push_back(t < place_.size() ? place_[t] : Place{});
  place_ = std::move(mine);
  narrowed_ = true;
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

bool RunHistory::Find(uint32_t test, TestHistory* out) const {
  if (test >= place_.size() || !place_[test].known) return false;
  return history_.Find(place_[test].section, place_[test].row, out);
}

std::vector<Expectation> RunHistory::Expected(size_t tests) const {
  std::vector<Expectation> expected(tests);
  TestHistory h;
  for (uint32_t t = 0; t < tests && t < place_.size(); ++t) {
    if (!place_[t].known) continue;
    const bool seen = Find(t, &h);
    expected[t].cost_ms = seen ? h.EstimateMs() : 0;
    expected[t].longest_ms = seen ? h.LongestMs() : 0;
    expected[t].first = !seen || IsFailure(h.last_outcome);
    expected[t].suite_set_up_ms = seen ? h.suite_set_up_us / 1e3 : 0;
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
  for (uint32_t t = 0; t < place_.size(); ++t) {
    if (!place_[t].known) continue;
    if (!ledger.Finished(t) || ledger.Get(t).outcome != Outcome::kPassed) continue;
    if (!Find(t, &h)) h.durations_us.clear();
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
  std::stable_sort(report.changes.begin(), report.changes.end(),
                   [](const PerfChange& a, const PerfChange& b) {
                     return a.verdict.change_pct > b.verdict.change_pct;
                   });
  return report;
}

void RunHistory::Record(const Ledger& ledger) {
  if (narrowed_) return;
  for (uint32_t t = 0; t < place_.size(); ++t) {
    if (!place_[t].known || !ledger.Finished(t)) continue;
    const TestResult& r = ledger.Get(t);
    // A set-up under a millisecond is the noise of reading the stream:
    // recorded as 0 (seen to be none), which replaces an older figure.
    const double set_up = r.suite_set_up_ms < 0               ? -1
                          : r.suite_set_up_ms < kSetUpNoiseMs ? 0
                                                              : r.suite_set_up_ms;
    history_.Record(place_[t].section, place_[t].row, static_cast<double>(r.duration_ns) / 1e6,
                    r.outcome, r.flaky, set_up);
  }
}

bool RunHistory::Save(const std::string& path, std::vector<std::string>* errors) const {
  if (narrowed_) {
    errors->push_back("a shard does not write the history (mprun merge --history does)");
    return false;
  }
  std::string why;
  if (history_.Save(path, &why)) return true;
  errors->push_back(why);
  return false;
}

}  // namespace mprun::core
