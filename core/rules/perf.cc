#include "core/rules/perf.h"

#include <algorithm>
#include <cmath>

namespace mprun::core {

namespace {

double MedianOf(std::vector<double> v) {
  if (v.empty()) return 0;
  const size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid), v.end());
  const double upper = v[mid];
  if (v.size() % 2 == 1) return upper;
  const double lower = *std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid));
  return (lower + upper) / 2;
}

}  // namespace

const char* PerfMoveName(PerfMove move) {
  switch (move) {
    case PerfMove::kTooLittleHistory:
      return "unknown";
    case PerfMove::kSteady:
      return "steady";
    case PerfMove::kSlower:
      return "slower";
    case PerfMove::kFaster:
      return "faster";
  }
  return "unknown";
}

PerfVerdict JudgeDuration(std::span<const uint32_t> history_us, double now_ms,
                          const PerfThresholds& th) {
  PerfVerdict v;
  v.now_ms = now_ms;
  v.history = history_us.size();
  if (history_us.size() < th.min_history) return v;
  std::vector<double> ms(history_us.size());
  for (size_t i = 0; i < ms.size(); ++i) ms[i] = history_us[i] / 1000.0;
  v.median_ms = MedianOf(ms);
  for (double& x : ms) x = std::fabs(x - v.median_ms);
  v.sigma_ms = 1.4826 * MedianOf(ms);
  const double delta = now_ms - v.median_ms;
  v.change_pct = v.median_ms > 0 ? delta / v.median_ms * 100 : 0;
  const double bound =
      std::max({th.sigmas * v.sigma_ms, th.min_relative * v.median_ms, th.min_absolute_ms});
  if (std::fabs(delta) <= bound) {
    v.move = PerfMove::kSteady;
  } else {
    v.move = delta > 0 ? PerfMove::kSlower : PerfMove::kFaster;
  }
  return v;
}

Spread SpreadOf(std::span<const uint64_t> samples_ns) {
  Spread s;
  if (samples_ns.empty()) return s;
  std::vector<double> v(samples_ns.begin(), samples_ns.end());
  s.median_ns = static_cast<uint64_t>(std::llround(MedianOf(v)));
  const auto [lo, hi] = std::minmax_element(samples_ns.begin(), samples_ns.end());
  s.min_ns = *lo;
  s.max_ns = *hi;
  return s;
}

size_t PerfReport::failing() const {
  return static_cast<size_t>(
      std::count_if(changes.begin(), changes.end(), [](const PerfChange& c) { return c.fails; }));
}

}  // namespace mprun::core
