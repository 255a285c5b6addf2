#include "core/options.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <string_view>
#include <vector>

namespace mprun::core {

namespace {

constexpr int kMaxProcesses = 4096;

bool ParseInt(std::string_view what, const std::string& text, int* out, std::string* err) {
  errno = 0;
  char* end = nullptr;
  const long v = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno == ERANGE || v < -kMaxProcesses || v > kMaxProcesses) {
    *err = std::string(what) + ": '" + text + "' is not a whole number between -" +
           std::to_string(kMaxProcesses) + " and " + std::to_string(kMaxProcesses);
    return false;
  }
  *out = static_cast<int>(v);
  return true;
}

bool ParseSeconds(std::string_view what, const std::string& text, double* out, std::string* err) {
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || errno == ERANGE || !std::isfinite(v) || v < 0 || v > 1e7) {
    *err =
        std::string(what) + ": '" + text + "' is not a number of seconds (0 or more; 0 = no limit)";
    return false;
  }
  *out = v;
  return true;
}

// A whole number in [lo, hi]; otherwise "<what>: '<text>' is not <expected>".
bool ParseWhole(std::string_view what, const std::string& text, long lo, long hi,
                std::string_view expected, int* out, std::string* err) {
  char* end = nullptr;
  errno = 0;
  const long n = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno == ERANGE || n < lo || n > hi) {
    *err = std::string(what) + ": '" + text + "' is not " + std::string(expected);
    return false;
  }
  *out = static_cast<int>(n);
  return true;
}

bool ParseBool(std::string_view what, const std::string& text, bool* out, std::string* err) {
  for (const char* t : {"1", "true", "yes", "on"}) {
    if (text == t) return *out = true, true;
  }
  for (const char* f : {"0", "false", "no", "off", ""}) {
    if (text == f) return *out = false, true;
  }
  *err = std::string(what) + ": '" + text + "' is not a boolean (1/0, true/false, yes/no, on/off)";
  return false;
}

bool OneOf(std::string_view what, const std::string& v, std::initializer_list<const char*> allowed,
           std::string* out, std::string* err) {
  std::string list;
  for (const char* a : allowed) {
    if (v == a) return *out = v, true;
    list += list.empty() ? a : std::string(", ") + a;
  }
  *err = std::string(what) + ": '" + v + "' is not one of " + list;
  return false;
}

bool FileName(std::string_view what, const std::string& v, std::string* out, std::string* err) {
  if (v.empty()) {
    *err = std::string(what) + ": needs a file name";
    return false;
  }
  *out = v;
  return true;
}

// A gtest filter pattern: not empty, no control characters.
bool Pattern(std::string_view what, const std::string& v, std::string* out, std::string* err) {
  if (v.empty()) {
    *err = std::string(what) + ": needs a pattern (gtest filter syntax, e.g. 'Perf*.*')";
    return false;
  }
  for (unsigned char c : v) {
    if (c < 0x20 || c == 0x7f) {
      *err = std::string(what) + ": the pattern has a control character";
      return false;
    }
  }
  *out = v;
  return true;
}

// One flag: its names and what to do with its value (null for switches).
struct Flag {
  const char* name;   // "--processes"
  const char* alias;  // "-j" or null
  bool takes_value;
  std::function<bool(const std::string& value, std::string* err)> apply;
};

}  // namespace

bool ParseOptions(int* argc, char** argv, const GetEnv& getenv, Options* out, std::string* err) {
  Shard shard_flag;
  Options o;
  o.command_line.assign(argv, argv + *argc);
  bool timeout_given = false, restart_given = false, dist_given = false, history_given = false,
       no_history_given = false, pin_given = false, exclusive_given = false, grace_given = false;
  const std::vector<Flag> flags = {
      {"--processes", "-j", true,
       [&](const std::string& v, std::string* e) {
         int n;
         if (!ParseInt("--processes", v, &n, e)) return false;
         o.processes = n;
         return true;
       }},
      {"--process-timeout", nullptr, true,
       [&](const std::string& v, std::string* e) {
         timeout_given = true;
         return ParseSeconds("--process-timeout", v, &o.process_timeout_s, e);
       }},
      {"--interrupt-grace", nullptr, true,
       [&](const std::string& v, std::string* e) {
         grace_given = true;
         return ParseSeconds("--interrupt-grace", v, &o.interrupt_grace_s, e);
       }},
      {"--process-restartworker", nullptr, false,
       [&](const std::string&, std::string*) {
         restart_given = true;
         o.restart_worker = true;
         return true;
       }},
      {"--json", nullptr, true,
       [&](const std::string& v, std::string* e) {
         return FileName("--json", v, &o.json_path, e);
       }},
      {"--html", nullptr, true,
       [&](const std::string& v, std::string* e) {
         return FileName("--html", v, &o.html_path, e);
       }},
      {"--dist", nullptr, true,
       [&](const std::string& v, std::string* e) {
         dist_given = true;
         if (ParseDist(v, &o.dist)) return true;
         *e = "--dist: '" + v + "' is not one of auto, test, suite";
         return false;
       }},
      {"--list", nullptr, false,
       [&](const std::string&, std::string*) { return o.list = true, true; }},
      {"--junit-xml", nullptr, true,
       [&](const std::string& v, std::string* e) {
         return FileName("--junit-xml", v, &o.junit_path, e);
       }},
      {"--trace", nullptr, true,
       [&](const std::string& v, std::string* e) {
         return FileName("--trace", v, &o.trace_path, e);
       }},
      {"--progress", nullptr, true,
       [&](const std::string& v, std::string* e) {
         return OneOf("--progress", v, {"auto", "bar", "dots", "none"}, &o.progress, e);
       }},
      {"--color", nullptr, true,
       [&](const std::string& v, std::string* e) {
         return OneOf("--color", v, {"auto", "always", "never"}, &o.color, e);
       }},
      {"--durations", nullptr, true,
       [&](const std::string& v, std::string* e) {
         return ParseWhole("--durations", v, 0, 1000000, "a number of tests (0 or more)",
                           &o.durations, e);
       }},
      {"--history", nullptr, true,
       [&](const std::string& v, std::string* e) {
         history_given = true;
         return FileName("--history", v, &o.history_path, e);
       }},
      {"--no-history", nullptr, false,
       [&](const std::string&, std::string*) {
         return no_history_given = o.no_history = true, true;
       }},
      {"--retries", nullptr, true,
       [&](const std::string& v, std::string* e) {
         return ParseWhole("--retries", v, 0, 100, "a number of re-runs between 0 and 100",
                           &o.retries, e);
       }},
      {"--flaky-fails", nullptr, false,
       [&](const std::string&, std::string*) { return o.flaky_fails = true, true; }},
      {"--show-output", nullptr, true,
       [&](const std::string& v, std::string* e) {
         std::string which;
         if (!OneOf("--show-output", v, {"failed", "all"}, &which, e)) return false;
         o.show_all_output = which == "all";
         return true;
       }},
      {"--shard", nullptr, true,
       [&](const std::string& v, std::string* e) { return ParseShardFlag(v, &shard_flag, e); }},
      {"--pin", nullptr, true,
       [&](const std::string& v, std::string* e) {
         pin_given = true;
         if (ParsePinMode(v, &o.pin)) return true;
         *e = "--pin: '" + v + "' is not one of auto, cores, none";
         return false;
       }},
      {"--exclusive", nullptr, true,
       [&](const std::string& v, std::string* e) {
         exclusive_given = true;
         return Pattern("--exclusive", v, &o.exclusive, e);
       }},
      {"--repeat-each", nullptr, true,
       [&](const std::string& v, std::string* e) {
         return ParseWhole("--repeat-each", v, 1, 10000, "a number of runs between 1 and 10000",
                           &o.repeat_each, e);
       }},
      {"--perf-report", nullptr, false,
       [&](const std::string&, std::string*) { return o.perf_report = true, true; }},
      {"--fail-on-slowdown", nullptr, true,
       [&](const std::string& v, std::string* e) {
         errno = 0;
         char* end = nullptr;
         const double pct = std::strtod(v.c_str(), &end);
         if (v.empty() || *end != '\0' || errno == ERANGE || !std::isfinite(pct) || pct <= 0 ||
             pct > 100000) {
           *e = "--fail-on-slowdown: '" + v +
                "' is not a percentage above 0 (e.g. 10 for 10% slower)";
           return false;
         }
         o.fail_on_slowdown_pct = pct;
         return true;
       }},
      {"--stop", "-x", false,
       [&](const std::string&, std::string*) { return o.stop_on_failure = true, true; }},
      {"--verbose", "-v", false,
       [&](const std::string&, std::string*) { return o.verbosity = 2, true; }},
      {"--quiet", "-q", false,
       [&](const std::string&, std::string*) { return o.verbosity = 0, true; }},
  };

  int kept = 1;
  for (int i = 1; i < *argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--") {  // everything after belongs to the binary
      for (; i < *argc; ++i) argv[kept++] = argv[i];
      break;
    }
    const Flag* matched = nullptr;
    std::string value;
    bool has_value = false;
    for (const Flag& f : flags) {
      const std::string name = f.name;
      if (arg == name || (f.alias && arg == f.alias)) {
        matched = &f;
      } else if (arg.rfind(name + "=", 0) == 0) {
        matched = &f;
        value = arg.substr(name.size() + 1);
        has_value = true;
      } else if (f.takes_value && f.alias && std::strlen(f.alias) == 2 &&
                 arg.rfind(f.alias, 0) == 0 && arg.size() > 2) {  // -j4
        matched = &f;
        value = arg.substr(2);
        has_value = true;
      }
      if (matched) break;
    }
    if (!matched) {
      // Unknown flags belong to GoogleTest or the binary, but one that looks
      // like mprun's is a typo that would silently run everything serially.
      if (arg.rfind("--process", 0) == 0) {
        *err = arg.substr(0, arg.find('=')) +
               ": unknown flag (mprun has --processes, --process-timeout, --process-restartworker)";
        return false;
      }
      argv[kept++] = argv[i];
      continue;
    }
    if (matched->takes_value && !has_value) {
      if (i + 1 >= *argc) {
        *err = std::string(matched->name) + ": needs a value";
        return false;
      }
      value = argv[++i];
    } else if (!matched->takes_value && has_value) {
      *err = std::string(matched->name) + ": takes no value";
      return false;
    }
    if (!matched->apply(value, err)) return false;
  }
  *argc = kept;
  argv[kept] = nullptr;

  if (!o.processes) {
    if (const char* v = getenv("MPRUN_PROCESSES"); v && *v) {
      int n;
      if (!ParseInt("MPRUN_PROCESSES", v, &n, err)) return false;
      o.processes = n;
    }
  }
  if (!timeout_given) {
    if (const char* v = getenv("MPRUN_PROCESS_TIMEOUT"); v && *v) {
      if (!ParseSeconds("MPRUN_PROCESS_TIMEOUT", v, &o.process_timeout_s, err)) return false;
    }
  }
  if (!grace_given) {
    if (const char* v = getenv("MPRUN_INTERRUPT_GRACE"); v && *v) {
      if (!ParseSeconds("MPRUN_INTERRUPT_GRACE", v, &o.interrupt_grace_s, err)) return false;
    }
  }
  if (!dist_given) {
    if (const char* v = getenv("MPRUN_DIST"); v && *v && !ParseDist(v, &o.dist)) {
      *err = std::string("MPRUN_DIST: '") + v + "' is not one of auto, test, suite";
      return false;
    }
  }
  if (!history_given) {
    if (const char* v = getenv("MPRUN_HISTORY"); v && *v) o.history_path = v;
  }
  // An explicit --history=F asks for a history, whatever MPRUN_NO_HISTORY says.
  if (!no_history_given && !history_given) {
    if (const char* v = getenv("MPRUN_NO_HISTORY"); v) {
      if (!ParseBool("MPRUN_NO_HISTORY", v, &o.no_history, err)) return false;
    }
  }
  if (!restart_given) {
    if (const char* v = getenv("MPRUN_PROCESS_RESTARTWORKER"); v) {
      if (!ParseBool("MPRUN_PROCESS_RESTARTWORKER", v, &o.restart_worker, err)) return false;
    }
  }
  if (!pin_given) {
    if (const char* v = getenv("MPRUN_PIN"); v && *v && !ParsePinMode(v, &o.pin)) {
      *err = std::string("MPRUN_PIN: '") + v + "' is not one of auto, cores, none";
      return false;
    }
  }
  if (!exclusive_given) {
    if (const char* v = getenv("MPRUN_EXCLUSIVE"); v && *v) {
      if (!Pattern("MPRUN_EXCLUSIVE", v, &o.exclusive, err)) return false;
    }
  }
  if (!ResolveShard(shard_flag, getenv, &o.shard, &o.shard_status_file, err)) return false;
  o.shard_flag_given = shard_flag.total > 0;
  *out = o;
  return true;
}

const char* OptionsHelp() {
  return R"(mprun (parallel runs):
  --processes=NUM, -j NUM   Run tests in NUM worker processes; negative: all usable
                            cores; 0: plain GoogleTest. [MPRUN_PROCESSES]
  --process-timeout=SECONDS Per-test time limit (fractions allowed; 0: none; default 10).
                            [MPRUN_PROCESS_TIMEOUT]
  --interrupt-grace=SECONDS After a first ^C (SIGINT, SIGTERM, SIGHUP) no new test starts and
                            running ones may finish within SECONDS (default 3); a second
                            stops everything at once. [MPRUN_INTERRUPT_GRACE]
  --process-restartworker   A fresh worker process after every batch.
                            [MPRUN_PROCESS_RESTARTWORKER]
  --dist=auto|test|suite    auto: suites with SetUpTestSuite/TearDownTestSuite go to one
                            worker whole (MPRUN_SPLIT_SUITE opts out), others are split;
                            test: split everything; suite: keep every suite whole. [MPRUN_DIST]
  --list                    Print the selected tests (with -v: how they are dispatched).
  --shard=K/N               Run only shard K (1 to N) of N, split by history (longest
                            first) or a stable hash; also GTEST_TOTAL_SHARDS/GTEST_SHARD_INDEX,
                            TEST_TOTAL_SHARDS/TEST_SHARD_INDEX (Bazel), MPRUN_TOTAL_SHARDS
                            with JOB_COMPLETION_INDEX (Kubernetes).
  --pin=auto|cores|none     Pin workers to CPUs: auto, when there are no more workers than
                            usable cores (one per physical core first); cores, each its
                            own physical core, SMT siblings idle; none. -v prints the
                            layout. [MPRUN_PIN]
  --exclusive=PATTERN       Tests matching PATTERN (gtest filter syntax) run pinned with
                            no other test running (as MPRUN_EXCLUSIVE_SUITE). [MPRUN_EXCLUSIVE]
  --repeat-each=N           Run each test N times (over all workers); report the median,
                            min and max duration; a test fails if any run fails.
  --perf-report             List the tests whose duration moved beyond the noise of their
                            history (median and MAD of the recent runs, and at least 10%).
  --fail-on-slowdown=PCT    Such a slowdown of PCT percent or more fails the run.
  -x, --stop                Stop at the first failure (as --gtest_fail_fast).
  --json=FILE               Write the mprun JSON report to FILE (from the start, kept
                            up to date during the run).
  --html=FILE               Write the report as one self-contained HTML page to FILE
                            (summary, failures, a timeline per worker; kept up to date
                            during the run). `mprun report` makes it from --json files.
  --junit-xml=FILE          Write JUnit XML to FILE.
  --trace=FILE              Write a Chrome/Perfetto trace of the run (a track per worker).
  --progress=auto|bar|dots|none
                            A live status line on a terminal (auto), dots (not a
                            terminal), or nothing. On the status line, `t` (or SIGUSR1)
                            shows every running test with its output so far.
  --color=auto|always|never Colour outcomes (auto: on a terminal, unless NO_COLOR is set).
  --history=FILE            Durations and outcomes of earlier runs, for placement (default
                            .mprun/history.json) [MPRUN_HISTORY]; --no-history: neither
                            read nor write it [MPRUN_NO_HISTORY=1].
  --retries=N               Run a failed, crashed or timed-out test again, up to N times;
                            one that then passes is reported flaky.
  --flaky-fails             A flaky test fails the run.
  --durations=N             List the N slowest tests at the end.
  --show-output=failed|all  Show the captured output of failed tests (default) or all.
  -v, --verbose / -q, --quiet
                            One line per test / only the summary.
)";
}

}  // namespace mprun::core
