// Plan: how the selected tests go out to workers (README, "nose's rules, in
// GoogleTest terms": fixture rules). Pure; computed by the supervisor before
// any fork.
//
// nose's rules in GoogleTest terms: a suite whose fixture defines
// SetUpTestSuite/TearDownTestSuite is a unit (one worker, its set-up once)
// unless marked splittable; other suites are split per test; serial suites
// run after the parallel phase with nothing else running. --dist=test splits
// everything, --dist=suite keeps every suite whole.
#ifndef MPRUN_CORE_RULES_PLAN_H_
#define MPRUN_CORE_RULES_PLAN_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mprun::core {

enum class Dist { kAuto, kTest, kSuite };
bool ParseDist(std::string_view text, Dist* out);

struct SuiteTraits {
  bool has_fixtures = false;  // SetUpTestSuite or TearDownTestSuite defined
  bool split = false;         // MPRUN_SPLIT_SUITE
  bool serial = false;        // MPRUN_SERIAL_SUITE
  bool exclusive = false;     // MPRUN_EXCLUSIVE_SUITE
};

struct Unit {
  uint32_t first = 0;  // tests [first, end) of the table
  uint32_t end = 0;
  bool kept_together = false;  // more than one test dispatched as one
  bool serial = false;         // runs in the quiet phase, nothing else running
  bool exclusive = false;      // and is timed there: pinned (serial is set too)
  const char* why = "";        // for --list -v: "SetUpTestSuite/TearDownTestSuite", "--dist=suite"
  uint32_t suite = 0;          // the index of its suite (MakePlan's suite_of)
};

struct Plan {
  std::vector<Unit> units;  // in table order
  size_t serial_tests = 0;
  std::vector<uint32_t> unit_of_test;  // per test of the table: its unit
};

// The parallel units beside `test`'s in its suite, nearest first (the next,
// the one before, the one after that, ...), at most `per_side` on each side,
// as deque items (their first tests). Long tests sit together: when one
// runs long, these are the likeliest to be long too, and the supervisor has
// them taken first (Supervisor::CheckNeighbours).
std::vector<uint32_t> NeighbourUnits(const Plan& plan, uint32_t test, uint32_t per_side);

// `suite_of` gives, per test in table order, the index of its suite in
// `suites`; a suite's tests are consecutive. `exclusive_tests` (per test, or
// empty) marks tests as exclusive one by one (--exclusive=PATTERN); a unit
// kept together is exclusive when any of its tests is. Exclusive tests run
// in the serial phase: nothing else runs then, and its worker is pinned.
Plan MakePlan(const std::vector<uint32_t>& suite_of, const std::vector<SuiteTraits>& suites,
              Dist dist, const std::vector<bool>& exclusive_tests = {});

// Per test (`count` of them), whether its full name "Suite.Name" matches
// `pattern` (gtest filter syntax, as --exclusive takes it); empty when the
// pattern is.
std::vector<bool> MarkMatching(const std::string& pattern, size_t count,
                               const std::function<std::string(size_t)>& full_name);

// How units are ordered before they are cut into shares.
enum class DealOrder {
  kTable,   // table order: neighbours stay together (linked mode: see DealByHistory)
  kSpread,  // neighbours far apart (SpreadOrder): driver mode without durations
};
// The parallel units as deque items (their first tests), dealt into
// `workers` contiguous shares of about equal test counts, in `order`, or
// shuffled with `seed`.
std::vector<std::vector<uint32_t>> DealUnits(const Plan& plan, int workers,
                                             std::optional<uint32_t> shuffle_seed,
                                             DealOrder order = DealOrder::kTable);
// A permutation of 0..n-1 that puts neighbours far apart: i goes to
// position (i * s) mod n for s near n/phi, coprime with n, so that units
// k apart in the table are about frac(k/phi) * n apart in the deal for
// every small k. Tests that are long tend to sit together (one suite of
// heavy cases); without durations spreading them is what keeps two of them
// out of one worker's launch, which cannot be split once it started.
std::vector<uint32_t> SpreadOrder(uint32_t n);
// The serial units as deque items, in table order.
std::vector<uint32_t> SerialItems(const Plan& plan);

// What history says about one test.
struct Expectation {
  double cost_ms = 0;     // expected duration; 0 = never seen
  bool first = false;     // failed last time, or never seen: run early
  double longest_ms = 0;  // the longest recorded duration; 0 = never seen
  // Driver mode: its suite's SetUpTestSuite as an earlier run saw it before
  // this test (History's suite_set_up_us); 0 = none seen.
  double suite_set_up_ms = 0;
};

// Driver mode cannot see a suite's fixtures, but its history can: a suite
// whose SetUpTestSuite an earlier run saw take kKeptWholeSetUpMs or more is
// kept whole, as MakePlan keeps every suite with fixtures in linked mode (a
// suite split over launches pays its set-up in each), and its set-up counts
// in the cost of its unit's first test. Not a suite that with its set-up is
// more than a worker's share of the run (of `workers`): whole, it would be
// the run's long pole; split, each part pays the set-up but they run side
// by side. Units of a suite that runs serially stay as they are. Returns
// how many suites it joined into one unit.
inline constexpr double kKeptWholeSetUpMs = 5;
size_t KeepSuitesWithSetUps(Plan* plan, std::vector<Expectation>* expected, int workers);

// Placement with history: units with a test that failed last time or was
// never seen come first, then the longest expected first; each goes to the
// worker with the least expected work so far (LPT), so every share starts
// with its longest work and ends with its shortest (thieves take from the
// back). Units under 1/64 of a share are the exception: they fill the
// shares' tails in runs of table order, each share up to the level that
// evens out the load, so that workers do not interleave through the test
// table (fork's copy-on-write makes that costly; see DealByHistory). Tests
// never seen count as the median of the known ones. With no known test at
// all this is DealUnits in table order.
std::vector<std::vector<uint32_t>> DealByHistory(const Plan& plan, int workers,
                                                 const std::vector<Expectation>& expected,
                                                 DealOrder without_durations = DealOrder::kTable);
// The largest expected share of a deal (for tests).
double LargestShareMs(const Plan& plan, const std::vector<std::vector<uint32_t>>& shares,
                      const std::vector<Expectation>& expected);

}  // namespace mprun::core

#endif  // MPRUN_CORE_RULES_PLAN_H_
