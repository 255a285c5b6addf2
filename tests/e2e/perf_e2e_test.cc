// Performance-regression runs, end to end with
// tests/fixtures/perf_test.cc in both modes: durations judged against a
// seeded synthetic history (--perf-report, --fail-on-slowdown), exclusive
// tests alone and pinned, --repeat-each, --pin.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <sched.h>

#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "core/rules/perf.h"
#include "core/rules/topology.h"
#include "runner/process/cpus.h"
#include "tests/e2e/e2e_util.h"

namespace mprun {
namespace {

using testing_util::Proc;
using testing_util::ScratchDir;

const char kPerf[] = MPRUN_PERF_BINARY;
const char kMprun[] = MPRUN_BINARY;

struct Stamp {
  long long start = 0, end = 0;
  int pid = 0, cpus = 0;
  std::string name;
};

std::vector<Stamp> Stamps(const ScratchDir& dir) {
  std::vector<Stamp> out;
  std::istringstream in(testing_util::ReadFile(dir.File("stamps")));
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    Stamp s;
    fields >> s.start >> s.end >> s.pid >> s.cpus >> s.name;
    out.push_back(s);
  }
  return out;
}

std::map<std::string, std::string> Env(const ScratchDir& dir,
                                       std::map<std::string, std::string> more = {}) {
  more["PERF_DIR"] = dir.path();
  more["MPRUN_PROCESS_TIMEOUT"] = "60";
  return more;
}

// Eight earlier durations per test, drawn with a fixed seed: Timed.Steady
// noisy around 30 ms (a sigma of 12 ms: it stays steady on a loaded machine),
// Timed.Tunable tight around 20 ms, Timed.WasSlow tight around 200 ms.
std::map<std::string, std::vector<uint32_t>> SyntheticDurations() {
  std::mt19937 rng(20261126);
  std::normal_distribution<double> steady(30000, 12000), tight(20000, 200), slow(200000, 1000);
  std::map<std::string, std::vector<uint32_t>> d;
  for (int i = 0; i < 8; ++i) {
    d["Timed.Steady"].push_back(static_cast<uint32_t>(std::max(5000.0, steady(rng))));
    d["Timed.Tunable"].push_back(static_cast<uint32_t>(tight(rng)));
    d["Timed.WasSlow"].push_back(static_cast<uint32_t>(slow(rng)));
  }
  return d;
}

void WriteHistory(const std::string& path) {
  std::string tests, durations, outcomes, flaky;
  for (const auto& [name, us] : SyntheticDurations()) {
    const char* sep = tests.empty() ? "" : ", ";
    tests += sep + ("\"" + name + "\"");
    durations += sep + std::string("[");
    for (size_t i = 0; i < us.size(); ++i) durations += (i ? ", " : "") + std::to_string(us[i]);
    durations += "]";
    outcomes += sep + std::string("\"passed\"");
    flaky += sep + std::string("0");
  }
  std::ofstream(path) << R"({"format": "mprun-history", "version": 1, "binaries": {"perf_test": )"
                      << "{\"tests\": [" << tests << "], \"durations_us\": [" << durations
                      << "], \"last_outcomes\": [" << outcomes << "], \"flaky_counts\": [" << flaky
                      << "]}}}\n";
}

// name -> move, from the report's perf section.
std::map<std::string, std::string> Moved(const rapidjson::Document& doc, bool* fails = nullptr) {
  std::map<std::string, std::string> moved;
  if (!doc.HasMember("perf")) {
    ADD_FAILURE() << "no perf section";
    return moved;
  }
  for (const auto& m : doc["perf"][0]["moved"].GetArray()) {
    moved[m["name"].GetString()] = m["move"].GetString();
    if (fails && m["fails"].GetBool()) *fails = true;
  }
  return moved;
}

TEST(PerfE2ETest, TheSyntheticHistoryIsWhatTheRunsBelowAssume) {
  // A 20 ms sleep (plus scheduling) is steady against Steady's history
  // and against Tunable's; 80 ms is far slower than Tunable's.
  auto d = SyntheticDurations();
  for (double ms : {20.0, 21.5, 26.0, 40.0, 50.0}) {
    EXPECT_EQ(core::JudgeDuration(d["Timed.Steady"], ms, {}).move, core::PerfMove::kSteady) << ms;
  }
  EXPECT_EQ(core::JudgeDuration(d["Timed.Tunable"], 20.5, {}).move, core::PerfMove::kSteady);
  EXPECT_EQ(core::JudgeDuration(d["Timed.Tunable"], 80, {}).move, core::PerfMove::kSlower);
  EXPECT_EQ(core::JudgeDuration(d["Timed.WasSlow"], 25, {}).move, core::PerfMove::kFaster);
}

TEST(PerfE2ETest, ASlowedTestIsFlaggedAndASteadyOneIsNot) {
  ScratchDir dir;
  WriteHistory(dir.File("history.json"));
  const Proc p = testing_util::Run(
      {kPerf, "--processes=2", "--history=" + dir.File("history.json"), "--perf-report",
       "--json=" + dir.File("r.json"), "--gtest_filter=Timed.Steady:Timed.Tunable:Timed.WasSlow"},
      Env(dir, {{"PERF_TUNABLE_MS", "80"}}), dir);
  EXPECT_EQ(p.status, 0) << p.out << p.err;  // reported, not failed
  EXPECT_NE(p.out.find("Timed.Tunable: "), std::string::npos) << p.out;
  EXPECT_NE(p.out.find("SLOWER"), std::string::npos) << p.out;
  EXPECT_NE(p.out.find("FASTER"), std::string::npos) << p.out;
  EXPECT_NE(p.out.find("mprun: perf: 2 of 3 tests with history moved (1 slower, 1 faster)"),
            std::string::npos)
      << p.out;
  rapidjson::Document doc;
  testing_util::ParseReport(testing_util::ReadFile(dir.File("r.json")), &doc);
  bool fails = false;
  const auto moved = Moved(doc, &fails);
  EXPECT_EQ(moved, (std::map<std::string, std::string>{{"Timed.Tunable", "slower"},
                                                       {"Timed.WasSlow", "faster"}}));
  EXPECT_FALSE(fails);
  EXPECT_EQ(doc["perf"][0]["judged"].GetInt(), 3);
}

TEST(PerfE2ETest, FailOnSlowdownChangesTheExitStatusInBothModes) {
  ScratchDir dir;
  const std::string history = dir.File("history.json");
  const std::string filter = "--gtest_filter=Timed.Steady:Timed.Tunable:Timed.WasSlow";
  struct Case {
    bool driver;
    const char* tunable_ms;
    const char* pct;
    int status;
  };
  for (const Case& c : std::vector<Case>{{false, "80", "50", 1},
                                         {false, "80", "500", 0},
                                         {false, "20", "200", 0},
                                         {true, "80", "50", 1},
                                         {true, "20", "200", 0}}) {
    WriteHistory(history);  // each run adds to it
    std::vector<std::string> argv = {"--processes=2", "--history=" + history,
                                     std::string("--fail-on-slowdown=") + c.pct,
                                     "--json=" + dir.File("r.json")};
    if (c.driver) {
      argv.insert(argv.begin(), kMprun);
      argv.push_back(kPerf);
    } else {
      argv.insert(argv.begin(), kPerf);
    }
    argv.push_back(filter);
    const Proc p = testing_util::Run(argv, Env(dir, {{"PERF_TUNABLE_MS", c.tunable_ms}}), dir);
    const std::string what = std::string(c.driver ? "driver" : "linked") + ", Tunable " +
                             c.tunable_ms + " ms, --fail-on-slowdown=" + c.pct;
    EXPECT_EQ(p.status, c.status) << what << "\n" << p.out << p.err;
    rapidjson::Document doc;
    const auto rows = testing_util::ParseReport(testing_util::ReadFile(dir.File("r.json")), &doc);
    for (const auto& [name, row] : rows) EXPECT_EQ(row.outcome, "passed") << name << ", " << what;
    bool fails = false;
    const auto moved = Moved(doc, &fails);
    EXPECT_EQ(fails, c.status == 1) << what;
    EXPECT_EQ(moved.count("Timed.Steady"), 0u) << what;
    if (c.status == 1) {
      EXPECT_NE(p.out.find("(--fail-on-slowdown): the run fails"), std::string::npos) << p.out;
    }
  }
}

TEST(PerfE2ETest, ExclusiveTestsRunAloneAndPinnedInBothModes) {
  const std::vector<int> cpus = runner::AffinityCpus();
  struct Case {
    bool driver;
    std::vector<std::string> args;
    std::string exclusive_prefix;  // names of the exclusive tests start so
  };
  for (const Case& c :
       std::vector<Case>{{false, {"--gtest_filter=Quiet.*:Many/Noise.Spins/?"}, "Quiet."},
                         {true,
                          {"--exclusive=Many/Noise.Spins/1:Many/Noise.Spins/4", kPerf,
                           "--gtest_filter=Many/Noise.Spins/?"},
                          "Many/Noise.Spins/"}}) {
    ScratchDir dir;
    std::vector<std::string> argv = {c.driver ? kMprun : kPerf, "--processes=2", "--no-history"};
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    const Proc p = testing_util::Run(argv, Env(dir, {{"PERF_SPIN_ROUNDS", "3000000"}}), dir);
    ASSERT_EQ(p.status, 0) << p.out << p.err;
    const std::vector<Stamp> stamps = Stamps(dir);
    std::vector<Stamp> exclusive, others;
    for (const Stamp& s : stamps) {
      const bool ex = c.driver ? (s.name == "Many/Noise.Spins/1" || s.name == "Many/Noise.Spins/4")
                               : s.name.rfind(c.exclusive_prefix, 0) == 0;
      (ex ? exclusive : others).push_back(s);
    }
    ASSERT_EQ(exclusive.size(), 2u) << testing_util::ReadFile(dir.File("stamps"));
    ASSERT_EQ(others.size(), c.driver ? 8u : 10u) << p.out;
    for (const Stamp& e : exclusive) {
      EXPECT_EQ(e.cpus, 1) << e.name << " was not pinned to one CPU";
      for (const Stamp& o : others) {
        EXPECT_TRUE(o.end <= e.start || e.end <= o.start)
            << e.name << " [" << e.start << ", " << e.end << "] overlaps " << o.name << " ["
            << o.start << ", " << o.end << "]";
      }
      for (const Stamp& e2 : exclusive) {
        if (&e2 != &e) {
          EXPECT_TRUE(e2.end <= e.start || e.end <= e2.start);
        }
      }
    }
  }
  // --pin=none: the exclusive tests still run alone, but unpinned.
  if (cpus.size() > 1) {
    ScratchDir dir;
    const Proc p = testing_util::Run(
        {kPerf, "--processes=2", "--no-history", "--pin=none", "--gtest_filter=Quiet.*"},
        Env(dir, {{"PERF_SPIN_ROUNDS", "1000"}}), dir);
    ASSERT_EQ(p.status, 0) << p.out << p.err;
    for (const Stamp& s : Stamps(dir)) EXPECT_EQ(s.cpus, static_cast<int>(cpus.size())) << s.name;
  }
  // --list -v says which tests are exclusive.
  ScratchDir dir;
  const Proc list = testing_util::Run({kPerf, "--list", "-v", "--gtest_filter=Quiet.*:Timed.Spin"},
                                      Env(dir), dir);
  EXPECT_EQ(list.status, 0);
  EXPECT_NE(list.out.find("Quiet.Measured [exclusive]"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("Timed.Spin\n"), std::string::npos) << list.out;
}

TEST(PerfE2ETest, RepeatEachRunsEveryTestNTimesAndReportsTheSpread) {
  for (bool driver : {false, true}) {
    ScratchDir dir;
    std::vector<std::string> argv = {"--processes=2", "--no-history", "--repeat-each=4",
                                     "--json=" + dir.File("r.json")};
    argv.insert(argv.begin(), driver ? kMprun : kPerf);
    if (driver) argv.push_back(kPerf);
    argv.push_back("--gtest_filter=Timed.Steady:Timed.Spin");
    const Proc p = testing_util::Run(argv, Env(dir, {{"PERF_SPIN_ROUNDS", "1000000"}}), dir);
    ASSERT_EQ(p.status, 0) << p.out << p.err;
    EXPECT_NE(p.out.find("Durations over 4 runs each (median [min, max]):"), std::string::npos)
        << p.out;
    std::map<std::string, int> runs;
    for (const Stamp& s : Stamps(dir)) ++runs[s.name];
    EXPECT_EQ(runs, (std::map<std::string, int>{{"Timed.Spin", 4}, {"Timed.Steady", 4}}));
    rapidjson::Document doc;
    const auto rows = testing_util::ParseReport(testing_util::ReadFile(dir.File("r.json")), &doc);
    ASSERT_EQ(rows.size(), 2u);
    for (const auto& t : doc["tests"].GetArray()) {
      ASSERT_TRUE(t.HasMember("repeat")) << t["name"].GetString();
      const auto& r = t["repeat"];
      EXPECT_EQ(r["runs"].GetInt(), 4);
      ASSERT_EQ(r["samples_ms"].Size(), 4u);
      const double median = r["median_ms"].GetDouble(), lo = r["min_ms"].GetDouble(),
                   hi = r["max_ms"].GetDouble();
      EXPECT_LE(lo, median);
      EXPECT_LE(median, hi);
      EXPECT_NEAR(t["duration_ms"].GetDouble(), median, 1e-3);
      if (std::string(t["name"].GetString()) == "Timed.Steady") {
        EXPECT_GE(lo, 19.0) << (driver ? "driver" : "linked");  // it sleeps 20 ms
      }
    }
  }
}

TEST(PerfE2ETest, RepeatEachFailsATestWhenAnyRunFails) {
  ScratchDir dir;
  const Proc p = testing_util::Run(
      {kPerf, "--processes=2", "--no-history", "--repeat-each=5", "--json=" + dir.File("r.json"),
       "--gtest_filter=Timed.FailsOnARun:Timed.Steady"},
      Env(dir, {{"PERF_FAIL_ON", "3"}}), dir);
  EXPECT_EQ(p.status, 1) << p.out << p.err;
  rapidjson::Document doc;
  auto rows = testing_util::ParseReport(testing_util::ReadFile(dir.File("r.json")), &doc);
  EXPECT_EQ(rows["Timed.FailsOnARun"].outcome, "failed");
  EXPECT_NE(rows["Timed.FailsOnARun"].message.find("run 3 fails on purpose"), std::string::npos);
  EXPECT_EQ(rows["Timed.Steady"].outcome, "passed");
  std::map<std::string, int> runs;
  for (const Stamp& s : Stamps(dir)) ++runs[s.name];
  EXPECT_EQ(runs["Timed.FailsOnARun"], 3) << "no run after the failing one";
  EXPECT_EQ(runs["Timed.Steady"], 5);
}

TEST(PerfE2ETest, PinCoresGivesEachWorkerItsOwnCoreOrSaysWhyNot) {
  const core::Topology topo = core::ReadTopology("/sys", runner::AffinityCpus());
  ScratchDir dir;
  Proc p = testing_util::Run(
      {kPerf, "--processes=-1", "--pin=cores", "-v", "--no-history", "--gtest_filter=Timed.Steady"},
      Env(dir), dir);
  EXPECT_EQ(p.status, 0) << p.out << p.err;
  // One test: one worker, on its own core.
  EXPECT_NE(p.out.find("mprun: pinned 1 worker one per physical core (CPUs "), std::string::npos)
      << p.out;
  const std::string too_many = "--processes=" + std::to_string(topo.cores + 1);
  p = testing_util::Run({kPerf, too_many, "--pin=cores", "--no-history",
                         "--gtest_filter=Many/Noise.*:Timed.*:Quiet.*"},
                        Env(dir), dir);
  if (static_cast<size_t>(topo.cores) + 1 <= 39) {  // the filter selects 39 tests
    EXPECT_EQ(p.status, 2) << p.out << p.err;
    EXPECT_NE(p.err.find("--pin=cores: " + std::to_string(topo.cores + 1) + " workers but only "),
              std::string::npos)
        << p.err;
  }
  for (const auto& bad :
       std::vector<std::vector<std::string>>{{kPerf, "--processes=2", "--pin=sometimes"},
                                             {kMprun, "--pin=sometimes", kPerf},
                                             {kPerf, "--processes=2", "--repeat-each=0"},
                                             {kMprun, "--fail-on-slowdown=-5", kPerf}}) {
    p = testing_util::Run(bad, Env(dir), dir);
    EXPECT_EQ(p.status, 2) << bad[1] << bad[2] << "\n" << p.out << p.err;
    EXPECT_NE(p.err.find("--"), std::string::npos) << p.err;
  }
}

}  // namespace
}  // namespace mprun
