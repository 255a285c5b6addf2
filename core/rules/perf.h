// Perf: whether a test's duration moved beyond the noise of its history
// (--perf-report, --fail-on-slowdown), and the statistics of repeated runs
// (--repeat-each). Pure; supervisor only.
//
// Noise is measured robustly, so that one slow run in the history (a busy
// machine, a cold cache) neither hides a real change nor flags a steady
// test: the baseline is the median m of the recent durations, the spread
// their median absolute deviation scaled to a standard deviation
// (sigma = 1.4826 * MAD). A duration d moved when |d - m| exceeds all of
//   3 * sigma,  min_relative * m,  min_absolute_ms,
// the last two because a history of near-identical runs has a MAD near 0,
// and because a few microseconds are timer noise whatever the history says.
#ifndef MPRUN_CORE_RULES_PERF_H_
#define MPRUN_CORE_RULES_PERF_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace mprun::core {

struct PerfThresholds {
  double min_relative = 0.10;  // 10% of the median
  double min_absolute_ms = 0.1;
  double sigmas = 3.0;
  size_t min_history = 3;  // fewer earlier durations: no verdict
};

enum class PerfMove { kTooLittleHistory, kSteady, kSlower, kFaster };
const char* PerfMoveName(PerfMove move);  // "slower", ...

struct PerfVerdict {
  PerfMove move = PerfMove::kTooLittleHistory;
  double now_ms = 0;
  double median_ms = 0;   // of the history
  double sigma_ms = 0;    // 1.4826 * MAD of the history
  double change_pct = 0;  // (now - median) / median * 100
  size_t history = 0;     // earlier durations it was judged against
};

PerfVerdict JudgeDuration(std::span<const uint32_t> history_us, double now_ms,
                          const PerfThresholds& thresholds);

// Median, min and max of a test's repeated durations.
struct Spread {
  uint64_t median_ns = 0, min_ns = 0, max_ns = 0;
};
Spread SpreadOf(std::span<const uint64_t> samples_ns);

// A test whose duration moved, for the reports.
struct PerfChange {
  uint32_t test = 0;
  PerfVerdict verdict;
  bool fails = false;  // a slowdown past --fail-on-slowdown
  // The earlier durations it was judged against, oldest first (for the
  // HTML report's plot).
  std::vector<double> history_ms;
};

struct PerfReport {
  bool wanted = false;  // --perf-report or --fail-on-slowdown
  double fail_on_slowdown_pct = 0;
  double min_relative_pct = 10;
  std::vector<PerfChange> changes;  // slowest change first
  size_t judged = 0;                // tests with enough history
  size_t without_history = 0;       // passed tests with too little history
  size_t failing() const;
};

}  // namespace mprun::core

#endif  // MPRUN_CORE_RULES_PERF_H_
