#include "core/options.h"

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

TEST(OptionsTest, DefaultsFollowNose) {
  Parsed p = Parse({});
  ASSERT_TRUE(p.ok);
  EXPECT_FALSE(p.opts.processes.has_value());
  EXPECT_EQ(p.opts.process_timeout_s, 10.0);
  EXPECT_FALSE(p.opts.restart_worker);
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
           {{"--process-timeuot=3"}, {}, "--process-timeuot: unknown flag"},
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
       }) {
    Parsed p = Parse(b.args, b.env);
    EXPECT_FALSE(p.ok);
    EXPECT_EQ(p.err.rfind(b.starts, 0), 0u) << p.err;
  }
}

}  // namespace
}  // namespace mprun::core
