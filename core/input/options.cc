#include "core/input/options.h"

#include <cctype>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <initializer_list>
#include <optional>
#include <string_view>
#include <utility>
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

// `v` as one of a closed set: the value paired with its name.
template <typename T>
bool OneOf(std::string_view what, const std::string& v,
           std::initializer_list<std::pair<const char*, T>> allowed, T* out, std::string* err) {
  std::string list;
  for (const auto& [name, value] : allowed) {
    if (v == name) return *out = value, true;
    list += list.empty() ? name : std::string(", ") + name;
  }
  *err = std::string(what) + ": '" + v + "' is not one of " + list;
  return false;
}

std::string Lowered(std::string v) {
  for (char& ch : v) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return v;
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

bool Percentage(std::string_view what, const std::string& v, double* out, std::string* err) {
  errno = 0;
  char* end = nullptr;
  const double pct = std::strtod(v.c_str(), &end);
  if (v.empty() || *end != '\0' || errno == ERANGE || !std::isfinite(pct) || pct <= 0 ||
      pct > 100000) {
    *err = std::string(what) + ": '" + v + "' is not a percentage above 0 (e.g. 10 for 10% slower)";
    return false;
  }
  *out = pct;
  return true;
}

// What a flag does with its value. `what` names the flag or the variable
// the value came from, for errors; a switch gets "1" when given on the
// command line and its variable's text otherwise.
using Apply =
    std::function<bool(std::string_view what, const std::string& value, std::string* err)>;

// One flag of a command's table.
struct Flag {
  const char* name;   // "--processes"
  const char* alias;  // "-j" or null
  bool takes_value;
  Apply apply;
  const char* env = nullptr;         // MPRUN_*: stands in for the flag when it is not given
  const char* env_unless = nullptr;  // ... nor this other flag
  bool stops = false;                // --help: nothing after it is parsed
  // With takes_value: `--name` alone is allowed too (GoogleTest's switches,
  // `--gtest_shuffle` or `--gtest_shuffle=0`); the value is then "".
  bool value_optional = false;
  // With takes_value: the next argument is its value only when it is a
  // whole number (ctest's `-j [N]`); otherwise the value is "".
  bool value_if_whole = false;
};

Apply Switch(bool* out) {
  return [out](std::string_view, const std::string&, std::string*) { return *out = true, true; };
}
// A switch whose variable is a boolean.
Apply BoolSwitch(bool* out) {
  return [out](std::string_view what, const std::string& v, std::string* e) {
    return ParseBool(what, v, out, e);
  };
}
Apply Set(int* out, int value) {
  return [out, value](std::string_view, const std::string&, std::string*) {
    return *out = value, true;
  };
}
Apply File(std::string* out) {
  return [out](std::string_view what, const std::string& v, std::string* e) {
    return FileName(what, v, out, e);
  };
}
Apply Seconds(double* out) {
  return [out](std::string_view what, const std::string& v, std::string* e) {
    return ParseSeconds(what, v, out, e);
  };
}
Apply Whole(long lo, long hi, const char* expected, int* out) {
  return [=](std::string_view what, const std::string& v, std::string* e) {
    return ParseWhole(what, v, lo, hi, expected, out, e);
  };
}
Apply AnyInt(std::optional<int>* out) {
  return [out](std::string_view what, const std::string& v, std::string* e) {
    int n;
    if (!ParseInt(what, v, &n, e)) return false;
    *out = n;
    return true;
  };
}
// A value parsed by `parse`, else an error listing the `choices`.
template <typename T>
Apply Named(bool (*parse)(std::string_view, T*), const char* choices, T* out) {
  return [=](std::string_view what, const std::string& v, std::string* e) {
    if (parse(v, out)) return true;
    *e = std::string(what) + ": '" + v + "' is not one of " + choices;
    return false;
  };
}

// GoogleTest's rule for its boolean flags: false only for a value that
// starts with 0, f or F; `--gtest_shuffle` alone is true.
Apply GtestBool(bool* out) {
  return [out](std::string_view, const std::string& v, std::string*) {
    *out = v.empty() || !(v[0] == '0' || v[0] == 'f' || v[0] == 'F');
    return true;
  };
}
// A flag mprun refuses, saying what to use instead.
Apply Refuse(const char* instead) {
  return [instead](std::string_view what, const std::string&, std::string* e) {
    *e = std::string(what) + ": " + instead;
    return false;
  };
}
// --list-timeout: how long a listing may take (driver mode's binaries,
// mprun ctest's listing and binaries).
Flag ListTimeoutFlag(double* out) {
  return {"--list-timeout", nullptr, true,
          [out](std::string_view what, const std::string& v, std::string* e) {
            if (!ParseSeconds(what, v, out, e)) return false;
            if (*out > 0) return true;
            *e = std::string(what) + ": '" + v + "' is not a number of seconds above 0";
            return false;
          }};
}

// The flag `arg` names: exactly, as `--name=value`, or as `-jVALUE` (a
// one-letter alias of a flag with a value); null for none.
const Flag* Match(const std::vector<Flag>& table, const std::string& arg,
                  std::optional<std::string>* value) {
  for (const Flag& f : table) {
    const std::string name = f.name;
    if (arg == name || (f.alias && arg == f.alias)) return &f;
    if (arg.rfind(name + "=", 0) == 0) {
      *value = arg.substr(name.size() + 1);
      return &f;
    }
    if (f.takes_value && f.alias && std::strlen(f.alias) == 2 && arg.rfind(f.alias, 0) == 0 &&
        arg.size() > 2) {
      *value = arg.substr(2);
      return &f;
    }
  }
  return nullptr;
}

// The variables of the flags not given, in the table's order.
bool ApplyEnvironment(const std::vector<Flag>& table, const std::vector<bool>& given,
                      const GetEnv& getenv, std::string* err) {
  auto was_given = [&](const char* name) {
    for (size_t k = 0; k < table.size(); ++k) {
      if (std::strcmp(table[k].name, name) == 0) return bool(given[k]);
    }
    return false;
  };
  for (size_t k = 0; k < table.size(); ++k) {
    const Flag& f = table[k];
    if (!f.env || given[k] || (f.env_unless && was_given(f.env_unless))) continue;
    // An empty variable is not set (for a boolean one: false, the default).
    const char* v = getenv(f.env);
    if (v && *v && !f.apply(f.env, v, err)) return false;
  }
  return true;
}

// What a command does with an argument that is none of its flags, and with
// "--" and everything after it (`after_dashes`); false with `err` refuses it.
using Other = std::function<bool(char* arg, bool after_dashes, std::string* err)>;

// The one parser: argv[1..argc) against `table`, in order, then the
// variables of the flags not given (`getenv` may be null: none).
bool ParseWith(const std::vector<Flag>& table, int argc, char** argv, const Other& other,
               const GetEnv& getenv, std::string* err) {
  std::vector<bool> given(table.size(), false);
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--") {  // everything after belongs to the binary
      for (; i < argc; ++i) {
        if (!other(argv[i], true, err)) return false;
      }
      break;
    }
    std::optional<std::string> value;
    const Flag* f = Match(table, arg, &value);
    if (f == nullptr) {
      if (!other(argv[i], false, err)) return false;
      continue;
    }
    if (f->takes_value && !value && f->value_if_whole) {
      const char* next = i + 1 < argc ? argv[i + 1] : "";
      const bool whole = *next != '\0' && std::strspn(next, "0123456789") == std::strlen(next);
      value = whole ? argv[++i] : "";
    } else if (f->takes_value && !value && f->value_optional) {
      value = "";
    } else if (f->takes_value && !value) {
      if (i + 1 >= argc) {
        *err = std::string(f->name) + ": needs a value";
        return false;
      }
      value = argv[++i];
    } else if (!f->takes_value && value) {
      *err = std::string(f->name) + ": takes no value";
      return false;
    }
    given[static_cast<size_t>(f - table.data())] = true;
    if (!f->apply(f->name, f->takes_value ? *value : "1", err)) return false;
    if (f->stops) return true;
  }
  return !getenv || ApplyEnvironment(table, given, getenv, err);
}

// A run's flags. The order of those with a variable is the order the
// variables are read in (the first bad one is the error).
std::vector<Flag> RunFlags(Options* o, Shard* shard_flag) {
  return {
      // mprun ctest's -j/--parallel (ctest's) stands in for it too.
      {"--processes", "-j", true, AnyInt(&o->processes), "MPRUN_PROCESSES", "--parallel"},
      {"--process-timeout", nullptr, true, Seconds(&o->process_timeout_s), "MPRUN_PROCESS_TIMEOUT"},
      {"--interrupt-grace", nullptr, true, Seconds(&o->interrupt_grace_s), "MPRUN_INTERRUPT_GRACE"},
      {"--slow-after", nullptr, true, Seconds(&o->slow_after_s), "MPRUN_SLOW_AFTER"},
      {"--history-from", nullptr, true, File(&o->history_from), "MPRUN_HISTORY_FROM"},
      {"--json", nullptr, true, File(&o->json_path)},
      {"--html", nullptr, true, File(&o->html_path)},
      {"--dist", nullptr, true, Named(ParseDist, "auto, test, suite", &o->dist), "MPRUN_DIST"},
      {"--list", nullptr, false, Switch(&o->list)},
      {"--junit-xml", nullptr, true, File(&o->junit_path)},
      {"--trace", nullptr, true, File(&o->trace_path)},
      {"--progress", nullptr, true,
       [o](std::string_view what, const std::string& v, std::string* e) {
         return OneOf<ProgressMode>(what, v,
                                    {{"auto", ProgressMode::kAuto},
                                     {"bar", ProgressMode::kBar},
                                     {"dots", ProgressMode::kDots},
                                     {"none", ProgressMode::kNone}},
                                    &o->progress, e);
       }},
      {"--color", nullptr, true,
       [o](std::string_view what, const std::string& v, std::string* e) {
         return OneOf<ColorMode>(what, v,
                                 {{"auto", ColorMode::kAuto},
                                  {"always", ColorMode::kAlways},
                                  {"never", ColorMode::kNever}},
                                 &o->color, e);
       }},
      {"--durations", nullptr, true,
       Whole(0, 1000000, "a number of tests (0 or more)", &o->durations)},
      {"--history", nullptr, true, File(&o->history_path), "MPRUN_HISTORY"},
      // An explicit --history=F asks for a history, whatever MPRUN_NO_HISTORY says.
      {"--no-history", nullptr, false, BoolSwitch(&o->no_history), "MPRUN_NO_HISTORY", "--history"},
      {"--no-listing-cache", nullptr, false, BoolSwitch(&o->no_listing_cache),
       "MPRUN_NO_LISTING_CACHE"},
      {"--process-restartworker", nullptr, false, BoolSwitch(&o->restart_worker),
       "MPRUN_PROCESS_RESTARTWORKER"},
      {"--retries", nullptr, true,
       Whole(0, 100, "a number of re-runs between 0 and 100", &o->retries)},
      {"--flaky-fails", nullptr, false, Switch(&o->flaky_fails)},
      {"--show-output", nullptr, true,
       [o](std::string_view what, const std::string& v, std::string* e) {
         return OneOf<bool>(what, v, {{"failed", false}, {"all", true}}, &o->show_all_output, e);
       }},
      {"--shard", nullptr, true,
       [shard_flag](std::string_view, const std::string& v, std::string* e) {
         return ParseShardFlag(v, shard_flag, e);
       }},
      {"--pin", nullptr, true, Named(ParsePinMode, "auto, cores, none", &o->pin), "MPRUN_PIN"},
      {"--exclusive", nullptr, true,
       [o](std::string_view what, const std::string& v, std::string* e) {
         return Pattern(what, v, &o->exclusive, e);
       },
       "MPRUN_EXCLUSIVE"},
      {"--repeat-each", nullptr, true,
       Whole(1, 10000, "a number of runs between 1 and 10000", &o->repeat_each)},
      {"--perf-report", nullptr, false, Switch(&o->perf_report)},
      {"--fail-on-slowdown", nullptr, true,
       [o](std::string_view what, const std::string& v, std::string* e) {
         return Percentage(what, v, &o->fail_on_slowdown_pct, e);
       }},
      {"--stop", "-x", false, Switch(&o->stop_on_failure)},
      {"--timings", nullptr, false, BoolSwitch(&o->timings), "MPRUN_TIMINGS"},
      {"--verbose", "-v", false, Set(&o->verbosity, 2)},
      {"--quiet", "-q", false, Set(&o->verbosity, 0)},
  };
}

constexpr char kMergeUsage[] =
    "usage: mprun merge [--json=FILE] [--junit-xml=FILE] [--history=FILE] [-q|-v] REPORT.json...";
constexpr char kReportUsage[] = "usage: mprun report --html=FILE [--history=FILE] REPORT.json...";

// merge and report: an argument that is not an option is a report to read.
Other Inputs(std::vector<std::string>* inputs, const char* usage) {
  return [inputs, usage](char* arg, bool, std::string* err) {
    if (arg[0] == '-') {
      *err = std::string(arg) + ": unknown option (" + usage + ")";
      return false;
    }
    inputs->push_back(arg);
    return true;
  };
}

// The sub-commands by the word that names them (argv[1]).
struct CommandWord {
  Command command;
  const char* word;
};
constexpr CommandWord kCommands[] = {
    {Command::kMerge, "merge"}, {Command::kReport, "report"}, {Command::kCtest, "ctest"}};

constexpr char kCtestUsage[] = "usage: mprun ctest [CTEST OPTIONS] [MPRUN OPTIONS]";

// --repeat until-fail:N | until-pass:N | after-timeout:N (ctest's words).
Apply Repeat(CtestRepeat* mode, int* count) {
  return [=](std::string_view what, const std::string& v, std::string* e) {
    const size_t colon = v.find(':');
    const std::string word = v.substr(0, colon);
    static const std::pair<const char*, CtestRepeat> kModes[] = {
        {"until-fail", CtestRepeat::kUntilFail},
        {"until-pass", CtestRepeat::kUntilPass},
        {"after-timeout", CtestRepeat::kAfterTimeout}};
    for (const auto& [name, m] : kModes) {
      if (colon == std::string::npos || word != name) continue;
      *mode = m;
      return ParseWhole(what, v.substr(colon + 1), 1, 10000, "a count between 1 and 10000", count,
                        e);
    }
    *e = std::string(what) + ": '" + v + "' is not until-fail:N, until-pass:N or after-timeout:N";
    return false;
  };
}
Apply Text(std::string* out) {
  return [out](std::string_view, const std::string& v, std::string*) { return *out = v, true; };
}
Apply OptionalSeconds(std::optional<double>* out) {
  return [out](std::string_view what, const std::string& v, std::string* e) {
    double s = 0;
    if (!ParseSeconds(what, v, &s, e)) return false;
    *out = s;
    return true;
  };
}

// A selection option of ctest's: its words are kept for ctest's own
// listing (CtestOptions::selection); `only_ctest` marks one that only
// ctest can make, so that the whole selection is ctest's.
Apply Selection(CtestOptions* c, const char* word, bool only_ctest, std::string* out = nullptr) {
  return [=](std::string_view, const std::string& v, std::string*) {
    c->selection.push_back(word);
    if (out != nullptr) {
      c->selection.push_back(v);
      *out = v;
    }
    c->by_ctest = c->by_ctest || only_ctest;
    return true;
  };
}
// One of ctest's options that takes a value mprun keeps for ctest.
Apply SelectionWith(CtestOptions* c, const char* word) {
  return [=](std::string_view, const std::string& v, std::string*) {
    c->selection.insert(c->selection.end(), {word, v});
    c->by_ctest = true;
    return true;
  };
}
// An option of ctest's that changes nothing in mprun, for the reason given
// in the docs' table (docs/ctest.md); Checked: its value is still checked.
Apply Accepted() {
  return [](std::string_view, const std::string&, std::string*) { return true; };
}
Apply Checked(long lo, long hi, const char* expected) {
  return [=](std::string_view what, const std::string& v, std::string* e) {
    int ignored = 0;
    return ParseWhole(what, v, lo, hi, expected, &ignored, e);
  };
}
constexpr char kNotDashboards[] =
    "mprun ctest runs tests, not dashboards, scripts or builds; use plain ctest for this";

// ctest's options mprun ctest refuses, each saying why. "-SP" before "-S".
std::vector<Flag> CtestRefusals() {
  auto refuse = [](const char* name, const char* alias, bool value, const char* why) {
    return Flag{name, alias, value, Refuse(why)};
  };
  return {
      refuse("--failover", "-F", false,
             "mprun ctest does not resume an interrupted run; run it again (with --rerun-failed "
             "to run what failed)"),
      refuse("--dashboard", "-D", true, kNotDashboards),
      refuse("--group", nullptr, true, kNotDashboards),
      refuse("--script-new-process", "-SP", true, kNotDashboards),
      refuse("--script", "-S", true, kNotDashboards),
      refuse("--add-notes", "-A", true, kNotDashboards),
      refuse("--extra-submit", nullptr, true, kNotDashboards),
      refuse("--submit-index", nullptr, true, kNotDashboards),
      refuse("--http1.0", nullptr, false, kNotDashboards),
      refuse("--no-compress-output", nullptr, false, kNotDashboards),
      refuse("--tomorrow-tag", nullptr, false, kNotDashboards),
      refuse("--overwrite", nullptr, true, kNotDashboards),
      refuse("--test-command", nullptr, true, kNotDashboards),
      refuse("--test-timeout", nullptr, true, kNotDashboards),
      refuse("--force-new-ctest-process", nullptr, false, kNotDashboards),
  };
}

// ctest's options that share a spelling with mprun's (-j, --progress) or
// take a value only sometimes (-j [N], --show-only[=FORMAT]).
std::vector<Flag> CtestSharedFlags(CtestOptions* c, Options* o) {
  Flag parallel{
      "--parallel", "-j", true, [o](std::string_view what, const std::string& v, std::string* e) {
        if (v.empty()) return o->processes = -1, true;  // all usable cores
        int n = 0;
        if (!ParseWhole(what, v, 1, kMaxProcesses, "a number of jobs (1 or more)", &n, e)) {
          return false;
        }
        o->processes = n;
        return true;
      }};
  parallel.value_if_whole = true;
  Flag show_only{
      "--show-only", "-N", true,
      [c, o](std::string_view what, const std::string& v, std::string* e) {
        if (!OneOf<std::string>(what, v.empty() ? "human" : v,
                                {{"human", "human"}, {"json-v1", "json-v1"}}, &c->show_only, e)) {
          return false;
        }
        o->list = true;
        return true;
      }};
  show_only.value_optional = true;
  Flag progress{"--progress", nullptr, true,
                [o](std::string_view what, const std::string& v, std::string* e) {
                  return OneOf<ProgressMode>(what, v.empty() ? "auto" : v,
                                             {{"auto", ProgressMode::kAuto},
                                              {"bar", ProgressMode::kBar},
                                              {"dots", ProgressMode::kDots},
                                              {"none", ProgressMode::kNone}},
                                             &o->progress, e);
                }};
  progress.value_optional = true;  // ctest's switch; mprun's --progress=MODE
  // The progress line is mprun's own; CTEST_PROGRESS_OUTPUT is a boolean.
  progress.env = "CTEST_PROGRESS_OUTPUT";
  progress.apply = [mode = progress.apply](std::string_view what, const std::string& v,
                                           std::string* e) {
    if (what != "CTEST_PROGRESS_OUTPUT") return mode(what, v, e);
    std::string lower = v;  // CMake's booleans are ON, On, on...
    for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    bool on = false;
    if (ParseBool(what, lower, &on, e)) return true;
    *e = std::string(what) + ": '" + v + "' is not a boolean (1/0, true/false, yes/no, on/off)";
    return false;
  };
  parallel.env = "CTEST_PARALLEL_LEVEL";
  parallel.env_unless = "--processes";
  return {parallel, show_only, progress};
}

// ctest's --test-load, --stop-time, and the dashboard steps mprun does.
std::vector<Flag> CtestTimeAndDashboardFlags(CtestOptions* c) {
  return {
      {"--test-load", nullptr, true,
       [c](std::string_view what, const std::string& v, std::string* e) {
         return ParseWhole(what, v, 1, 1 << 20, "a load average (a whole number, 1 or more)",
                           &c->test_load, e);
       },
       "CTEST_TEST_LOAD"},
      {"--stop-time", nullptr, true,
       [c](std::string_view what, const std::string& v, std::string* e) {
         time_t at = 0;
         if (StopTimeAfter(v, time(nullptr), &at, e)) return c->stop_time = v, true;
         *e = std::string(what) + ": " + *e;
         return false;
       }},
      // A dashboard's other steps (configure, build, submit...) are ctest's.
      {"--test-action", "-T", true,
       [c](std::string_view what, const std::string& v, std::string* e) {
         const std::string step = Lowered(v);
         if (step == "start") return c->dashboard_start = true;
         if (step == "test") return c->dashboard_test = true;
         *e = std::string(what) + " " + v + ": " + kNotDashboards +
              " (mprun ctest does -T Start and -T Test)";
         return false;
       }},
      {"--test-model", "-M", true,
       [c](std::string_view what, const std::string& v, std::string* e) {
         return OneOf<std::string>(what, Lowered(v),
                                   {{"experimental", "Experimental"},
                                    {"nightly", "Nightly"},
                                    {"continuous", "Continuous"}},
                                   &c->model, e);
       }},
  };
}

// ctest's options, before a run's in the table: "-LE" must be matched
// before "-L" would take "E" as its value ("-SP" before "-S"). Where ctest
// and mprun share a spelling (-j, --progress, --timeout) ctest's wins.
std::vector<Flag> CtestFlags(CtestOptions* c, Options* o) {
  std::vector<Flag> table = {
      {"--test-dir", nullptr, true, Text(&c->test_dir)},
      {"--build-config", "-C", true, Text(&c->config)},
      {"--label-exclude", "-LE", true, Selection(c, "-LE", false, &c->label_exclude)},
      {"--label-regex", "-L", true, Selection(c, "-L", false, &c->label)},
      {"--tests-regex", "-R", true, Selection(c, "-R", false, &c->include)},
      {"--exclude-regex", "-E", true, Selection(c, "-E", false, &c->exclude)},
      {"--tests-information", "-I", true, SelectionWith(c, "-I")},
      {"--union", "-U", false, Selection(c, "-U", true)},
      {"--rerun-failed", nullptr, false, Selection(c, "--rerun-failed", true)},
      {"--fixture-exclude-any", "-FA", true, SelectionWith(c, "-FA")},
      {"--fixture-exclude-setup", "-FS", true, SelectionWith(c, "-FS")},
      {"--fixture-exclude-cleanup", "-FC", true, SelectionWith(c, "-FC")},
      {"--timeout", nullptr, true, OptionalSeconds(&c->timeout_s)},
      {"--stop-on-failure", nullptr, false, Switch(&o->stop_on_failure)},
      // mprun prints the output of every test that did not pass anyway.
      {"--output-on-failure", nullptr, false, Accepted(), "CTEST_OUTPUT_ON_FAILURE"},
      {"--repeat", nullptr, true, Repeat(&c->repeat, &c->repeat_count)},
      {"--repeat-until-fail", nullptr, true,
       [c](std::string_view what, const std::string& v, std::string* e) {
         c->repeat = CtestRepeat::kUntilFail;
         return ParseWhole(what, v, 1, 10000, "a count between 1 and 10000", &c->repeat_count, e);
       }},
      {"--print-labels", nullptr, false, Switch(&c->print_labels)},
      {"--no-tests", nullptr, true,
       [c](std::string_view what, const std::string& v, std::string* e) {
         return OneOf<NoTests>(what, v, {{"error", NoTests::kError}, {"ignore", NoTests::kIgnore}},
                               &c->no_tests, e);
       },
       "CTEST_NO_TESTS_ACTION"},
      {"--schedule-random", nullptr, false, Switch(&c->schedule_random)},
      {"--resource-spec-file", nullptr, true, File(&c->resource_spec_file)},
      {"--output-log", "-O", true, File(&o->log_path)},
      {"--output-junit", nullptr, true, File(&o->junit_path)},
      {"--extra-verbose", "-VV", false, Set(&o->verbosity, 2)},
      {"--verbose-ctest", "-V", false, Set(&o->verbosity, 2)},
      {"--quiet-ctest", "-Q", false, Set(&o->verbosity, 0)},
      {"--debug", nullptr, false, Set(&o->verbosity, 2)},
      {"--max-width", nullptr, true, Checked(1, INT_MAX, "a width (1 or more)")},
      {"--interactive-debug-mode", nullptr, true,
       Checked(0, 1, "0 or 1 (it only matters on Windows)")},
      {"--test-output-size-passed", nullptr, true,
       Checked(0, INT_MAX, "a number of bytes (0 or more)")},
      {"--test-output-size-failed", nullptr, true,
       Checked(0, INT_MAX, "a number of bytes (0 or more)")},
      {"--test-output-truncation", nullptr, true,
       [](std::string_view what, const std::string& v, std::string* e) {
         int ignored = 0;
         return OneOf<int>(what, v, {{"tail", 0}, {"middle", 1}, {"head", 2}}, &ignored, e);
       }},
      {"--no-label-summary", nullptr, false, Accepted()},
      {"--no-subproject-summary", nullptr, false, Accepted()},
      {"--list-presets", nullptr, false, Switch(&c->list_presets)},
      {"--preset", nullptr, true,
       // ctest selects the preset's tests (its filter).
       [c, select = SelectionWith(c, "--preset")](std::string_view what, const std::string& v,
                                                  std::string* e) {
         if (v.empty()) {
           *e = std::string(what) + ": needs a preset's name";
           return false;
         }
         c->preset = v;
         return select(what, v, e);
       }},
      ListTimeoutFlag(&c->list_timeout_s),
      {"--version", nullptr, false, Switch(&c->version), nullptr, nullptr, true},
      {"-version", "/V", false, Switch(&c->version), nullptr, nullptr, true},
      {"--help", "-h", false, Switch(&c->help), nullptr, nullptr, true},
      {"-help", "-H", false, Switch(&c->help), nullptr, nullptr, true},
      {"-usage", "/?", false, Switch(&c->help), nullptr, nullptr, true},
  };
  for (Flag& f : CtestSharedFlags(c, o)) table.push_back(std::move(f));
  for (Flag& f : CtestTimeAndDashboardFlags(c)) table.push_back(std::move(f));
  return table;
}

// Driver mode's flags and GoogleTest's over the whole run (GTEST_FILTER
// and GTEST_ALSO_RUN_DISABLED_TESTS as gtest reads them).
std::vector<Flag> DriverFlags(DriverOptions* d) {
  GtestFlags* g = &d->gtest;
  auto gtest_switch = [](const char* name, bool* out, const char* env = nullptr) {
    Flag f{name, nullptr, true, GtestBool(out), env};
    f.value_optional = true;
    return f;
  };
  return {
      {"--chdir-to-binary", nullptr, false, Switch(&d->chdir_to_binary)},
      ListTimeoutFlag(&d->list_timeout_s),
      {"--list-arg", nullptr, true,
       [d](std::string_view what, const std::string& v, std::string* e) {
         if (v.empty()) {
           *e = std::string(what) + ": an argument for the listings, not nothing";
           return false;
         }
         d->list_args.push_back(v);
         return true;
       }},
      {"--gtest_filter", nullptr, true, Text(&g->filter), "GTEST_FILTER"},
      gtest_switch("--gtest_also_run_disabled_tests", &g->also_run_disabled,
                   "GTEST_ALSO_RUN_DISABLED_TESTS"),
      {"--gtest_repeat", nullptr, true,
       Whole(-1, INT_MAX, "a whole number from -1 (forever) up", &g->repeat)},
      gtest_switch("--gtest_shuffle", &g->shuffle),
      {"--gtest_random_seed", nullptr, true,
       Whole(0, 99999, "a whole number from 0 to 99999", &g->random_seed)},
      gtest_switch("--gtest_fail_fast", &g->fail_fast),
      gtest_switch("--gtest_brief", &g->brief),
      {"--gtest_output", nullptr, true, Text(&g->output)},
      {"--gtest_list_tests", nullptr, false, Refuse("use --list to print the selected tests")},
      {"--help", "-h", false, Switch(&d->help), nullptr, nullptr, true},
  };
}

// Driver mode: other --gtest_* flags go to every launch, what follows
// `--` too, anything else not an option is a binary.
Other DriverArguments(DriverOptions* d) {
  return [d, dashes = false](char* arg, bool after_dashes, std::string* e) mutable {
    const std::string a = arg;
    if (after_dashes) {
      if (!dashes && a == "--") return dashes = true, true;
      d->user_args.push_back(a);
    } else if (a.rfind("--gtest_", 0) == 0) {
      d->passthrough.push_back(a);
    } else if (!a.empty() && a[0] == '-' && a != "-") {
      *e = a +
           ": unknown option (mprun --help lists them; arguments for the test binaries go "
           "after --)";
      return false;
    } else {
      d->binaries.push_back(a);
    }
    return true;
  };
}

}  // namespace

Command CommandOf(int argc, char** argv) {
  if (argc < 2) return Command::kRun;
  for (const CommandWord& c : kCommands) {
    if (std::strcmp(argv[1], c.word) == 0) return c.command;
  }
  return Command::kRun;
}

std::string ErrorPrefix(Command command) {
  for (const CommandWord& c : kCommands) {
    if (c.command == command) return std::string("mprun ") + c.word + ": error: ";
  }
  return "mprun: error: ";
}

bool ParseOptions(int* argc, char** argv, const GetEnv& getenv, Options* out, std::string* err) {
  Options o;
  Shard shard_flag;
  o.command_line.assign(argv, argv + *argc);
  int kept = 1;
  // Unknown flags belong to GoogleTest or the binary, but one that looks
  // like mprun's is a typo that would silently run everything serially.
  const Other keep = [&kept, argv](char* arg, bool after_dashes, std::string* e) {
    const std::string a = arg;
    if (!after_dashes && a.rfind("--process", 0) == 0) {
      *e = a.substr(0, a.find('=')) +
           ": unknown option (mprun has --processes, --process-timeout, --process-restartworker)";
      return false;
    }
    argv[kept++] = arg;
    return true;
  };
  if (!ParseWith(RunFlags(&o, &shard_flag), *argc, argv, keep, getenv, err)) return false;
  *argc = kept;
  argv[kept] = nullptr;
  if (!ResolveShard(shard_flag, getenv, &o.shard, &o.shard_status_file, err)) return false;
  o.shard_flag_given = shard_flag.total > 0;
  *out = std::move(o);
  return true;
}

bool ParseCtestOptions(int argc, char** argv, const GetEnv& getenv, Options* run, CtestOptions* out,
                       std::string* err) {
  Options o;
  CtestOptions c;
  Shard shard_flag;
  o.command_line.assign(argv, argv + argc);
  std::vector<Flag> table = CtestFlags(&c, &o);
  for (Flag& f : CtestRefusals()) table.push_back(std::move(f));
  for (Flag& f : RunFlags(&o, &shard_flag)) table.push_back(std::move(f));
  const Other refuse = [](char* arg, bool, std::string* e) {
    const std::string a = arg;
    const std::string name = a.substr(0, a.find('='));
    if (a.rfind("--build-", 0) == 0) {  // --build-and-test's many options
      *e = name + ": " + kNotDashboards;
    } else if (a.rfind("--help-", 0) == 0) {  // --help-full, --help-manual...
      *e = name + ": mprun ctest does not print CMake's manuals; use ctest itself";
    } else {
      *e = a + ": unknown ctest option (" + kCtestUsage + "; --help lists them)";
    }
    return false;
  };
  if (!ParseWith(table, argc, argv, refuse, getenv, err)) return false;
  if (!ResolveShard(shard_flag, getenv, &o.shard, &o.shard_status_file, err)) return false;
  o.shard_flag_given = shard_flag.total > 0;
  *run = std::move(o);
  *out = std::move(c);
  return true;
}

bool ParseDriverOptions(int argc, char** argv, const GetEnv& getenv, Options* run,
                        DriverOptions* out, std::string* err) {
  Options o;
  DriverOptions d;
  Shard shard_flag;
  o.command_line.assign(argv, argv + argc);
  std::vector<Flag> table = RunFlags(&o, &shard_flag);
  for (Flag& f : DriverFlags(&d)) table.push_back(std::move(f));
  if (!ParseWith(table, argc, argv, DriverArguments(&d), getenv, err)) return false;
  if (!d.help && d.binaries.empty()) {
    *err = "no test binary given (usage: mprun [OPTIONS] BINARY... [-- ARGS])";
    return false;
  }
  if (!ResolveShard(shard_flag, getenv, &o.shard, &o.shard_status_file, err)) return false;
  o.shard_flag_given = shard_flag.total > 0;
  *run = std::move(o);
  *out = std::move(d);
  return true;
}

std::string DriverHelp() {
  return std::string(R"(Usage: mprun [OPTIONS] [GTEST FLAGS] BINARY... [-- ARGS]

Runs the tests of any number of GoogleTest, Catch2 (v2, v3) and doctest
binaries in one pool of worker processes. Each binary is listed with its
framework's listing (--gtest_list_tests, ...), then launched once per batch
of its tests naming them exactly; ARGS go to every launch.
`mprun ctest` runs a CMake build folder's CTest suite (mprun ctest --help);
`mprun merge REPORT.json...` combines the --json reports of shards;
`mprun report --html=FILE REPORT.json...` makes the --html page from them.
`mprun --version` prints the version.

Driver mode:
  --chdir-to-binary         Run each binary in its own directory (as ctest does);
                            default: mprun's current directory.
  --list-timeout=SECONDS    Limit on each binary's --gtest_list_tests (default 60).
  --list-arg=ARG            Given to every binary's listing (repeatable), to select
                            tests by what --gtest_filter cannot see: a Catch2
                            test spec ('[fast]~[slow]'), a doctest filter
                            ('--test-suite=math*'). Launches name the listed tests.
GoogleTest flags over the whole run: --gtest_filter, --gtest_also_run_disabled_tests,
  --gtest_repeat, --gtest_shuffle, --gtest_random_seed, --gtest_fail_fast,
  --gtest_output=xml:F|json:F (one merged file), --gtest_brief; other --gtest_*
  flags are passed to every launch. GTEST_FILTER is read as --gtest_filter.
  Processes default to all usable cores (--processes=-1).

)") + OptionsHelp();
}

namespace {

// "+HHMM", "-HHMM" or "+HH:MM": seconds east of UTC; false for anything else.
bool ZoneOffset(std::string zone, long* offset_s) {
  if (zone.size() == 6 && zone[3] == ':') zone.erase(3, 1);
  if (zone.size() != 5 || (zone[0] != '+' && zone[0] != '-') ||
      zone.find_first_not_of("0123456789", 1) != std::string::npos) {
    return false;
  }
  const int h = std::stoi(zone.substr(1, 2));
  const int m = std::stoi(zone.substr(3, 2));
  if (h > 14 || m > 59) return false;
  *offset_s = (zone[0] == '-' ? -1 : 1) * (h * 3600L + m * 60L);
  return true;
}

}  // namespace

bool StopTimeAfter(const std::string& text, time_t now, time_t* at, std::string* err) {
  int h = 0, m = 0, sec = 0, used = 0;
  const char* p = text.c_str();
  if (std::sscanf(p, "%2d:%2d%n", &h, &m, &used) != 2 || h < 0 || h > 23 || m < 0 || m > 59) {
    *err = "'" + text + "' is not a time of day (HH:MM[:SS], then a zone if not local)";
    return false;
  }
  p += used;
  if (*p == ':') {
    if (std::sscanf(p, ":%2d%n", &sec, &used) != 1 || sec < 0 || sec > 59) {
      *err = "'" + text + "': seconds are 00 to 59";
      return false;
    }
    p += used;
  }
  const std::string zone = *p == ' ' ? std::string(p + 1) : std::string(p);
  time_t candidate;
  if (zone.empty()) {  // local time
    struct tm today;
    localtime_r(&now, &today);
    today.tm_hour = h;
    today.tm_min = m;
    today.tm_sec = sec;
    today.tm_isdst = -1;
    candidate = mktime(&today) - 86400;
  } else {
    long offset_s = 0;
    if (zone != "UTC" && zone != "GMT" && zone != "Z" && !ZoneOffset(zone, &offset_s)) {
      *err = "'" + text + "': the zone is UTC, GMT, Z, +HHMM or -HHMM";
      return false;
    }
    candidate = now - now % 86400 + h * 3600L + m * 60L + sec - offset_s - 2 * 86400;
  }
  while (candidate <= now) candidate += 86400;
  *at = candidate;
  return true;
}

const char* CtestHelp() {
  static const std::string text =
      std::string(kCtestUsage) +
      "\n\n"
      "Runs the CTest suite of a CMake build folder through mprun's pool. The tests come\n"
      "from `ctest --show-only=json-v1`; GoogleTest binaries are run in batches of their\n"
      "own tests, any other test as one command, as ctest runs it.\n"
      "ctest's options (docs/ctest.md has the table of every one):\n"
      "  --test-dir DIR          the build folder (default: the current directory)\n"
      "  --preset NAME           a test preset of CMakePresets.json here (its build\n"
      "                          folder, selection and settings); --list-presets\n"
      "  -C, --build-config CFG  the configuration (multi-config generators)\n"
      "  -R/-E REGEX             tests whose name matches / does not match\n"
      "  -L/-LE REGEX            tests with a label that matches / none that matches\n"
      "  -I SPEC, -U, --rerun-failed, -FA/-FS/-FC REGEX\n"
      "                          selections ctest makes (mprun asks it)\n"
      "  -j [N], --parallel [N]  parallel workers (default, and without N: all usable\n"
      "                          cores) [CTEST_PARALLEL_LEVEL]\n"
      "  --timeout SECONDS       limit for tests without a TIMEOUT property\n"
      "  --stop-time HH:MM[:SS] [ZONE]  no test runs past this time of day\n"
      "  --test-load N           no new tests while the load average is N or more\n"
      "                          [CTEST_TEST_LOAD]\n"
      "  --stop-on-failure       stop at the first failure\n"
      "  --output-on-failure     accepted: mprun always shows a failed test's output\n"
      "  --repeat until-fail:N | until-pass:N | after-timeout:N, --repeat-until-fail N\n"
      "  --schedule-random       a random order\n"
      "  --resource-spec-file FILE  the resources for RESOURCE_GROUPS tests\n"
      "  --no-tests=error|ignore no test selected: a failure, or silence\n"
      "                          [CTEST_NO_TESTS_ACTION]\n"
      "  -N, --show-only[=json-v1]  list the tests and exit (json-v1: ctest's listing)\n"
      "  --print-labels          ctest's list of labels\n"
      "  --output-junit FILE     JUnit XML report\n"
      "  -O, --output-log FILE   a log of the run (what -v prints)\n"
      "  -T Test, -T Start, -M MODEL  ctest's Testing/TAG and Testing/<tag>/Test.xml\n"
      "  -V, -VV / -Q            one line per test / failures and summary only\n"
      "  --list-timeout SECONDS  limit on ctest's listing and each binary's (default 60)\n"
      "Every mprun option (mprun --help) works too.\n";
  return text.c_str();
}

bool ParseMergeOptions(int argc, char** argv, MergeOptions* out, std::string* err) {
  MergeOptions o;
  const std::vector<Flag> flags = {
      {"--json", nullptr, true, File(&o.json_path)},
      {"--junit-xml", nullptr, true, File(&o.junit_path)},
      {"--history", nullptr, true, File(&o.history_path)},
      {"--quiet", "-q", false, Set(&o.verbosity, 0)},
      {"--verbose", "-v", false, Set(&o.verbosity, 2)},
      {"--help", "-h", false, Switch(&o.help), nullptr, nullptr, true},
  };
  if (!ParseWith(flags, argc, argv, Inputs(&o.inputs, kMergeUsage), nullptr, err)) return false;
  if (!o.help && o.inputs.empty()) {
    *err = std::string("no report given (") + kMergeUsage + ")";
    return false;
  }
  *out = std::move(o);
  return true;
}

bool ParseReportOptions(int argc, char** argv, ReportOptions* out, std::string* err) {
  ReportOptions o;
  const std::vector<Flag> flags = {
      {"--html", nullptr, true, File(&o.html_path)},
      {"--history", nullptr, true, File(&o.history_path)},
      {"--help", "-h", false, Switch(&o.help), nullptr, nullptr, true},
  };
  if (!ParseWith(flags, argc, argv, Inputs(&o.inputs, kReportUsage), nullptr, err)) return false;
  if (!o.help && (o.html_path.empty() || o.inputs.empty())) {
    *err = std::string(o.html_path.empty() ? "--html=FILE is required" : "no report given") + " (" +
           kReportUsage + ")";
    return false;
  }
  *out = std::move(o);
  return true;
}

const char* MergeHelp() {
  static const std::string text =
      std::string(kMergeUsage) +
      "\n\n"
      "The JSON reports of a run's shards as one report, JUnit file and summary. Exit 1\n"
      "when they are not an exact cover: shards computed from different test lists or\n"
      "histories, a test reported twice, a selected test no shard ran, a shard missing.\n"
      "  --history=FILE  record the reports' durations and outcomes in FILE (a sharded\n"
      "                  run reads the history but never writes it): the history the\n"
      "                  next run's shards should all share\n";
  return text.c_str();
}

const char* ReportHelp() {
  static const std::string text =
      std::string(kReportUsage) +
      "\n\n"
      "The HTML page of --html from saved --json reports: one report as it is, several\n"
      "(a sharded run's) combined as `mprun merge` combines them.\n"
      "  --history=FILE  plot, for each test whose duration moved, the durations FILE\n"
      "                  recorded for it (when the report carries none)\n";
  return text.c_str();
}

const char* OptionsHelp() {
  return R"(mprun (parallel runs):
  --processes=NUM, -j NUM   Run tests in NUM worker processes; negative: all usable
                            cores; 0: plain GoogleTest. [MPRUN_PROCESSES]
  --process-timeout=SECONDS One time limit for every test (fractions allowed; 0: none).
                            Not given: each test's own, 5 times its longest recorded
                            duration and at least 60 s, or 15 minutes for a test without
                            history (a healthy test is never killed). [MPRUN_PROCESS_TIMEOUT]
  --slow-after=SECONDS      Announce a test still running after SECONDS as slow (on the
                            status line, with -v, in the summary and reports; default 10;
                            0: never). [MPRUN_SLOW_AFTER]
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
  --history=FILE            Durations and outcomes of earlier runs, for placement and time
                            limits (default .mprun/history.json) [MPRUN_HISTORY];
                            --no-history: neither read nor write it [MPRUN_NO_HISTORY=1].
  --no-listing-cache        List every binary every run. Otherwise a binary's
                            --gtest_list_tests is kept beside the history and used again
                            while the binary, its arguments, directory and environment are
                            the same (a binary whose tests come from data files it reads
                            at start-up needs this). [MPRUN_NO_LISTING_CACHE]
  --history-from=REPORT     The durations in an earlier run's --json or --junit-xml report
                            (or `mprun merge`'s of a sharded run), for tests the history
                            does not know: a first run on a fresh CI machine is placed
                            as well as the second. [MPRUN_HISTORY_FROM]
  --retries=N               Run a failed, crashed or timed-out test again, up to N times;
                            one that then passes is reported flaky.
  --flaky-fails             A flaky test fails the run.
  --durations=N             List the N slowest tests at the end.
  --timings                 Say where the run's time went, phase by phase (listing, plan,
                            segment and history, the tests, reports...), on stderr at
                            the end. [MPRUN_TIMINGS]
  --show-output=failed|all  Show the captured output of failed tests (default) or all.
  -v, --verbose / -q, --quiet
                            One line per test / only the summary.
)";
}

}  // namespace mprun::core
