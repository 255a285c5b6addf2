#include "core/rules/plan.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "core/rules/gtest_filter.h"

namespace mprun::core {

bool ParseDist(std::string_view text, Dist* out) {
  if (text == "auto") return *out = Dist::kAuto, true;
  if (text == "test") return *out = Dist::kTest, true;
  if (text == "suite") return *out = Dist::kSuite, true;
  return false;
}

Plan MakePlan(const std::vector<uint32_t>& suite_of, const std::vector<SuiteTraits>& suites,
              Dist dist, const std::vector<bool>& exclusive_tests) {
  auto marked = [&](uint32_t t) { return t < exclusive_tests.size() && exclusive_tests[t]; };
  Plan plan;
  const auto n = static_cast<uint32_t>(suite_of.size());
  plan.units.reserve(n);
  for (uint32_t begin = 0; begin < n;) {
    uint32_t end = begin + 1;
    while (end < n && suite_of[end] == suite_of[begin]) ++end;
    const SuiteTraits& traits = suites[suite_of[begin]];
    const auto first_unit = static_cast<uint32_t>(plan.units.size());
    const char* why = nullptr;
    if (dist == Dist::kSuite) {
      why = "--dist=suite";
    } else if (dist == Dist::kAuto && traits.has_fixtures && !traits.split) {
      why = "SetUpTestSuite/TearDownTestSuite";
    }
    const uint32_t suite = suite_of[begin];
    if (why != nullptr && end - begin > 1) {
      bool exclusive = traits.exclusive;
      for (uint32_t t = begin; t < end; ++t) exclusive = exclusive || marked(t);
      plan.units.push_back({begin, end, true, traits.serial || exclusive, exclusive, why, suite});
    } else {
      for (uint32_t t = begin; t < end; ++t) {
        const bool exclusive = traits.exclusive || marked(t);
        plan.units.push_back({t, t + 1, false, traits.serial || exclusive, exclusive, "", suite});
      }
    }
    for (uint32_t u = first_unit; u < plan.units.size(); ++u) {
      if (plan.units[u].serial) plan.serial_tests += plan.units[u].end - plan.units[u].first;
    }
    begin = end;
  }
  plan.unit_of_test.resize(n);
  for (uint32_t u = 0; u < plan.units.size(); ++u) {
    for (uint32_t t = plan.units[u].first; t < plan.units[u].end; ++t) plan.unit_of_test[t] = u;
  }
  return plan;
}

size_t KeepSuitesWithSetUps(Plan* plan, std::vector<Expectation>* expected, int workers) {
  const std::vector<Unit>& units = plan->units;
  struct Run {
    size_t begin, end;  // its units
    double set_up = 0, cost = 0;
    bool serial = false;
  };
  std::vector<Run> runs;  // each suite's units
  double total = 0;
  for (size_t u = 0; u < units.size();) {
    Run r{u, u + 1};
    while (r.end < units.size() && units[r.end].suite == units[u].suite) ++r.end;
    for (size_t k = r.begin; k < r.end; ++k) {
      r.serial |= units[k].serial;
      for (uint32_t t = units[k].first; t < units[k].end && t < expected->size(); ++t) {
        r.set_up = std::max(r.set_up, (*expected)[t].suite_set_up_ms);
        r.cost += (*expected)[t].cost_ms;
      }
    }
    if (r.set_up < kKeptWholeSetUpMs) r.set_up = 0;
    total += r.cost + r.set_up;
    runs.push_back(r);
    u = r.end;
  }
  const double share = total / std::max(workers, 1);
  std::vector<Unit> kept;
  kept.reserve(units.size());
  size_t joined = 0;
  for (const Run& r : runs) {
    const uint32_t first = units[r.begin].first;
    const bool join =
        r.set_up > 0 && !r.serial && r.end - r.begin > 1 && r.cost + r.set_up <= share;
    if (join) {
      kept.push_back({first, units[r.end - 1].end, true, false, false,
                      "SetUpTestSuite seen by an earlier run", units[r.begin].suite});
      ++joined;
    } else {
      kept.insert(kept.end(), units.begin() + static_cast<long>(r.begin),
                  units.begin() + static_cast<long>(r.end));
    }
    // Paid once by a suite kept whole or of one unit (a split one pays it
    // per launch, and no estimate says how many).
    if (r.set_up > 0 && (join || r.end - r.begin == 1) && first < expected->size()) {
      (*expected)[first].cost_ms += r.set_up;
    }
  }
  if (joined == 0) return 0;
  plan->units = std::move(kept);
  for (uint32_t u = 0; u < plan->units.size(); ++u) {
    for (uint32_t t = plan->units[u].first; t < plan->units[u].end; ++t) plan->unit_of_test[t] = u;
  }
  return joined;
}

std::vector<uint32_t> NeighbourUnits(const Plan& plan, uint32_t test, uint32_t per_side) {
  std::vector<uint32_t> items;
  if (test >= plan.unit_of_test.size()) return items;
  const uint32_t home = plan.unit_of_test[test];
  const uint32_t suite = plan.units[home].suite;
  auto usable = [&](int64_t u) {
    return u >= 0 && u < static_cast<int64_t>(plan.units.size()) &&
           plan.units[static_cast<size_t>(u)].suite == suite &&
           !plan.units[static_cast<size_t>(u)].serial;
  };
  bool after = true, before = true;
  for (int64_t k = 1; k <= per_side && (after || before); ++k) {
    after = after && usable(home + k);
    if (after) items.push_back(plan.units[static_cast<size_t>(home + k)].first);
    before = before && usable(home - k);
    if (before) items.push_back(plan.units[static_cast<size_t>(home - k)].first);
  }
  return items;
}

std::vector<bool> MarkMatching(const std::string& pattern, size_t count,
                               const std::function<std::string(size_t)>& full_name) {
  if (pattern.empty()) return {};
  const GtestFilter filter(pattern);
  std::vector<bool> marks(count);
  for (size_t t = 0; t < count; ++t) marks[t] = filter.Matches(full_name(t));
  return marks;
}

std::vector<uint32_t> SpreadOrder(uint32_t n) {
  std::vector<uint32_t> order(n);
  if (n == 0) return order;
  auto step = static_cast<uint32_t>(std::llround(n * 0.6180339887498949));
  step = std::max<uint32_t>(step, 1);
  while (std::gcd(step, n) != 1) ++step;  // a permutation needs it coprime
  uint64_t at = 0;
  for (uint32_t i = 0; i < n; ++i) {
    order[static_cast<uint32_t>(at)] = i;
    at = (at + step) % n;
  }
  return order;
}

std::vector<std::vector<uint32_t>> DealUnits(const Plan& plan, int workers,
                                             std::optional<uint32_t> shuffle_seed,
                                             DealOrder order) {
  std::vector<const Unit*> units;
  size_t total = 0;
  for (const Unit& u : plan.units) {
    if (u.serial) continue;
    units.push_back(&u);
    total += u.end - u.first;
  }
  if (shuffle_seed) {
    std::mt19937 rng(*shuffle_seed);
    std::shuffle(units.begin(), units.end(), rng);
  } else if (order == DealOrder::kSpread) {
    // Within each suite only: a share (and so a launch) keeps to few suites,
    // and a suite's SetUpTestSuite runs in few launches.
    for (size_t begin = 0; begin < units.size();) {
      size_t end = begin + 1;
      while (end < units.size() && units[end]->suite == units[begin]->suite) ++end;
      const std::vector<const Unit*> suite(units.begin() + static_cast<long>(begin),
                                           units.begin() + static_cast<long>(end));
      const std::vector<uint32_t> at = SpreadOrder(static_cast<uint32_t>(end - begin));
      for (size_t i = 0; i < suite.size(); ++i) units[begin + i] = suite[at[i]];
      begin = end;
    }
  }
  std::vector<std::vector<uint32_t>> shares(static_cast<size_t>(std::max(workers, 1)));
  // Contiguous shares of about total/workers tests each.
  size_t dealt = 0;
  size_t share = 0;
  for (const Unit* u : units) {
    while (share + 1 < shares.size() && dealt >= total * (share + 1) / shares.size()) ++share;
    shares[share].push_back(u->first);
    dealt += u->end - u->first;
  }
  return shares;
}

std::vector<uint32_t> SerialItems(const Plan& plan) {
  std::vector<uint32_t> items;
  for (const Unit& u : plan.units) {
    if (u.serial) items.push_back(u.first);
  }
  return items;
}

namespace {

// Cost of each test: its estimate, or the median of the known ones.
std::vector<double> Costs(const std::vector<Expectation>& expected, bool* any_known) {
  std::vector<double> known;
  for (const Expectation& e : expected) {
    if (e.cost_ms > 0) known.push_back(e.cost_ms);
  }
  *any_known = !known.empty();
  double median = 1.0;
  if (!known.empty()) {
    std::nth_element(known.begin(), known.begin() + static_cast<long>(known.size() / 2),
                     known.end());
    median = known[known.size() / 2];
  }
  std::vector<double> cost(expected.size());
  for (size_t t = 0; t < expected.size(); ++t)
    cost[t] = expected[t].cost_ms > 0 ? expected[t].cost_ms : median;
  return cost;
}

// A unit as the deal with history sees it.
struct Item {
  uint32_t first;  // its first test
  double cost;
  bool early;  // a test of it failed last time or was never seen
  uint32_t suite;
};

// Where a worker's run of small units [begin, end) should end: `end`, or,
// when that cuts a suite in two, the suite's start or its end, whichever
// leaves the worker nearer its level (`short_by` below it at `end`), if
// that is within `tolerance`. A suite split over two launches pays its
// SetUpTestSuite in both, and in driver mode no test's duration shows it.
size_t AtSuiteBoundary(const std::vector<Item>& items, size_t begin, size_t end, double short_by,
                       double tolerance) {
  if (end == begin || end >= items.size() || items[end].suite != items[end - 1].suite) return end;
  const uint32_t suite = items[end].suite;
  size_t start = end;
  double before = 0;  // the suite's part up to `end`, taken back
  while (start > begin && items[start - 1].suite == suite) before += items[--start].cost;
  size_t stop = end;
  double after = 0;  // the suite's rest, taken too
  while (stop < items.size() && items[stop].suite == suite) after += items[stop++].cost;
  const double back = std::abs(short_by + before);
  const double on = std::abs(short_by - after);
  if (std::min(back, on) > tolerance) return end;
  return back <= on ? start : stop;
}

// The level that evens out `rest` more work over workers [from, n) of
// `load` (water filling).
double Level(const std::vector<double>& load, size_t from, double rest) {
  std::vector<double> open(load.begin() + static_cast<long>(from), load.end());
  std::sort(open.begin(), open.end());
  double below = 0;
  for (size_t k = 0; k < open.size(); ++k) {
    below += open[k];
    const double l = (below + rest) / static_cast<double>(k + 1);
    if (k + 1 == open.size() || l <= open[k + 1]) return l;
  }
  return rest;  // no worker (not reached: the caller has one)
}

// The small units fill each worker in turn, in table order, up to the level
// that would even out the rest, recomputed as each worker is filled (so
// the rounding of one is absorbed by the next ones, not piled on the last),
// and cut between suites where that moves the cut by an eighth of a share
// at most.
void FillWithSmallOnes(const std::vector<Item>& little, double share,
                       std::vector<std::vector<uint32_t>>* shares, std::vector<double>* load) {
  const size_t n = load->size();
  double rest = 0;
  for (const Item& it : little) rest += it.cost;
  size_t next = 0;
  for (size_t w = 0; w < n && next < little.size(); ++w) {
    const double level = Level(*load, w, rest);
    size_t end = next;
    double filled = (*load)[w];
    while (end < little.size() && (w + 1 == n || filled + little[end].cost / 2 <= level)) {
      filled += little[end++].cost;
    }
    if (w + 1 < n) end = AtSuiteBoundary(little, next, end, level - filled, share / 8);
    for (; next < end; ++next) {
      (*shares)[w].push_back(little[next].first);
      (*load)[w] += little[next].cost;
      rest -= little[next].cost;
    }
  }
}

}  // namespace

std::vector<std::vector<uint32_t>> DealByHistory(const Plan& plan, int workers,
                                                 const std::vector<Expectation>& expected,
                                                 DealOrder without_durations) {
  bool any_known = false;
  const std::vector<double> cost = Costs(expected, &any_known);
  if (!any_known) return DealUnits(plan, workers, std::nullopt, without_durations);
  std::vector<Item> items;
  for (const Unit& u : plan.units) {
    if (u.serial) continue;
    Item it{u.first, 0, false, u.suite};
    for (uint32_t t = u.first; t < u.end; ++t) {
      it.cost += cost[t];
      it.early = it.early || expected[t].first;
    }
    items.push_back(it);
  }
  const size_t n = static_cast<size_t>(std::max(workers, 1));
  double total = 0;
  for (const Item& it : items) total += it.cost;
  // Small units (under 1/64 of a share) are not worth interleaving: they are
  // dealt below in table order, in one run per worker. Interleaving them
  // makes every worker touch every page of the test table that fork(2)
  // shared, and each first write to such a page is a copy (measured with
  // 10,000 trivial tests on 2 workers: 600 more page faults, +8 ms, 12%).
  // Nor are units under a millisecond, whatever the share: placing them by
  // cost only follows the noise of microsecond durations, and it scatters
  // table order. In driver mode that splits suites across launches, each
  // paying the suite's SetUpTestSuite again, which no test's duration shows
  // (20 suites of 10 tests with a 50 ms set-up, 2 workers: 1.14x the lower
  // bound on a first run, 1.32x with history, before this).
  constexpr double kPlacedAloneMs = 1.0;
  const double share = total / static_cast<double>(n);
  const double small = share / 64;
  std::vector<Item> big, little;
  for (const Item& it : items) {
    (it.early || (it.cost > small && it.cost >= kPlacedAloneMs) ? big : little).push_back(it);
  }
  // Stable: equal costs keep table order, so the deal is deterministic.
  std::stable_sort(big.begin(), big.end(), [](const Item& a, const Item& b) {
    if (a.early != b.early) return a.early;
    return a.cost > b.cost;
  });
  std::vector<std::vector<uint32_t>> shares(n);
  std::vector<double> load(n, 0);
  for (const Item& it : big) {
    const size_t w = static_cast<size_t>(std::min_element(load.begin(), load.end()) - load.begin());
    shares[w].push_back(it.first);
    load[w] += it.cost;
  }
  FillWithSmallOnes(little, share, &shares, &load);
  return shares;
}

double LargestShareMs(const Plan& plan, const std::vector<std::vector<uint32_t>>& shares,
                      const std::vector<Expectation>& expected) {
  bool any_known = false;
  const std::vector<double> cost = Costs(expected, &any_known);
  double largest = 0;
  for (const auto& share : shares) {
    double sum = 0;
    for (uint32_t first : share) {
      for (const Unit& u : plan.units) {
        if (u.first != first) continue;
        for (uint32_t t = u.first; t < u.end; ++t) sum += cost[t];
      }
    }
    largest = std::max(largest, sum);
  }
  return largest;
}

}  // namespace mprun::core
