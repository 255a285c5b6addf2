// Options: the command line of every mprun command (linked mode's run,
// driver mode's, `mprun ctest`, `mprun merge`, `mprun report`) and the
// MPRUN_* variables (README, "Options"), parsed by one table-driven parser
// over one table per command, built from shared parts. Pure parsing; any
// process may call it.
//
// Flags take `--opt=value` or `--opt value`; a run's have environment
// fallbacks. A bad value is an error naming the flag (exit status 2). Flags
// a run does not know are left in argv for GoogleTest and the test binary;
// merge and report refuse them.
#ifndef MPRUN_CORE_INPUT_OPTIONS_H_
#define MPRUN_CORE_INPUT_OPTIONS_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/rules/plan.h"
#include "core/rules/shard.h"
#include "core/rules/topology.h"

namespace mprun::core {

// The sub-commands, named by argv[1] ("merge", "report", "ctest"); anything
// else is a run. Room for more in the table of options.cc.
enum class Command { kRun, kMerge, kReport, kCtest };
Command CommandOf(int argc, char** argv);
// How an error on the command line of `command` starts, the same for every
// one: "mprun: error: ", "mprun merge: error: ", "mprun report: error: ".
std::string ErrorPrefix(Command command);

// --progress: a status line on a terminal (auto), the status line, dots, none.
enum class ProgressMode { kAuto, kBar, kDots, kNone };
// --color: on a terminal unless NO_COLOR is set (auto), always, never.
enum class ColorMode { kAuto, kAlways, kNever };

struct Options {
  // Workers as asked for: negative = all usable cores, 0 = no parallelism.
  // Unset means the mode's default (linked: 0).
  std::optional<int> processes;
  // --process-timeout=S [MPRUN_PROCESS_TIMEOUT]: nose's one limit for every
  // test (0: none). Not given (kAutoTimeout): each test's limit comes from
  // its history (core::AutoLimitS), never nose's 10 s.
  double process_timeout_s = kAutoTimeout;
  static constexpr double kAutoTimeout = -1;
  bool auto_timeout() const { return process_timeout_s < 0; }
  // --slow-after=S [MPRUN_SLOW_AFTER]: a test running this long is announced
  // as slow (the status line, -v, the summary, the reports); 0: never.
  double slow_after_s = 10.0;
  // --history-from=REPORT: durations of an earlier run (its --json or
  // --junit-xml report) for the tests the history does not know.
  std::string history_from;
  // After a first SIGINT/SIGTERM/SIGHUP, how long running tests may take to
  // finish before they are killed (--interrupt-grace, MPRUN_INTERRUPT_GRACE).
  double interrupt_grace_s = 3.0;
  bool restart_worker = false;  // a fresh worker process after every batch
  std::string json_path;        // --json=F
  std::string html_path;        // --html=F
  // The command line as given (before mprun's flags are taken out), for
  // the reports.
  std::vector<std::string> command_line;
  int verbosity = 1;                            // 0 -q, 1 default, 2 -v
  std::string junit_path;                       // --junit-xml=F
  std::string trace_path;                       // --trace=F
  std::string log_path;                         // mprun ctest's -O/--output-log F
  ProgressMode progress = ProgressMode::kAuto;  // --progress=auto|bar|dots|none
  ColorMode color = ColorMode::kAuto;           // --color=auto|always|never
  int durations = 0;                            // --durations=N: the N slowest tests at the end
  bool show_all_output = false;                 // --show-output=all (default: failed)
  std::string history_path = ".mprun/history.json";  // --history=F [MPRUN_HISTORY]
  bool no_history = false;                           // --no-history [MPRUN_NO_HISTORY]
  // --no-listing-cache [MPRUN_NO_LISTING_CACHE]: list every binary every run
  // (the listings are otherwise kept beside the history, runner/listing/listing_cache.h).
  bool no_listing_cache = false;
  int retries = 0;                   // --retries=N
  bool flaky_fails = false;          // --flaky-fails
  bool retry_timeouts_only = false;  // mprun ctest --repeat after-timeout:N
  Dist dist = Dist::kAuto;           // --dist=auto|test|suite
  bool list = false;                 // --list: print the selected tests and exit
  bool stop_on_failure = false;      // -x/--stop (also --gtest_fail_fast)
  Shard shard;                    // --shard=K/N or the environment's protocols (core/rules/shard.h)
  std::string shard_status_file;  // TEST_SHARD_STATUS_FILE: touched when sharding
  bool shard_flag_given = false;  // --shard (not only the environment)
  PinMode pin = PinMode::kAuto;   // --pin=auto|cores|none [MPRUN_PIN]
  // --exclusive=PATTERN [MPRUN_EXCLUSIVE]: tests (gtest filter syntax) that
  // run pinned with nothing else running; "" for none.
  std::string exclusive;
  int repeat_each = 1;       // --repeat-each=N: each test N times, median/min/max
  bool perf_report = false;  // --perf-report: durations that moved beyond noise
  // --fail-on-slowdown=PCT: such a slowdown of at least PCT percent fails
  // the run (0: off).
  double fail_on_slowdown_pct = 0;
  // --timings [MPRUN_TIMINGS]: where the run's wall time went, phase by
  // phase, on stderr at the end.
  bool timings = false;
};

using GetEnv = std::function<const char*(const char* name)>;

// GoogleTest's flags over the whole run, however the way in read them
// (linked: GTEST_FLAG_GET; driver: its own command line).
struct GtestFlags {
  std::string filter = "*";
  bool also_run_disabled = false;
  int repeat = 1;  // negative: until interrupted
  bool shuffle = false;
  int random_seed = 0;  // 0: one chosen at random
  bool fail_fast = false;
  bool brief = false;
  std::string output;  // --gtest_output's value ("" for none)
};

// `mprun [OPTIONS] [GTEST FLAGS] BINARY... [-- ARGS]`: driver mode's own
// part of the command line; a run's options go to Options.
struct DriverOptions {
  std::vector<std::string> binaries;
  std::vector<std::string> passthrough;  // other --gtest_* flags, for every launch
  std::vector<std::string> user_args;    // after --, for every launch
  GtestFlags gtest;                      // over the whole run [GTEST_FILTER, ...]
  bool chdir_to_binary = false;          // --chdir-to-binary
  double list_timeout_s = 60;            // --list-timeout: each binary's listing
  std::vector<std::string> list_args;    // --list-arg: after each listing's own arguments
  bool help = false;                     // -h/--help: print DriverHelp() and exit 0
};
// argv[0] is the program. Unknown options are errors naming them.
bool ParseDriverOptions(int argc, char** argv, const GetEnv& getenv, Options* run,
                        DriverOptions* out, std::string* err);
// Driver mode's usage and flags, then OptionsHelp().
std::string DriverHelp();

// Parses and removes mprun's flags from argv (argv[0] stays), reading the
// MPRUN_* variable of each flag not given (the table in options.cc). Flags
// win over the environment. On error returns false and
// sets `err` to a message naming the flag or variable.
bool ParseOptions(int* argc, char** argv, const GetEnv& getenv, Options* out, std::string* err);

// Help text for mprun's flags (appended to GoogleTest's --help).
const char* OptionsHelp();

// `mprun merge [--json=F] [--junit-xml=F] [--history=F] [-q|-v] REPORT.json...`
struct MergeOptions {
  std::string json_path, junit_path, history_path;
  int verbosity = 1;  // 0 -q, 1 default, 2 -v
  std::vector<std::string> inputs;
  bool help = false;  // -h/--help: print MergeHelp() and exit 0
};
// argv[0] is "merge". On error false, with `err` naming the option.
bool ParseMergeOptions(int argc, char** argv, MergeOptions* out, std::string* err);
const char* MergeHelp();

// `mprun report --html=FILE [--history=FILE] REPORT.json...`
struct ReportOptions {
  std::string html_path, history_path;
  std::vector<std::string> inputs;
  bool help = false;  // -h/--help: print ReportHelp() and exit 0
};
// argv[0] is "report". On error false, with `err` naming the option.
bool ParseReportOptions(int argc, char** argv, ReportOptions* out, std::string* err);
const char* ReportHelp();

// `mprun ctest [OPTIONS]`: ctest's everyday options beside a run's. What
// ctest's options mean for a run (-j, -N, --stop-on-failure,
// --output-junit) goes into Options; the rest is here.
enum class CtestRepeat { kNone, kUntilFail, kUntilPass, kAfterTimeout };
// --no-tests=error|ignore [CTEST_NO_TESTS_ACTION]: what a selection of no
// test means (ctest's default: a warning, success).
enum class NoTests { kDefault, kError, kIgnore };
struct CtestOptions {
  std::string test_dir;       // --test-dir (default: the current directory)
  std::string preset;         // --preset NAME: a test preset of the current directory's
  bool list_presets = false;  // --list-presets: ctest's list
  std::string config;         // -C/--build-config
  // -R, -E, -L, -LE (extended regular expressions; "" = not given).
  std::string include, exclude, label, label_exclude;
  // The selection options as given (-R, -E, -L, -LE, -I, -U,
  // --rerun-failed, -FA, -FS, -FC), word by word, for ctest's own listing
  // when one of them is a selection only ctest makes (`by_ctest`).
  std::vector<std::string> selection;
  bool by_ctest = false;
  std::optional<double> timeout_s;          // --timeout: for tests without TIMEOUT
  CtestRepeat repeat = CtestRepeat::kNone;  // --repeat MODE:N, --repeat-until-fail N
  int repeat_count = 1;
  double list_timeout_s = 60;  // --list-timeout: ctest's listing and each binary's
  NoTests no_tests = NoTests::kDefault;
  // -N/--show-only[=human|json-v1]: "" when not given.
  std::string show_only;
  bool print_labels = false;     // --print-labels: ctest's own listing of them
  bool schedule_random = false;  // --schedule-random
  // --resource-spec-file FILE: the resources RESOURCE_GROUPS tests get.
  std::string resource_spec_file;
  // -T Start / -T Test: ctest's dashboard record of the run (Testing/TAG,
  // a new tag with Start; Testing/<tag>/Test.xml with Test). -M: the
  // tag's model.
  bool dashboard_start = false, dashboard_test = false;
  // --stop-time TIME: the time of day (StopTimeAfter) by which every test
  // stops; "" none.
  std::string stop_time;
  // --test-load N [CTEST_TEST_LOAD]: no new batch while the load average
  // is N or more (WorkerConfig::test_load); 0 none.
  int test_load = 0;
  std::string model = "Experimental";
  bool help = false;
  bool version = false;
};
// argv[0] is "ctest". Unknown options are errors naming them.
bool ParseCtestOptions(int argc, char** argv, const GetEnv& getenv, Options* run, CtestOptions* out,
                       std::string* err);
const char* CtestHelp();

// ctest's --stop-time: "HH:MM[:SS]", local time, or with a zone after a
// space ("UTC", "GMT", "Z", "+HHMM", "-HH:MM"). `*at`: its next time after
// `now` (today's, else tomorrow's, as ctest reads a time of day); false
// with `err` for anything else.
bool StopTimeAfter(const std::string& text, time_t now, time_t* at, std::string* err);

}  // namespace mprun::core

#endif  // MPRUN_CORE_INPUT_OPTIONS_H_
