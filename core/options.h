// Options: mprun's own command-line flags and MPRUN_* variables (DESIGN.md
// §3). Pure parsing; any process may call it.
//
// Flags take `--opt=value` or `--opt value`; each has an environment
// fallback. A bad value is an error naming the flag (exit status 2). Flags
// mprun does not know are left in argv for GoogleTest and the test binary.
#ifndef MPRUN_CORE_OPTIONS_H_
#define MPRUN_CORE_OPTIONS_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/plan.h"
#include "core/shard.h"
#include "core/topology.h"

namespace mprun::core {

struct Options {
  // Workers as asked for: negative = all usable cores, 0 = no parallelism.
  // Unset means the mode's default (linked: 0).
  std::optional<int> processes;
  double process_timeout_s = 10.0;  // per test; 0 = none
  // After a first SIGINT/SIGTERM/SIGHUP, how long running tests may take to
  // finish before they are killed (--interrupt-grace, MPRUN_INTERRUPT_GRACE).
  double interrupt_grace_s = 3.0;
  bool restart_worker = false;  // a fresh worker process after every batch
  std::string json_path;        // --json=F
  std::string html_path;        // --html=F
  // The command line as given (before mprun's flags are taken out), for
  // the reports.
  std::vector<std::string> command_line;
  int verbosity = 1;              // 0 -q, 1 default, 2 -v
  std::string junit_path;         // --junit-xml=F
  std::string trace_path;         // --trace=F
  std::string progress = "auto";  // --progress=auto|bar|dots|none
  std::string color = "auto";     // --color=auto|always|never
  int durations = 0;              // --durations=N: the N slowest tests at the end
  bool show_all_output = false;   // --show-output=all (default: failed)
  std::string history_path = ".mprun/history.json";  // --history=F [MPRUN_HISTORY]
  bool no_history = false;                           // --no-history [MPRUN_NO_HISTORY]
  int retries = 0;                                   // --retries=N
  bool flaky_fails = false;                          // --flaky-fails
  Dist dist = Dist::kAuto;                           // --dist=auto|test|suite
  bool list = false;                                 // --list: print the selected tests and exit
  bool stop_on_failure = false;                      // -x/--stop (also --gtest_fail_fast)
  Shard shard;                    // --shard=K/N or the environment's protocols (core/shard.h)
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
};

using GetEnv = std::function<const char*(const char* name)>;

// Parses and removes mprun's flags from argv (argv[0] stays), reading
// MPRUN_PROCESSES, MPRUN_PROCESS_TIMEOUT, MPRUN_PROCESS_RESTARTWORKER and MPRUN_DIST for
// flags not given. Flags win over the environment. On error returns false and
// sets `err` to a message naming the flag or variable.
bool ParseOptions(int* argc, char** argv, const GetEnv& getenv, Options* out, std::string* err);

// Help text for mprun's flags (appended to GoogleTest's --help).
const char* OptionsHelp();

}  // namespace mprun::core

#endif  // MPRUN_CORE_OPTIONS_H_
