#include "runner/run/run_setup.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mprun::runner {
namespace {

struct SelectorCase {
  std::string filter;
  bool also_run_disabled;
  std::string suite, name;
  bool runnable, selected;
};

TEST(TestSelectorTest, FollowsGtestsFilterAndDisabledRules) {
  const std::vector<SelectorCase> cases = {
      {"*", false, "A", "x", true, true},
      {"", false, "A", "x", true, true},  // an empty filter is "*"
      {"A.*", false, "B", "x", true, false},
      {"*-A.x", false, "A", "x", true, false},
      {"A.?", false, "A", "x", true, true},
      {"*", false, "A", "DISABLED_x", false, false},
      {"*", false, "DISABLED_A", "x", false, false},
      {"*", false, "P/DISABLED_A", "x", false, false},
      {"*", true, "A", "DISABLED_x", true, true},
      {"B.*", true, "A", "DISABLED_x", true, false},
  };
  for (const SelectorCase& c : cases) {
    GtestFlags flags;
    flags.filter = c.filter;
    flags.also_run_disabled = c.also_run_disabled;
    const TestSelector selector(flags);
    const std::string what = "filter '" + c.filter + "' " + c.suite + "." + c.name;
    EXPECT_EQ(selector.Runnable(c.suite, c.name), c.runnable) << what;
    EXPECT_EQ(selector.Selects(c.suite, c.name), c.selected) << what;
  }
}

// Traits of suites named "Fixture*": kept together.
class Way : public WayIn {
 public:
  explicit Way(const core::RunInfo& run) : run_(run) {}
  core::SuiteTraits SuiteTraitsAt(uint32_t first) const override {
    asked.push_back(first);
    core::SuiteTraits t;
    t.has_fixtures = run_.tests[first].suite.rfind("Fixture", 0) == 0;
    return t;
  }
  void Prepare(const core::RunInfo&, EngineSpec*) override {}
  mutable std::vector<uint32_t> asked;

 private:
  const core::RunInfo& run_;
};

TEST(PlanTestsTest, AsksTheWayInOncePerSuiteAndASuiteIsPerBinary) {
  core::RunInfo run;
  run.binaries = {"a", "b"};
  run.tests = {{0, "Fixture", "x"}, {0, "Fixture", "y"}, {1, "Fixture", "z"}, {1, "S", "w"}};
  const Way way(run);
  const core::Plan plan = PlanTests(run, core::Options{}, way);
  EXPECT_EQ(way.asked, (std::vector<uint32_t>{0, 2, 3}));
  ASSERT_EQ(plan.units.size(), 3u);
  EXPECT_EQ(plan.units[0].first, 0u);
  EXPECT_EQ(plan.units[0].end, 2u);
  EXPECT_TRUE(plan.units[0].kept_together);
  EXPECT_EQ(plan.units[1].first, 2u);
  EXPECT_EQ(plan.units[1].end, 3u);
}

}  // namespace
}  // namespace mprun::runner
