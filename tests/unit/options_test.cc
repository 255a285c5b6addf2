#include "core/input/options.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace mprun::core {
namespace {

struct Parsed {
  bool ok;
  Options opts;
  std::string err;
  std::vector<std::string> rest;
};

Parsed Parse(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
  args.insert(args.begin(), "bin");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int argc = static_cast<int>(args.size());
  Parsed p;
  p.ok = ParseOptions(
      &argc, argv.data(), [&env](const char* n) { return env.count(n) ? env[n].c_str() : nullptr; },
      &p.opts, &p.err);
  for (int i = 1; i < argc; ++i) p.rest.push_back(argv[i]);
  return p;
}

// nose's flags, except the limit: not given, each test gets its own from
// its history (never nose's 10 s), and a test past 10 s is called slow.
TEST(OptionsTest, DefaultsFollowNoseButTheLimitIsEachTestsOwn) {
  Parsed p = Parse({});
  ASSERT_TRUE(p.ok);
  EXPECT_FALSE(p.opts.processes.has_value());
  EXPECT_TRUE(p.opts.auto_timeout());
  EXPECT_EQ(p.opts.slow_after_s, 10.0);
  EXPECT_TRUE(p.opts.history_from.empty());
  EXPECT_FALSE(p.opts.restart_worker);
  EXPECT_FALSE(Parse({"--process-timeout=10"}).opts.auto_timeout());
  EXPECT_FALSE(Parse({"--process-timeout=0"}).opts.auto_timeout());
  EXPECT_EQ(Parse({"--slow-after=2.5"}).opts.slow_after_s, 2.5);
  EXPECT_EQ(Parse({"--history-from", "r.json"}).opts.history_from, "r.json");
  EXPECT_FALSE(Parse({"--slow-after=soon"}).ok);
}

TEST(OptionsTest, AcceptsEqualsSpaceAndShortForms) {
  EXPECT_EQ(Parse({"--processes=4"}).opts.processes, 4);
  EXPECT_EQ(Parse({"--processes", "-1"}).opts.processes, -1);
  EXPECT_EQ(Parse({"-j", "3"}).opts.processes, 3);
  EXPECT_EQ(Parse({"-j8"}).opts.processes, 8);
  EXPECT_EQ(Parse({"--process-timeout=0.25"}).opts.process_timeout_s, 0.25);
  EXPECT_TRUE(Parse({"--process-restartworker"}).opts.restart_worker);
  EXPECT_EQ(Parse({"--json", "r.json"}).opts.json_path, "r.json");
  EXPECT_EQ(Parse({"-v"}).opts.verbosity, 2);
  EXPECT_EQ(Parse({"-q"}).opts.verbosity, 0);
  EXPECT_EQ(Parse({"--dist=suite"}).opts.dist, Dist::kSuite);
  EXPECT_EQ(Parse({}, {{"MPRUN_DIST", "test"}}).opts.dist, Dist::kTest);
  EXPECT_TRUE(Parse({"--list"}).opts.list);
  EXPECT_TRUE(Parse({"-x"}).opts.stop_on_failure);
  EXPECT_TRUE(Parse({"--stop"}).opts.stop_on_failure);
}

TEST(OptionsTest, LeavesOtherFlagsForGoogleTestInOrder) {
  Parsed p = Parse({"--gtest_filter=A.*", "-j2", "--my-flag", "x", "--", "--processes=9"});
  ASSERT_TRUE(p.ok);
  EXPECT_EQ(p.opts.processes, 2);
  EXPECT_EQ(p.rest, (std::vector<std::string>{"--gtest_filter=A.*", "--my-flag", "x", "--",
                                              "--processes=9"}));
}

TEST(OptionsTest, FlagsWinOverTheEnvironment) {
  Parsed p = Parse({"--processes=2"}, {{"MPRUN_PROCESSES", "7"},
                                       {"MPRUN_PROCESS_TIMEOUT", "3"},
                                       {"MPRUN_PROCESS_RESTARTWORKER", "yes"}});
  ASSERT_TRUE(p.ok) << p.err;
  EXPECT_EQ(p.opts.processes, 2);
  EXPECT_EQ(p.opts.process_timeout_s, 3.0);
  EXPECT_TRUE(p.opts.restart_worker);
}

TEST(OptionsTest, AnExplicitHistoryFileWinsOverMprunNoHistory) {
  Parsed p = Parse({"--history=h.json"}, {{"MPRUN_NO_HISTORY", "1"}});
  ASSERT_TRUE(p.ok) << p.err;
  EXPECT_FALSE(p.opts.no_history);
  p = Parse({}, {{"MPRUN_NO_HISTORY", "1"}});
  EXPECT_TRUE(p.opts.no_history);
  p = Parse({"--history=h.json", "--no-history"});
  EXPECT_TRUE(p.opts.no_history);
}

TEST(OptionsTest, PerfFlags) {
  Parsed p = Parse({"--pin=cores", "--exclusive=Perf*.*", "--repeat-each", "7", "--perf-report",
                    "--fail-on-slowdown=12.5"});
  ASSERT_TRUE(p.ok) << p.err;
  EXPECT_EQ(p.opts.pin, PinMode::kCores);
  EXPECT_EQ(p.opts.exclusive, "Perf*.*");
  EXPECT_EQ(p.opts.repeat_each, 7);
  EXPECT_TRUE(p.opts.perf_report);
  EXPECT_EQ(p.opts.fail_on_slowdown_pct, 12.5);
  p = Parse({}, {{"MPRUN_PIN", "none"}, {"MPRUN_EXCLUSIVE", "A.*"}});
  ASSERT_TRUE(p.ok) << p.err;
  EXPECT_EQ(p.opts.pin, PinMode::kNone);
  EXPECT_EQ(p.opts.exclusive, "A.*");
  p = Parse({"--pin=auto"}, {{"MPRUN_PIN", "cores"}});
  EXPECT_EQ(p.opts.pin, PinMode::kAuto);
}

TEST(OptionsTest, BadValuesNameTheFlagOrVariable) {
  struct Bad {
    std::vector<std::string> args;
    std::map<std::string, std::string> env;
    std::string starts;
  };
  for (const Bad& b : std::vector<Bad>{
           {{"--processes=x"}, {}, "--processes: 'x'"},
           {{"--processes=99999"}, {}, "--processes: '99999'"},
           {{"--processes"}, {}, "--processes: needs a value"},
           {{"--process-timeout=-2"}, {}, "--process-timeout: '-2'"},
           {{"--process-timeout=nan"}, {}, "--process-timeout: 'nan'"},
           {{"--process-restartworker=no"}, {}, "--process-restartworker: takes no value"},
           {{"--process-timeuot=3"}, {}, "--process-timeuot: unknown option"},
           {{"--json="}, {}, "--json: needs a file name"},
           {{"--dist=module"}, {}, "--dist: 'module'"},
           {{}, {{"MPRUN_DIST", "x"}}, "MPRUN_DIST: 'x'"},
           {{}, {{"MPRUN_PROCESSES", "2x"}}, "MPRUN_PROCESSES: '2x'"},
           {{}, {{"MPRUN_PROCESS_TIMEOUT", "-1"}}, "MPRUN_PROCESS_TIMEOUT: '-1'"},
           {{}, {{"MPRUN_PROCESS_RESTARTWORKER", "maybe"}}, "MPRUN_PROCESS_RESTARTWORKER: 'maybe'"},
           {{"--pin=threads"}, {}, "--pin: 'threads'"},
           {{}, {{"MPRUN_PIN", "all"}}, "MPRUN_PIN: 'all'"},
           {{"--exclusive="}, {}, "--exclusive: needs a pattern"},
           {{"--exclusive=A\nB"}, {}, "--exclusive: the pattern has a control character"},
           {{"--repeat-each=0"}, {}, "--repeat-each: '0'"},
           {{"--repeat-each=3x"}, {}, "--repeat-each: '3x'"},
           {{"--fail-on-slowdown=0"}, {}, "--fail-on-slowdown: '0'"},
           {{"--fail-on-slowdown=ten"}, {}, "--fail-on-slowdown: 'ten'"},
           {{"--perf-report=yes"}, {}, "--perf-report: takes no value"},
           {{"--progress=fancy"}, {}, "--progress: 'fancy' is not one of auto, bar, dots, none"},
           {{"--color=sometimes"}, {}, "--color: 'sometimes' is not one of auto, always, never"},
           {{"--show-output=some"}, {}, "--show-output: 'some' is not one of failed, all"},
           {{"-jx"}, {}, "--processes: 'x'"},
           {{}, {{"MPRUN_NO_HISTORY", "perhaps"}}, "MPRUN_NO_HISTORY: 'perhaps'"},
       }) {
    Parsed p = Parse(b.args, b.env);
    EXPECT_FALSE(p.ok);
    EXPECT_EQ(p.err.rfind(b.starts, 0), 0u) << p.err;
  }
}

TEST(OptionsTest, ProgressAndColorAreParsedOnce) {
  EXPECT_EQ(Parse({}).opts.progress, ProgressMode::kAuto);
  EXPECT_EQ(Parse({"--progress=bar"}).opts.progress, ProgressMode::kBar);
  EXPECT_EQ(Parse({"--progress", "dots"}).opts.progress, ProgressMode::kDots);
  EXPECT_EQ(Parse({"--progress=none"}).opts.progress, ProgressMode::kNone);
  EXPECT_EQ(Parse({}).opts.color, ColorMode::kAuto);
  EXPECT_EQ(Parse({"--color=always"}).opts.color, ColorMode::kAlways);
  EXPECT_EQ(Parse({"--color=never"}).opts.color, ColorMode::kNever);
  EXPECT_TRUE(Parse({"--show-output=all"}).opts.show_all_output);
  EXPECT_FALSE(Parse({"--show-output=failed"}).opts.show_all_output);
}

TEST(OptionsTest, AnEmptyVariableIsNotSet) {
  Parsed p = Parse({}, {{"MPRUN_PROCESSES", ""},
                        {"MPRUN_PROCESS_RESTARTWORKER", ""},
                        {"MPRUN_NO_HISTORY", ""},
                        {"MPRUN_HISTORY", ""}});
  ASSERT_TRUE(p.ok) << p.err;
  EXPECT_FALSE(p.opts.processes.has_value());
  EXPECT_FALSE(p.opts.restart_worker);
  EXPECT_FALSE(p.opts.no_history);
  EXPECT_EQ(p.opts.history_path, ".mprun/history.json");
  p = Parse({}, {{"MPRUN_PROCESS_RESTARTWORKER", "off"}, {"MPRUN_HISTORY", "h.json"}});
  EXPECT_FALSE(p.opts.restart_worker);
  EXPECT_EQ(p.opts.history_path, "h.json");
}

TEST(OptionsTest, OnlyTheFirstBadThingIsTold) {
  // Flags before variables; variables in a fixed order.
  EXPECT_EQ(Parse({"--processes=x"}, {{"MPRUN_DIST", "y"}}).err.rfind("--processes", 0), 0u);
  EXPECT_EQ(Parse({}, {{"MPRUN_PROCESSES", "x"}, {"MPRUN_DIST", "y"}}).err.rfind("MPRUN_PROC", 0),
            0u);
}

TEST(OptionsTest, SubCommandsAreNamedByTheirFirstArgument) {
  std::string bin = "mprun", merge = "merge", report = "report", other = "--processes=2";
  char* m[] = {bin.data(), merge.data(), nullptr};
  char* r[] = {bin.data(), report.data(), nullptr};
  char* o[] = {bin.data(), other.data(), merge.data(), nullptr};
  EXPECT_EQ(CommandOf(2, m), Command::kMerge);
  EXPECT_EQ(CommandOf(2, r), Command::kReport);
  EXPECT_EQ(CommandOf(3, o), Command::kRun);  // a binary called merge, after a flag
  EXPECT_EQ(CommandOf(1, m), Command::kRun);
  EXPECT_EQ(ErrorPrefix(Command::kRun), "mprun: error: ");
  EXPECT_EQ(ErrorPrefix(Command::kMerge), "mprun merge: error: ");
  EXPECT_EQ(ErrorPrefix(Command::kReport), "mprun report: error: ");
}

template <typename T>
struct SubParsed {
  bool ok;
  T opts;
  std::string err;
};

template <typename T>
SubParsed<T> ParseSub(bool (*parse)(int, char**, T*, std::string*), std::vector<std::string> args) {
  args.insert(args.begin(), "sub");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  SubParsed<T> p;
  p.ok = parse(static_cast<int>(args.size()), argv.data(), &p.opts, &p.err);
  return p;
}

TEST(OptionsTest, MergeTakesReportsAndItsOwnOptions) {
  auto p = ParseSub(ParseMergeOptions, {"--json=a.json", "-q", "s1.json", "--junit-xml", "j.xml",
                                        "--history=h.json", "s2.json"});
  ASSERT_TRUE(p.ok) << p.err;
  EXPECT_EQ(p.opts.json_path, "a.json");
  EXPECT_EQ(p.opts.junit_path, "j.xml");
  EXPECT_EQ(p.opts.history_path, "h.json");
  EXPECT_EQ(p.opts.verbosity, 0);
  EXPECT_EQ(p.opts.inputs, (std::vector<std::string>{"s1.json", "s2.json"}));
  EXPECT_EQ(ParseSub(ParseMergeOptions, {"-v", "r.json"}).opts.verbosity, 2);
  // --help is answered whatever follows it.
  p = ParseSub(ParseMergeOptions, {"--help", "--bogus"});
  EXPECT_TRUE(p.ok && p.opts.help);
}

TEST(OptionsTest, ReportTakesReportsAndItsOwnOptions) {
  auto p = ParseSub(ParseReportOptions, {"--html", "p.html", "--history=h.json", "r.json"});
  ASSERT_TRUE(p.ok) << p.err;
  EXPECT_EQ(p.opts.html_path, "p.html");
  EXPECT_EQ(p.opts.history_path, "h.json");
  EXPECT_EQ(p.opts.inputs, std::vector<std::string>{"r.json"});
  EXPECT_TRUE(ParseSub(ParseReportOptions, {"-h"}).opts.help);
}

TEST(OptionsTest, MergeAndReportRefuseWhatTheyDoNotKnow) {
  struct Bad {
    bool merge;
    std::vector<std::string> args;
    std::string err;
  };
  const std::string merge_usage =
      " (usage: mprun merge [--json=FILE] [--junit-xml=FILE] [--history=FILE] [-q|-v] "
      "REPORT.json...)";
  const std::string report_usage =
      " (usage: mprun report --html=FILE [--history=FILE] REPORT.json...)";
  for (const Bad& b : std::vector<Bad>{
           {true, {}, "no report given" + merge_usage},
           {true, {"--frob", "r.json"}, "--frob: unknown option" + merge_usage},
           {true, {"--", "r.json"}, "--: unknown option" + merge_usage},
           {true, {"--history=", "r.json"}, "--history: needs a file name"},
           {true, {"r.json", "--json"}, "--json: needs a value"},
           {true, {"--quiet=1", "r.json"}, "--quiet: takes no value"},
           {false, {"r.json"}, "--html=FILE is required" + report_usage},
           {false, {"--html=p.html"}, "no report given" + report_usage},
           {false, {"--html=", "r.json"}, "--html: needs a file name"},
           {false, {"-q", "r.json"}, "-q: unknown option" + report_usage},
       }) {
    const std::string err = b.merge ? ParseSub(ParseMergeOptions, b.args).err
                                    : ParseSub(ParseReportOptions, b.args).err;
    EXPECT_EQ(err, b.err);
  }
}

struct CtestParsed {
  bool ok;
  Options run;
  CtestOptions ctest;
  std::string err;
};
CtestParsed ParseCtest(std::vector<std::string> args,
                       const std::map<std::string, std::string>& env = {}) {
  args.insert(args.begin(), "ctest");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  CtestParsed p;
  p.ok = ParseCtestOptions(
      static_cast<int>(args.size()), argv.data(),
      [&env](const char* name) -> const char* {
        const auto it = env.find(name);
        return it == env.end() ? nullptr : it->second.c_str();
      },
      &p.run, &p.ctest, &p.err);
  return p;
}

TEST(OptionsTest, CtestTakesCtestsOptionsAndARunsOptions) {
  char prog[] = "mprun", word[] = "ctest";
  char* c[] = {prog, word, nullptr};
  EXPECT_EQ(CommandOf(2, c), Command::kCtest);
  EXPECT_EQ(ErrorPrefix(Command::kCtest), "mprun ctest: error: ");
  auto p = ParseCtest({"--test-dir",
                       "b",
                       "-C",
                       "Debug",
                       "-R",
                       "a.*",
                       "-E",
                       "slow",
                       "-LE",
                       "gpu",
                       "-L",
                       "unit",
                       "-j4",
                       "--timeout",
                       "2.5",
                       "--stop-on-failure",
                       "--output-on-failure",
                       "--repeat",
                       "until-pass:3",
                       "-N",
                       "--output-junit",
                       "j.xml",
                       "--json=r.json"});
  ASSERT_TRUE(p.ok) << p.err;
  EXPECT_EQ(p.ctest.test_dir, "b");
  EXPECT_EQ(p.ctest.config, "Debug");
  EXPECT_EQ(p.ctest.include, "a.*");
  EXPECT_EQ(p.ctest.exclude, "slow");
  EXPECT_EQ(p.ctest.label, "unit");
  EXPECT_EQ(p.ctest.label_exclude, "gpu");  // not -L with the value "E"
  EXPECT_EQ(p.run.processes.value_or(0), 4);
  EXPECT_EQ(p.ctest.timeout_s.value_or(0), 2.5);
  EXPECT_TRUE(p.run.stop_on_failure);
  EXPECT_EQ(p.ctest.repeat, CtestRepeat::kUntilPass);
  EXPECT_EQ(p.ctest.repeat_count, 3);
  EXPECT_TRUE(p.run.list);
  EXPECT_EQ(p.run.junit_path, "j.xml");
  EXPECT_EQ(p.run.json_path, "r.json");
}

// ctest's -j takes a number only when one follows (CMake 3.29's -j
// without one: all usable cores); never the next option.
TEST(OptionsTest, CtestsParallelTakesANumberOnlyWhenOneFollows) {
  EXPECT_EQ(ParseCtest({"-j", "-N"}).run.processes, -1);
  EXPECT_TRUE(ParseCtest({"-j", "-N"}).run.list);
  EXPECT_EQ(ParseCtest({"-j"}).run.processes, -1);
  EXPECT_EQ(ParseCtest({"-j", "3"}).run.processes, 3);
  EXPECT_EQ(ParseCtest({"-j3"}).run.processes, 3);
  EXPECT_EQ(ParseCtest({"--parallel", "5", "-N"}).run.processes, 5);
  EXPECT_EQ(ParseCtest({"--parallel=6"}).run.processes, 6);
  EXPECT_EQ(ParseCtest({"--parallel", "build"}).err.rfind("build: unknown ctest option", 0), 0u);
  EXPECT_EQ(ParseCtest({"-j", "0"}).err, "--parallel: '0' is not a number of jobs (1 or more)");
  // mprun's own spelling still works; ctest's comes first where both are.
  EXPECT_EQ(ParseCtest({"--processes=2"}).run.processes, 2);
}

// ctest's variables, with ctest's precedence: the command line first;
// MPRUN_PROCESSES, mprun's own, before CTEST_PARALLEL_LEVEL.
TEST(OptionsTest, CtestsVariablesGiveWayToTheCommandLine) {
  using Env = std::map<std::string, std::string>;
  EXPECT_EQ(ParseCtest({}, Env{{"CTEST_PARALLEL_LEVEL", "1"}}).run.processes, 1);
  EXPECT_EQ(ParseCtest({"-j2"}, Env{{"CTEST_PARALLEL_LEVEL", "1"}}).run.processes, 2);
  EXPECT_EQ(ParseCtest({"--processes=3"}, Env{{"CTEST_PARALLEL_LEVEL", "1"}}).run.processes, 3);
  EXPECT_EQ(
      ParseCtest({}, Env{{"CTEST_PARALLEL_LEVEL", "1"}, {"MPRUN_PROCESSES", "4"}}).run.processes,
      4);
  EXPECT_EQ(ParseCtest({"-j2"}, Env{{"MPRUN_PROCESSES", "4"}}).run.processes, 2);
  EXPECT_EQ(ParseCtest({}, Env{{"CTEST_PARALLEL_LEVEL", ""}}).run.processes, std::nullopt);
  EXPECT_EQ(ParseCtest({}, Env{{"CTEST_PARALLEL_LEVEL", "many"}}).err,
            "CTEST_PARALLEL_LEVEL: 'many' is not a number of jobs (1 or more)");
  EXPECT_EQ(ParseCtest({}, Env{{"CTEST_NO_TESTS_ACTION", "error"}}).ctest.no_tests,
            NoTests::kError);
  EXPECT_EQ(
      ParseCtest({"--no-tests=ignore"}, Env{{"CTEST_NO_TESTS_ACTION", "error"}}).ctest.no_tests,
      NoTests::kIgnore);
  EXPECT_FALSE(ParseCtest({}, Env{{"CTEST_NO_TESTS_ACTION", "sometimes"}}).ok);
  EXPECT_TRUE(ParseCtest({}, Env{{"CTEST_OUTPUT_ON_FAILURE", "1"}}).ok);
  EXPECT_TRUE(ParseCtest({}, Env{{"CTEST_PROGRESS_OUTPUT", "ON"}}).ok);
  EXPECT_EQ(ParseCtest({}, Env{{"CTEST_PROGRESS_OUTPUT", "maybe"}}).err,
            "CTEST_PROGRESS_OUTPUT: 'maybe' is not a boolean (1/0, true/false, yes/no, on/off)");
}

// ctest's --progress and --show-only are switches there; mprun's forms
// with a value keep working.
TEST(OptionsTest, CtestsSwitchesThatShareANameWithMprunsOptions) {
  EXPECT_EQ(ParseCtest({"--progress", "-N"}).run.progress, ProgressMode::kAuto);
  EXPECT_TRUE(ParseCtest({"--progress", "-N"}).run.list);
  EXPECT_EQ(ParseCtest({"--progress=dots"}).run.progress, ProgressMode::kDots);
  EXPECT_EQ(ParseCtest({"--show-only"}).ctest.show_only, "human");
  EXPECT_EQ(ParseCtest({"--show-only=json-v1"}).ctest.show_only, "json-v1");
  EXPECT_EQ(ParseCtest({"--show-only=xml"}).err, "--show-only: 'xml' is not one of human, json-v1");
  EXPECT_EQ(ParseCtest({"-Q"}).run.verbosity, 0);
  EXPECT_EQ(ParseCtest({"-O", "log.txt"}).run.log_path, "log.txt");
  EXPECT_TRUE(ParseCtest({"--schedule-random"}).ctest.schedule_random);
  EXPECT_EQ(ParseCtest({"--repeat-until-fail", "3"}).ctest.repeat, CtestRepeat::kUntilFail);
  EXPECT_EQ(ParseCtest({"--repeat-until-fail", "3"}).ctest.repeat_count, 3);
  EXPECT_FALSE(ParseCtest({"--max-width", "wide"}).ok);
  EXPECT_FALSE(ParseCtest({"--test-output-truncation", "sideways"}).ok);
}

// The selection options are kept, word by word, for ctest's own listing;
// one that only ctest can make hands it the whole selection.
TEST(OptionsTest, CtestKeepsTheSelectionForCtestWhenOnlyCtestCanMakeIt) {
  auto p = ParseCtest({"-R", "a", "-j2", "-LE", "slow"});
  EXPECT_EQ(p.ctest.selection, (std::vector<std::string>{"-R", "a", "-LE", "slow"}));
  EXPECT_FALSE(p.ctest.by_ctest);
  // Each as given, and the words ctest is handed.
  const std::vector<std::pair<std::vector<std::string>, std::vector<std::string>>> cases = {
      {{"-I", "1,3"}, {"-I", "1,3"}},
      {{"--tests-information=2,4"}, {"-I", "2,4"}},
      {{"-U"}, {"-U"}},
      {{"--rerun-failed"}, {"--rerun-failed"}},
      {{"-FA", "db"}, {"-FA", "db"}},
      {{"-FS", "db"}, {"-FS", "db"}},
      {{"--fixture-exclude-cleanup", "db"}, {"-FC", "db"}},
  };
  for (const auto& [given, words] : cases) {
    std::vector<std::string> args = {"-R", "a"};
    args.insert(args.end(), given.begin(), given.end());
    p = ParseCtest(args);
    ASSERT_TRUE(p.ok) << p.err;
    EXPECT_TRUE(p.ctest.by_ctest) << given[0];
    std::vector<std::string> want = {"-R", "a"};
    want.insert(want.end(), words.begin(), words.end());
    EXPECT_EQ(p.ctest.selection, want) << given[0];
  }
}

TEST(OptionsTest, CtestRefusesDashboardsAndWhatItDoesNotDoYetSayingWhy) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"-D", "Experimental"},
                                             {"-T", "Submit"},
                                             {"-T", "Build"},
                                             {"-S", "s.cmake"},
                                             {"-SP", "s.cmake"},
                                             {"--build-and-test", "a"}}) {
    const CtestParsed p = ParseCtest(args);
    EXPECT_FALSE(p.ok);
    EXPECT_NE(p.err.find("runs tests, not dashboards"), std::string::npos) << p.err;
  }
  const CtestParsed preset = ParseCtest({"--preset", "ci", "-R", "x"});
  EXPECT_EQ(preset.ctest.preset, "ci");  // ctest selects the preset's tests
  EXPECT_TRUE(preset.ctest.by_ctest);
  EXPECT_EQ(preset.ctest.selection, (std::vector<std::string>{"--preset", "ci", "-R", "x"}));
  EXPECT_EQ(ParseCtest({"--preset="}).err, "--preset: needs a preset's name");
  EXPECT_EQ(ParseCtest({"--resource-spec-file", "r.json"}).ctest.resource_spec_file, "r.json");
  EXPECT_EQ(ParseCtest({"--test-load", "3"}).ctest.test_load, 3);
  EXPECT_EQ(ParseCtest({"--test-load", "0"}).err,
            "--test-load: '0' is not a load average (a whole number, 1 or more)");
  EXPECT_NE(ParseCtest({"-F"}).err.find("does not resume"), std::string::npos);
  // The dashboard steps mprun does: -T Start and -T Test (any case), -M.
  const CtestParsed dashboard =
      ParseCtest({"-T", "start", "--test-action", "TEST", "-M", "nightly"});
  EXPECT_TRUE(dashboard.ok) << dashboard.err;
  EXPECT_TRUE(dashboard.ctest.dashboard_start);
  EXPECT_TRUE(dashboard.ctest.dashboard_test);
  EXPECT_EQ(dashboard.ctest.model, "Nightly");
  EXPECT_EQ(ParseCtest({"-T", "Test"}).ctest.model, "Experimental");
  EXPECT_FALSE(ParseCtest({"-T", "Test"}).ctest.dashboard_start);
  EXPECT_EQ(ParseCtest({"-M", "Weekly"}).err,
            "--test-model: 'weekly' is not one of experimental, nightly, continuous");
}

// --stop-time: the next such time of day after now, in its zone.
TEST(OptionsTest, StopTimeIsTheNextSuchTimeOfDay) {
  const time_t now = 1796684400;  // 2026-12-07 23:00:00 UTC
  time_t at = 0;
  std::string err;
  ASSERT_TRUE(StopTimeAfter("23:30 UTC", now, &at, &err)) << err;
  EXPECT_EQ(at, now + 1800);
  ASSERT_TRUE(StopTimeAfter("23:00:30 Z", now, &at, &err)) << err;
  EXPECT_EQ(at, now + 30);
  ASSERT_TRUE(StopTimeAfter("22:00 GMT", now, &at, &err)) << err;  // passed today: tomorrow's
  EXPECT_EQ(at, now + 23 * 3600);
  ASSERT_TRUE(StopTimeAfter("00:30 +0100", now, &at, &err)) << err;  // 23:30 UTC
  EXPECT_EQ(at, now + 1800);
  ASSERT_TRUE(StopTimeAfter("18:30 -05:00", now, &at, &err)) << err;  // 23:30 UTC
  EXPECT_EQ(at, now + 1800);
  ASSERT_TRUE(StopTimeAfter("23:00", now, &at, &err)) << err;  // local: within a day
  EXPECT_GT(at, now);
  EXPECT_LE(at, now + 86400 + 3600);
  for (const char* bad : {"25:00", "7", "07:60", "07:00:61", "07:00 Mars", "07:00 +2500", ""}) {
    EXPECT_FALSE(StopTimeAfter(bad, now, &at, &err)) << bad;
  }
  EXPECT_EQ(ParseCtest({"--stop-time", "25:00"}).err,
            "--stop-time: '25:00' is not a time of day (HH:MM[:SS], then a zone if not local)");
  EXPECT_EQ(ParseCtest({"--stop-time", "07:00 UTC"}).ctest.stop_time, "07:00 UTC");
}

TEST(OptionsTest, CtestRefusesWhatItDoesNotKnow) {
  EXPECT_EQ(ParseCtest({"--schedule-randomly"}).err,
            "--schedule-randomly: unknown ctest option (usage: mprun ctest [CTEST OPTIONS] "
            "[MPRUN OPTIONS]; --help lists them)");
  EXPECT_EQ(ParseCtest({"build"}).err.rfind("build: unknown ctest option", 0), 0u);
  EXPECT_EQ(ParseCtest({"--repeat", "forever:2"}).err,
            "--repeat: 'forever:2' is not until-fail:N, until-pass:N or after-timeout:N");
  EXPECT_FALSE(ParseCtest({"--repeat", "until-fail:0"}).ok);
  EXPECT_FALSE(ParseCtest({"--timeout", "soon"}).ok);
  EXPECT_TRUE(ParseCtest({"--help", "--bogus"}).ctest.help);
}

struct DriverParsed {
  bool ok;
  Options run;
  DriverOptions driver;
  std::string err;
};
DriverParsed ParseDriver(std::vector<std::string> args,
                         std::map<std::string, std::string> env = {}) {
  args.insert(args.begin(), "mprun");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  DriverParsed p;
  p.ok = ParseDriverOptions(
      static_cast<int>(args.size()), argv.data(),
      [&env](const char* n) { return env.count(n) ? env[n].c_str() : nullptr; }, &p.run, &p.driver,
      &p.err);
  return p;
}

// Driver mode's command line in the one table: a run's options, its own,
// GoogleTest's (as gtest reads its switches), the binaries, then `--`.
TEST(OptionsTest, DriverModeTakesARunsOptionsItsOwnAndGoogleTestsInOneTable) {
  DriverParsed p =
      ParseDriver({"-j3", "--gtest_filter=A.*", "--gtest_shuffle", "bin1", "--gtest_repeat", "2",
                   "--gtest_brief=0", "--gtest_death_test_style=fast", "--chdir-to-binary",
                   "--list-timeout=2.5", "--list-arg=[fast]", "--list-arg", "~[slow]", "bin2", "--",
                   "-x", "--", "y"});
  ASSERT_TRUE(p.ok) << p.err;
  EXPECT_EQ(p.run.processes, 3);
  EXPECT_EQ(p.driver.gtest.filter, "A.*");
  EXPECT_TRUE(p.driver.gtest.shuffle);
  EXPECT_EQ(p.driver.gtest.repeat, 2);
  EXPECT_FALSE(p.driver.gtest.brief);
  EXPECT_TRUE(p.driver.chdir_to_binary);
  EXPECT_EQ(p.driver.list_timeout_s, 2.5);
  EXPECT_EQ(p.driver.list_args, (std::vector<std::string>{"[fast]", "~[slow]"}));
  EXPECT_EQ(p.driver.binaries, (std::vector<std::string>{"bin1", "bin2"}));
  EXPECT_EQ(p.driver.passthrough, (std::vector<std::string>{"--gtest_death_test_style=fast"}));
  EXPECT_EQ(p.driver.user_args, (std::vector<std::string>{"-x", "--", "y"}));
  // gtest's rule: false only for a value starting with 0, f or F.
  for (const auto& [value, want] : std::vector<std::pair<std::string, bool>>{{"", true},
                                                                             {"=1", true},
                                                                             {"=yes", true},
                                                                             {"=0", false},
                                                                             {"=f", false},
                                                                             {"=False", false}}) {
    EXPECT_EQ(ParseDriver({"--gtest_fail_fast" + value, "b"}).driver.gtest.fail_fast, want)
        << value;
  }
  // The variables gtest reads stand in for the flags, which win.
  EXPECT_EQ(ParseDriver({"b"}, {{"GTEST_FILTER", "E.*"}}).driver.gtest.filter, "E.*");
  EXPECT_EQ(ParseDriver({"--gtest_filter=F.*", "b"}, {{"GTEST_FILTER", "E.*"}}).driver.gtest.filter,
            "F.*");
  EXPECT_TRUE(
      ParseDriver({"b"}, {{"GTEST_ALSO_RUN_DISABLED_TESTS", "1"}}).driver.gtest.also_run_disabled);
  EXPECT_TRUE(ParseDriver({"-v", "--help", "--bogus"}).driver.help);
}

TEST(OptionsTest, DriverModeRefusesWhatItCannotHonourNamingIt) {
  for (const auto& [args, says] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{}, "no test binary given"},
           {{"--bogus", "b"}, "--bogus: unknown option"},
           {{"--gtest_list_tests", "b"}, "--gtest_list_tests: use --list"},
           {{"--gtest_repeat=x", "b"}, "--gtest_repeat: 'x'"},
           {{"--gtest_random_seed=100000", "b"}, "--gtest_random_seed: '100000'"},
           {{"--list-timeout=0", "b"}, "--list-timeout: '0' is not a number of seconds above 0"},
           {{"--list-timeout"}, "--list-timeout: needs a value"},
           {{"--list-arg=", "b"}, "--list-arg: an argument for the listings, not nothing"}}) {
    const DriverParsed p = ParseDriver(args);
    EXPECT_FALSE(p.ok);
    EXPECT_NE(p.err.find(says), std::string::npos) << p.err;
  }
  // One --list-timeout for both commands that list: the same words.
  const CtestParsed c = ParseCtest({"--list-timeout=0"});
  EXPECT_FALSE(c.ok);
  EXPECT_EQ(c.err, "--list-timeout: '0' is not a number of seconds above 0");
}

}  // namespace
}  // namespace mprun::core
