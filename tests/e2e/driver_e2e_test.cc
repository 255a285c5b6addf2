// Driver mode end to end: the mprun command over unmodified GoogleTest
// binaries (the misbehaving fixture built with plain gtest_main, and two
// ordinary binaries) in one pool, with 1, 2 and 8 workers: every outcome,
// the summary, the exit status, the report's binaries, and that nothing of
// the run is left. Then bad input: each gives exit 2 naming the binary.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "tests/e2e/e2e_util.h"

namespace mprun {
namespace {

using testing_util::Proc;
using testing_util::ScratchDir;

const char kMprun[] = MPRUN_BINARY;
const char kMisbehave[] = MPRUN_MISBEHAVE_PLAIN;
const char kOrdinaryA[] = MPRUN_ORDINARY_A;
const char kOrdinaryB[] = MPRUN_ORDINARY_B;
const char kSetUpPlain[] = MPRUN_SET_UP_PLAIN;
const char kFailsAtExit[] = MPRUN_FAILS_AT_EXIT;
const char kCrashesAtExit[] = MPRUN_CRASHES_AT_EXIT;
const char kIgnoresResult[] = MPRUN_IGNORES_RESULT;

using Row = testing_util::ReportRow;

std::map<std::string, Row> Report(const std::string& path, rapidjson::Document* doc) {
  return testing_util::ParseReport(testing_util::ReadFile(path), doc);
}

std::vector<std::string> OrdinaryTests(const std::string& n) {
  std::vector<std::string> out = {n + "Plain.Adds", n + "Plain.UsesAPrivateTempDir",
                                  n + "Plain.SeesTheArgumentsAfterDashDash",
                                  n + "Plain.SaysWhereItRuns"};
  for (int i = 0; i < 3; ++i) out.push_back(n + "Typed/" + std::to_string(i) + ".DefaultIsZero");
  for (int i = 0; i < 12; ++i) out.push_back("Range/" + n + "Param.IsSmall/" + std::to_string(i));
  return out;
}

class DriverE2eTest : public ::testing::TestWithParam<int> {};

TEST_P(DriverE2eTest, ThreeBinariesInOnePoolEveryOutcomeExactAndNothingLeft) {
  const int workers = GetParam();
  ScratchDir dir;
  mkdir(dir.File("tmp").c_str(), 0700);
  const std::string token = "driver" + std::to_string(getpid()) + "x" + std::to_string(workers);
  const Proc p = testing_util::Run(
      {kMprun, "-j", std::to_string(workers), "--process-timeout=1", "--json=" + dir.File("r.json"),
       kMisbehave, kOrdinaryA, kOrdinaryB, "--", "hello-arg"},
      {{"ASAN_OPTIONS", "handle_segv=0:handle_abort=0"},
       {"MISBEHAVE_PID_FILE", dir.File("children")},
       {"MISBEHAVE_TOKEN", token},
       {"ORDINARY_WANT_ARG", "hello-arg"},
       {"TMPDIR", dir.File("tmp")}},
      dir);
  EXPECT_EQ(p.status, 1) << p.out << p.err;
  rapidjson::Document doc;
  std::map<std::string, Row> rows = Report(dir.File("r.json"), &doc);
  ASSERT_EQ(rows.size(), 30u + 19u + 19u) << p.out;
  testing_util::ExpectMisbehaveOutcomes(rows);
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(rows["Many/Ordinary.Passes/" + std::to_string(i)].binary, kMisbehave);
  }
  for (const auto& [binary, prefix] : {std::pair{kOrdinaryA, "A"}, std::pair{kOrdinaryB, "B"}}) {
    for (const std::string& name : OrdinaryTests(prefix)) {
      EXPECT_EQ(rows[name].outcome, "passed") << name << ": " << rows[name].message;
      EXPECT_EQ(rows[name].binary, binary) << name;
    }
  }
  std::set<int> used;
  for (const auto& [name, row] : rows) used.insert(row.worker);
  EXPECT_LE(used.size(), static_cast<size_t>(workers));
  const auto& s = doc["summary"];
  EXPECT_EQ(s["passed"].GetInt(), 23 + 38);
  EXPECT_EQ(s["failed"].GetInt(), 1);
  EXPECT_EQ(s["skipped"].GetInt(), 1);
  EXPECT_EQ(s["crashed"].GetInt(), 4);
  EXPECT_EQ(s["timed_out"].GetInt(), 1);
  EXPECT_EQ(s["not_run"].GetInt(), 0);
  EXPECT_NE(p.out.find("\nmprun: 61 passed, 6 failed, 1 skipped\n"), std::string::npos) << p.out;

  // Nothing left: no process of the run, nothing in the temp dir.
  std::istringstream pids(testing_util::ReadFile(dir.File("children")));
  for (pid_t child; pids >> child;) {
    EXPECT_TRUE(testing_util::WaitFor([&] { return testing_util::ProcessGone(child); }, 2000))
        << "lingering child " << child << " survived the run";
  }
  EXPECT_TRUE(testing_util::WaitFor(
      [&] { return testing_util::ProcessesWithEnv("MISBEHAVE_TOKEN", token).empty(); }, 2000));
  EXPECT_TRUE(dir.List("tmp").empty()) << "left in TMPDIR: " << dir.List("tmp").front();
}

INSTANTIATE_TEST_SUITE_P(Workers, DriverE2eTest, ::testing::Values(1, 2, 8),
                         [](const auto& p) { return std::to_string(p.param) + "Workers"; });

TEST(DriverTest, FilterAndDisabledTestsApplyAcrossAllBinaries) {
  ScratchDir dir;
  Proc p = testing_util::Run({kMprun, "-j2", "--json=" + dir.File("r.json"),
                              "--gtest_filter=*Param*:*Plain.*-*/3:*Arguments*",
                              "--gtest_also_run_disabled_tests", kOrdinaryA, kOrdinaryB},
                             {}, dir);
  EXPECT_EQ(p.status, 0) << p.out << p.err;
  rapidjson::Document doc;
  std::map<std::string, Row> rows = Report(dir.File("r.json"), &doc);
  // Per binary: 11 of the 12 parameters, Adds, UsesAPrivateTempDir,
  // SaysWhereItRuns and the disabled test.
  EXPECT_EQ(rows.size(), 2u * (11 + 4)) << p.out;
  EXPECT_EQ(rows.count("APlain.DISABLED_NotByDefault"), 1u);
  EXPECT_EQ(rows.count("Range/BParam.IsSmall/3"), 0u);
  EXPECT_EQ(rows.count("BPlain.SeesTheArgumentsAfterDashDash"), 0u);

  p = testing_util::Run({kMprun, "--list", "--gtest_filter=*Typed*", kOrdinaryA, kOrdinaryB}, {},
                        dir);
  EXPECT_EQ(p.status, 0);
  EXPECT_NE(p.out.find(std::string(kOrdinaryB) + ": BTyped/2.DefaultIsZero\n"), std::string::npos)
      << p.out;
}

TEST(DriverTest, TestsRunInMprunsDirectoryOrWithChdirToBinaryInTheirBinarys) {
  ScratchDir dir;
  const std::string filter = "--gtest_filter=APlain.SaysWhereItRuns";
  Proc p = testing_util::Run({kMprun, "-j1", filter, kOrdinaryA},
                             {{"ORDINARY_CWD_FILE", dir.File("cwd")}}, dir);
  EXPECT_EQ(p.status, 0) << p.out << p.err;
  char real[4096];
  ASSERT_NE(getcwd(real, sizeof real), nullptr);  // mprun's, which the tests inherit
  EXPECT_EQ(testing_util::ReadFile(dir.File("cwd")), real);

  p = testing_util::Run({kMprun, "-j1", "--chdir-to-binary", filter, kOrdinaryA},
                        {{"ORDINARY_CWD_FILE", dir.File("cwd")}}, dir);
  EXPECT_EQ(p.status, 0) << p.out << p.err;
  std::string binary_dir = kOrdinaryA;
  binary_dir = binary_dir.substr(0, binary_dir.rfind('/'));
  ASSERT_NE(realpath(binary_dir.c_str(), real), nullptr);
  EXPECT_EQ(testing_util::ReadFile(dir.File("cwd")), real);
}

// `mprun --version`, also after a command's word: the version CMake's
// project() gives, on stdout, exit 0.
TEST(DriverTest, VersionIsPrintedByEveryCommand) {
  ScratchDir dir;
  for (const std::vector<std::string>& argv :
       {std::vector<std::string>{kMprun, "--version"},
        std::vector<std::string>{kMprun, "ctest", "--version"},
        std::vector<std::string>{kMprun, "merge", "--version"}}) {
    const Proc p = testing_util::Run(argv, {}, dir);
    EXPECT_EQ(p.status, 0) << p.err;
    EXPECT_EQ(p.out, std::string("mprun ") + MPRUN_VERSION_STRING + "\n");
  }
}

// How often a run opens the history to read it and renames a new copy
// over it, as the kernel saw it (strace), not as mprun says.
struct HistoryAccess {
  int reads = 0, writes = 0;
};
HistoryAccess TraceHistory(const std::vector<std::string>& mprun_args, const std::string& history,
                           const ScratchDir& dir) {
  const std::string trace = dir.File("strace.txt");
  std::vector<std::string> argv = {
      "/usr/bin/strace", "-f", "-qq", "-e", "trace=openat,rename,renameat,renameat2", "-o", trace};
  argv.insert(argv.end(), mprun_args.begin(), mprun_args.end());
  // LeakSanitizer cannot run under ptrace (an ASan build's processes
  // would end in its fatal error): leaks are not what this counts.
  const char* asan = std::getenv("ASAN_OPTIONS");
  const std::string asan_options = std::string(asan ? asan : "") + ":detect_leaks=0";
  const Proc p = testing_util::Run(argv, {{"ASAN_OPTIONS", asan_options}}, dir);
  EXPECT_EQ(p.status, 0) << p.out << p.err;
  HistoryAccess a;
  std::istringstream lines(testing_util::ReadFile(trace));
  const std::string quoted = "\"" + history + "\"";
  for (std::string line; std::getline(lines, line);) {
    if (line.find(quoted) == std::string::npos) continue;
    if (line.find("openat(") != std::string::npos && line.find("O_RDONLY") != std::string::npos &&
        line.find("= -1") == std::string::npos) {
      ++a.reads;
    }
    // rename(new copy, history): the history is the target, the last path.
    if (line.find("rename") != std::string::npos && line.find(quoted + ")") != std::string::npos) {
      ++a.writes;
    }
  }
  return a;
}

// The history is on every run's critical path: one read and one write per
// run, one read and no write for a shard (which must not change it for the
// next shard) and for --list, whatever needs it (the shard split, the
// suites kept whole, placement, limits).
TEST(DriverTest, TheHistoryIsReadOnceAndWrittenOncePerRun) {
  if (access("/usr/bin/strace", X_OK) != 0) {
    MPRUN_SKIP_UNLESS_CI(
        "no /usr/bin/strace to count the history's reads (apt-get install strace)");
  }
  ScratchDir dir;
  const std::string history = dir.File("h.json");
  const std::vector<std::string> run = {kMprun,      "-j2",     "-q", "--history=" + history,
                                        kSetUpPlain, kOrdinaryA};
  HistoryAccess first = TraceHistory(run, history, dir);
  EXPECT_EQ(first.reads, 0) << "no history yet";
  EXPECT_EQ(first.writes, 1);
  HistoryAccess second = TraceHistory(run, history, dir);
  EXPECT_EQ(second.reads, 1);
  EXPECT_EQ(second.writes, 1);
  std::vector<std::string> shard = run;
  shard.insert(shard.begin() + 1, "--shard=1/2");
  HistoryAccess sharded = TraceHistory(shard, history, dir);
  EXPECT_EQ(sharded.reads, 1);
  EXPECT_EQ(sharded.writes, 0);
  std::vector<std::string> list = shard;
  list.insert(list.begin() + 1, {"--list", "-v"});
  HistoryAccess listed = TraceHistory(list, history, dir);
  EXPECT_EQ(listed.reads, 1);
  EXPECT_EQ(listed.writes, 0);
}

// --timings (and MPRUN_TIMINGS): each phase once, in the order they happen,
// their times adding up to the last mark's; nothing without it.
TEST(DriverTest, TimingsSayWhereTheRunsTimeWentPhaseByPhase) {
  ScratchDir dir;
  for (const bool by_flag : {true, false}) {
    std::vector<std::string> argv = {kMprun,     "-j2",     "-q", "--history=" + dir.File("h.json"),
                                     kOrdinaryA, kOrdinaryB};
    if (by_flag) argv.insert(argv.begin() + 1, "--timings");
    const Proc p =
        testing_util::Run(argv,
                          by_flag ? std::map<std::string, std::string>{}
                                  : std::map<std::string, std::string>{{"MPRUN_TIMINGS", "1"}},
                          dir);
    EXPECT_EQ(p.status, 0) << p.out << p.err;
    size_t at = 0;
    double sum = 0, last_at = 0;
    for (const char* phase : {"options", "listing", "table", "plan", "history read", "segment",
                              "workers started", "tests run, workers gone", "strays", "reports",
                              "temporary folders", "history saved", "end"}) {
      const std::string line = std::string("mprun: timings: ") + phase + " ";
      const size_t found = p.err.find(line, at);
      ASSERT_NE(found, std::string::npos) << phase << " missing or out of order:\n" << p.err;
      double own = 0;
      ASSERT_EQ(
          std::sscanf(p.err.c_str() + found + line.size(), " %lf ms (at %lf ms)", &own, &last_at),
          2)
          << p.err;
      EXPECT_GE(own, 0);
      sum += own;
      at = found + line.size();
    }
    // Every phase counted (the history's save once went missing here, 0.10
    // ms of it); each figure is rounded to 0.01 ms, so the thirteen and the
    // last mark may each be 0.005 off.
    EXPECT_NEAR(sum, last_at, 14 * 0.005 + 1e-9) << p.err;
  }
  const Proc quiet = testing_util::Run({kMprun, "-j2", "-q", "--no-history", kOrdinaryA}, {}, dir);
  EXPECT_EQ(quiet.err.find("timings"), std::string::npos) << quiet.err;
  // --no-history: no history phase, and no word about the history not
  // being saved (the user asked for none).
  const Proc none =
      testing_util::Run({kMprun, "-j2", "-q", "--timings", "--no-history", kOrdinaryA}, {}, dir);
  EXPECT_EQ(none.status, 0) << none.err;
  EXPECT_EQ(none.err.find("history"), std::string::npos) << none.err;
}

// With a history, a binary's listing is kept beside it and used again while
// the binary is the same file run the same way; another binary at the same
// path, another environment or --no-listing-cache lists it again.
TEST(DriverTest, KeepsTheListingOfAnUnchangedBinaryRunTheSameWay) {
  ScratchDir dir;
  const std::string bin = dir.File("bin");
  auto copy = [&](const char* from) {
    std::ifstream in(from, std::ios::binary);
    std::ofstream(bin + ".new", std::ios::binary) << in.rdbuf();
    chmod((bin + ".new").c_str(), 0755);
    rename((bin + ".new").c_str(), bin.c_str());  // a new file, as a build writes one
  };
  copy(kOrdinaryA);
  const char kFromCache[] = "1 of 1 binaries' listings from the cache";
  auto run = [&](std::vector<std::string> extra, std::map<std::string, std::string> env) {
    std::vector<std::string> argv = {kMprun, "-j2", "-v", "--history=" + dir.File("h/h.json"),
                                     "--json=" + dir.File("r.json")};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back(bin);
    const Proc p = testing_util::Run(argv, env, dir);
    EXPECT_EQ(p.status, 0) << p.out << p.err;
    return p.out.find(kFromCache) != std::string::npos;
  };
  EXPECT_FALSE(run({}, {})) << "a first run lists";
  EXPECT_TRUE(run({}, {}));
  EXPECT_FALSE(run({}, {{"SOME_SETTING", "1"}})) << "another environment";
  EXPECT_FALSE(run({"--no-listing-cache"}, {}));
  EXPECT_FALSE(run({"--no-history"}, {}));
  copy(kOrdinaryB);  // another binary at the same path
  EXPECT_FALSE(run({}, {}));
  rapidjson::Document doc;
  const auto rows = Report(dir.File("r.json"), &doc);
  EXPECT_EQ(rows.count("BPlain.Adds"), 1u);
  EXPECT_EQ(rows.count("APlain.Adds"), 0u);
  EXPECT_TRUE(run({}, {}));
}

// Driver mode cannot see a suite's SetUpTestSuite; its history can. A first
// run spreads the suite Costly (eight 10 ms tests after a 100 ms set-up)
// over its launches, each paying the set-up; the next run keeps it whole
// and pays it once.
TEST(DriverTest, ASuiteWhoseSetUpIsExpensiveIsLearnedAndThenKeptWhole) {
  ScratchDir dir;
  const std::string log = dir.File("set_ups");
  const std::map<std::string, std::string> env = {{"SET_UP_LOG", log},
                                                  {"SET_UP_MS", "100"},
                                                  {"MPRUN_NO_HISTORY", "\x01unset"},
                                                  {"MPRUN_HISTORY", dir.File("history.json")}};
  auto set_ups = [&] {
    std::string text = testing_util::ReadFile(log);
    std::remove(log.c_str());
    return std::count(text.begin(), text.end(), '\n');
  };
  const Proc first = testing_util::Run({kMprun, "-j2", "-v", kSetUpPlain}, env, dir);
  ASSERT_EQ(first.status, 0) << first.out << first.err;
  EXPECT_EQ(first.out.find("kept whole"), std::string::npos) << first.out;
  EXPECT_GE(set_ups(), 1);
  const Proc next = testing_util::Run({kMprun, "-j2", "-v", kSetUpPlain}, env, dir);
  ASSERT_EQ(next.status, 0) << next.out << next.err;
  EXPECT_NE(next.out.find("mprun: 1 suite kept whole"), std::string::npos) << next.out;
  EXPECT_EQ(set_ups(), 1) << "Costly ran in one launch";
  const Proc listed = testing_util::Run({kMprun, "-j2", "--list", "-v", kSetUpPlain}, env, dir);
  ASSERT_EQ(listed.status, 0) << listed.out << listed.err;
  EXPECT_NE(
      listed.out.find("Costly: 8 tests kept together (SetUpTestSuite seen by an earlier run)"),
      std::string::npos)
      << listed.out;
  // --dist=test asks for every test on its own: nothing is kept whole.
  const Proc by_test =
      testing_util::Run({kMprun, "-j2", "-v", "--dist=test", kSetUpPlain}, env, dir);
  ASSERT_EQ(by_test.status, 0) << by_test.out << by_test.err;
  EXPECT_EQ(by_test.out.find("kept whole"), std::string::npos) << by_test.out;
}

TEST(DriverTest, TwentyBinariesAreListedWithinAFileDescriptorLimitOf40) {
  // Listed all at once, 20 binaries would hold 40 pipe ends.
  ScratchDir dir;
  std::string command = "ulimit -n 40 && exec " + std::string(kMprun) +
                        " -j2 -q --no-history --gtest_filter=APlain.Adds";
  for (int i = 0; i < 20; ++i) command += std::string(" ") + kOrdinaryA;
  const Proc p = testing_util::Run({"/bin/sh", "-c", command}, {}, dir);
  EXPECT_EQ(p.status, 0) << p.out << p.err;
  EXPECT_NE(p.out.find("mprun: 20 passed, 0 failed, 0 skipped"), std::string::npos) << p.out;
}

TEST(DriverTest, ShardsSplitTheRunIntoDisjointPartsThatCoverIt) {
  ScratchDir dir;
  std::map<std::string, int> seen;
  for (int k = 1; k <= 3; ++k) {
    const std::string report = dir.File("shard" + std::to_string(k) + ".json");
    const Proc p =
        testing_util::Run({kMprun, "-j2", "--no-history", "--shard=" + std::to_string(k) + "/3",
                           "--json=" + report, kOrdinaryA, kOrdinaryB},
                          {}, dir);
    EXPECT_EQ(p.status, 0) << p.out << p.err;
    EXPECT_NE(p.out.find("(shard " + std::to_string(k) + " of 3)"), std::string::npos) << p.out;
    rapidjson::Document doc;
    for (const auto& [name, row] : Report(report, &doc)) ++seen[row.binary + " " + name];
    ASSERT_TRUE(doc.HasMember("shard"));
    EXPECT_EQ(doc["shard"]["index"].GetInt(), k);
    EXPECT_EQ(doc["shard"]["total"].GetInt(), 3);
  }
  EXPECT_EQ(seen.size(), 2u * 19);
  for (const auto& [name, count] : seen) EXPECT_EQ(count, 1) << name;

  // mprun merge: one report, one JUnit file, one summary.
  const std::string s1 = dir.File("shard1.json"), s2 = dir.File("shard2.json"),
                    s3 = dir.File("shard3.json");
  Proc m = testing_util::Run({kMprun, "merge", "--json=" + dir.File("all.json"),
                              "--junit-xml=" + dir.File("all.xml"), s1, s2, s3},
                             {}, dir);
  EXPECT_EQ(m.status, 0) << m.out << m.err;
  EXPECT_NE(m.out.find("mprun: 38 passed, 0 failed, 0 skipped"), std::string::npos) << m.out;
  rapidjson::Document all;
  EXPECT_EQ(Report(dir.File("all.json"), &all).size(), 38u);
  EXPECT_NE(testing_util::ReadFile(dir.File("all.xml")).find("<testsuite"), std::string::npos);
  m = testing_util::Run({kMprun, "merge", s1, s3}, {}, dir);
  EXPECT_EQ(m.status, 1);
  EXPECT_NE(m.out.find("shard 2 of 3 is missing"), std::string::npos) << m.out;
  m = testing_util::Run({kMprun, "merge", s1, s2, s3, s2}, {}, dir);
  EXPECT_EQ(m.status, 1);
  // Shard 2's tests, counted and named in one line, not one error each.
  EXPECT_NE(m.out.find("tests are reported twice: ordinary_"), std::string::npos) << m.out;
  EXPECT_LT(std::count(m.out.begin(), m.out.end(), '\n'), 12) << m.out;
  std::ofstream(dir.File("junk.json")) << "{\"tests\": 3}";
  m = testing_util::Run({kMprun, "merge", s1, dir.File("junk.json")}, {}, dir);
  EXPECT_EQ(m.status, 2);
  EXPECT_NE(m.err.find("junk.json: not an mprun JSON report"), std::string::npos) << m.err;
  // A report claiming absurd figures (tests/fuzz/regressions/merge): no
  // undefined casts, no loop over four billion shards.
  std::ofstream(dir.File("absurd.json"))
      << R"({"mprun_version": "x", "processes": -3, "wall_seconds": 1e308,)"
      << R"( "shard": {"index": -1, "total": 4294967295}, "tests": [{"binary": "b",)"
      << R"( "name": "S.t", "outcome": "passed", "duration_ms": -1e300, "iteration": 1e99}]})";
  m = testing_util::Run({kMprun, "merge", dir.File("absurd.json")}, {}, dir);
  EXPECT_EQ(m.status, 1) << m.out << m.err;
  EXPECT_NE(m.out.find("shard 1 of 4294967295 is missing"), std::string::npos) << m.out;
  EXPECT_NE(m.out.find("and 4294967285 more shards of 4294967295 are missing"), std::string::npos)
      << m.out;

  // Bazel's protocol: the status file says mprun shards; the binaries see
  // no shard variable (gtest would then run only its own slice of each batch).
  Proc p = testing_util::Run({kMprun, "-j2", "--no-history", kOrdinaryA},
                             {{"TEST_TOTAL_SHARDS", "2"},
                              {"TEST_SHARD_INDEX", "1"},
                              {"GTEST_TOTAL_SHARDS", "2"},
                              {"GTEST_SHARD_INDEX", "1"},
                              {"TEST_SHARD_STATUS_FILE", dir.File("status")}},
                             dir);
  EXPECT_EQ(p.status, 0) << p.out << p.err;
  EXPECT_NE(p.out.find("(shard 2 of 2)"), std::string::npos) << p.out;
  EXPECT_EQ(access(dir.File("status").c_str(), F_OK), 0) << "TEST_SHARD_STATUS_FILE not touched";

  p = testing_util::Run({kMprun, "--shard=1/2", kOrdinaryA},
                        {{"GTEST_TOTAL_SHARDS", "3"}, {"GTEST_SHARD_INDEX", "0"}}, dir);
  EXPECT_EQ(p.status, 2);
  EXPECT_NE(p.err.find("--shard=1/2 (shard 1 of 2) and GTEST_TOTAL_SHARDS/GTEST_SHARD_INDEX "
                       "(shard 1 of 3) disagree"),
            std::string::npos)
      << p.err;
}

TEST(DriverTest, ABinaryThatDiesBeforeAnyTestFailsItsTestsAfterThreeLaunches) {
  // Also with --process-restartworker, where a batch that never ran must not
  // end its worker: a fresh one would start counting launches again, for
  // ever (it did).
  for (bool restart : {false, true}) {
    ScratchDir dir;
    std::vector<std::string> argv = {kMprun, "-j2", "--json=" + dir.File("r.json"),
                                     "--gtest_filter=Many/*", kMisbehave};
    if (restart) argv.insert(argv.begin() + 1, "--process-restartworker");
    const Proc p = testing_util::Run(
        argv, {{"MISBEHAVE_ENV", "crash"}, {"ASAN_OPTIONS", "handle_segv=0"}}, dir);
    EXPECT_EQ(p.status, 1) << restart << "\n" << p.out << p.err;
    rapidjson::Document doc;
    std::map<std::string, Row> rows = Report(dir.File("r.json"), &doc);
    ASSERT_EQ(rows.size(), 20u) << restart;
    for (const auto& [name, row] : rows) {
      EXPECT_EQ(row.outcome, "crashed") << name;
      // Three launches in a worker; a fourth (tests another worker gave
      // back) fails at once.
      EXPECT_NE(row.message.find("before running any test, "), std::string::npos) << row.message;
      EXPECT_NE(row.message.find(" times in a row"), std::string::npos) << row.message;
      EXPECT_NE(row.message.find("SIGSEGV"), std::string::npos) << row.message;
    }
  }
}

// A launch whose tests all ended, and the program's exit says otherwise:
// never a silent pass. A check at exit (a leak checker's) or a crash in a
// static destructor after tests that passed is an error of the run; a
// main() that returns 0 though a test failed is a warning (the test stays
// failed). An ordinary binary's launches agree with themselves.
TEST(DriverTest, AProgramWhoseExitSaysOtherwiseThanItsTestsIsNoSilentPass) {
  struct Case {
    const char* binary;
    int status;
    const char* error;    // in the report's errors; "" none
    const char* warning;  // in its warnings; "" none
    size_t failed;        // tests failed
  };
  const Case cases[] = {
      {kFailsAtExit, 1, "ended (exit status 1) after ", "", 0},
      {kCrashesAtExit, 1, "ended (SIGSEGV", "", 0},
      {kIgnoresResult, 1, "", "ended (exit status 0) though ", 1},
      {kOrdinaryA, 0, "", "", 0},
  };
  for (const Case& c : cases) {
    ScratchDir dir;
    const Proc p =
        testing_util::Run({kMprun, "-j2", "--no-history", "--json=" + dir.File("r.json"), c.binary},
                          {{"ASAN_OPTIONS", "handle_segv=0:detect_leaks=0"}}, dir);
    EXPECT_EQ(p.status, c.status) << c.binary << "\n" << p.out << p.err;
    rapidjson::Document doc;
    const std::map<std::string, Row> rows = Report(dir.File("r.json"), &doc);
    ASSERT_FALSE(rows.empty()) << c.binary;
    size_t failed = 0;
    for (const auto& [name, row] : rows) failed += row.outcome == "failed" ? 1 : 0;
    EXPECT_EQ(failed, c.failed) << c.binary;
    for (const auto& [field, want] : {std::pair{"errors", c.error}, {"warnings", c.warning}}) {
      const auto& list = doc[field].GetArray();
      if (*want == '\0') {
        EXPECT_EQ(list.Size(), 0u) << c.binary << " " << field << "\n" << p.out;
        continue;
      }
      ASSERT_GE(list.Size(), 1u) << c.binary << " " << field << "\n" << p.out;
      const std::string told = list[0].GetString();
      EXPECT_EQ(told.rfind(std::string(c.binary) + " " + want, 0), 0u) << told;
      if (c.binary == kFailsAtExit) {  // what it printed, for the user to see why
        EXPECT_NE(told.find("leak check: 1 block"), std::string::npos) << told;
      }
    }
  }
}

TEST(DriverTest, BadInputExitsTwoNamingTheBinary) {
  ScratchDir dir;
  const std::string missing = dir.File("no_such_test");
  const std::string plain_file = dir.File("not_executable");
  std::ofstream(plain_file) << "data\n";
  const std::string nonsense = dir.File("nonsense.sh");
  std::ofstream(nonsense) << "#!/bin/sh\necho 'hello, I am not a test binary'\n";
  chmod(nonsense.c_str(), 0755);
  const std::string hangs = dir.File("hangs.sh");
  std::ofstream(hangs) << "#!/bin/sh\nexec sleep 600\n";
  chmod(hangs.c_str(), 0755);
  const std::string silent = dir.File("silent.sh");
  std::ofstream(silent) << "#!/bin/sh\nexit 0\n";
  chmod(silent.c_str(), 0755);
  const std::string fails = dir.File("fails.sh");
  std::ofstream(fails) << "#!/bin/sh\necho 'cannot open display' >&2\nexit 4\n";
  chmod(fails.c_str(), 0755);

  struct Case {
    std::vector<std::string> args;
    std::string says;
  };
  const std::vector<Case> cases = {
      {{missing}, missing + ": No such file or directory"},
      {{plain_file}, plain_file + ": not executable"},
      {{dir.path()}, dir.path() + ": not a regular file"},
      {{kOrdinaryA, nonsense},
       nonsense + ": --gtest_list_tests: it listed no tests (it printed: \"hello, I am not"},
      {{silent}, silent + ": --gtest_list_tests: it listed no tests"},
      {{fails}, fails + ": --gtest_list_tests exited with status 4"},
      {{"--list-timeout=0.5", hangs}, hangs + ": --gtest_list_tests did not finish within 0.5"},
      {{}, "no test binary given"},
      {{"--frobnicate", kOrdinaryA}, "--frobnicate: unknown option"},
      {{"--list-timeout=soon", kOrdinaryA}, "--list-timeout: 'soon'"},
      {{"--processes=many", kOrdinaryA}, "--processes"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> argv = {kMprun};
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    const Proc p = testing_util::Run(argv, {}, dir);
    EXPECT_EQ(p.status, 2) << c.says << "\n" << p.out << p.err;
    EXPECT_NE(p.err.find(c.says), std::string::npos) << "wanted: " << c.says << "\ngot: " << p.err;
  }
  const Proc p = testing_util::Run({kMprun, fails}, {}, dir);
  EXPECT_NE(p.err.find("cannot open display"), std::string::npos) << "its stderr is shown";
}

}  // namespace
}  // namespace mprun
