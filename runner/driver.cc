#include "runner/driver.h"

#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/gtest_list.h"
#include "core/options.h"
#include "runner/cpus.h"
#include "runner/driver_executor.h"
#include "runner/engine.h"
#include "runner/run_setup.h"
#include "runner/spawner.h"
#include "shm/segment.h"

namespace mprun::runner {

namespace {

constexpr int kUsage = static_cast<int>(core::ExitStatus::kUsage);

const char kDriverHelp[] =
    R"(Usage: mprun [OPTIONS] [GTEST FLAGS] BINARY... [-- ARGS]

Runs the tests of any number of GoogleTest binaries in one pool of worker
processes. Each binary is listed with --gtest_list_tests, then launched once
per batch of its tests with an exact --gtest_filter; ARGS go to every launch.
`mprun merge REPORT.json...` combines the --json reports of shards;
`mprun report --html=FILE REPORT.json...` makes the --html page from them.

Driver mode:
  --chdir-to-binary         Run each binary in its own directory (as ctest does);
                            default: mprun's current directory.
  --list-timeout=SECONDS    Limit on each binary's --gtest_list_tests (default 60).
GoogleTest flags over the whole run: --gtest_filter, --gtest_also_run_disabled_tests,
  --gtest_repeat, --gtest_shuffle, --gtest_random_seed, --gtest_fail_fast,
  --gtest_output=xml:F|json:F (one merged file), --gtest_brief; other --gtest_*
  flags are passed to every launch. GTEST_FILTER is read as --gtest_filter.
  Processes default to all usable cores (--processes=-1).

)";

struct Args {
  std::vector<std::string> binaries;
  std::vector<std::string> passthrough;  // gtest flags for every launch
  std::vector<std::string> user_args;    // after --
  GtestFlags gtest;                      // over the whole run
  bool chdir_to_binary = false;
  double list_timeout_s = 60;
};

bool FlagValue(const std::string& arg, const char* name, std::string* value) {
  const std::string prefix = std::string(name) + "=";
  if (arg.compare(0, prefix.size(), prefix) != 0) return false;
  *value = arg.substr(prefix.size());
  return true;
}

bool WholeNumber(const std::string& flag, const std::string& text, long lo, long hi, int* out,
                 std::string* err) {
  errno = 0;
  char* end = nullptr;
  const long v = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno == ERANGE || v < lo || v > hi) {
    *err = flag + ": '" + text + "' is not a whole number from " + std::to_string(lo) + " to " +
           std::to_string(hi);
    return false;
  }
  *out = static_cast<int>(v);
  return true;
}

bool IsTrue(const std::string& v) { return v.empty() || v == "1" || v == "true" || v == "yes"; }

// What ParseOptions left: gtest flags, driver flags, binaries, then `--`.
bool ParseRest(int argc, char** argv, const std::vector<std::string>& user_args, Args* a,
               std::string* err) {
  if (const char* f = std::getenv("GTEST_FILTER"); f && *f) a->gtest.filter = f;
  if (const char* d = std::getenv("GTEST_ALSO_RUN_DISABLED_TESTS"); d && *d) {
    a->gtest.also_run_disabled = std::strcmp(d, "0") != 0;
  }
  a->user_args = user_args;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    std::string v;
    if (FlagValue(arg, "--gtest_filter", &v)) {
      a->gtest.filter = v;
    } else if (arg == "--gtest_also_run_disabled_tests" ||
               FlagValue(arg, "--gtest_also_run_disabled_tests", &v)) {
      a->gtest.also_run_disabled = IsTrue(v);
    } else if (FlagValue(arg, "--gtest_repeat", &v)) {
      if (!WholeNumber("--gtest_repeat", v, -1, INT_MAX, &a->gtest.repeat, err)) return false;
    } else if (arg == "--gtest_shuffle" || FlagValue(arg, "--gtest_shuffle", &v)) {
      a->gtest.shuffle = IsTrue(v);
    } else if (FlagValue(arg, "--gtest_random_seed", &v)) {
      if (!WholeNumber("--gtest_random_seed", v, 0, 99999, &a->gtest.random_seed, err))
        return false;
    } else if (arg == "--gtest_fail_fast" || FlagValue(arg, "--gtest_fail_fast", &v)) {
      a->gtest.fail_fast = IsTrue(v);
    } else if (arg == "--gtest_brief" || FlagValue(arg, "--gtest_brief", &v)) {
      a->gtest.brief = IsTrue(v);
    } else if (FlagValue(arg, "--gtest_output", &v)) {
      a->gtest.output = v;
    } else if (arg == "--gtest_list_tests") {
      *err = "--gtest_list_tests: use --list to print the selected tests";
      return false;
    } else if (arg.rfind("--gtest_", 0) == 0) {
      a->passthrough.push_back(arg);
    } else if (arg == "--chdir-to-binary") {
      a->chdir_to_binary = true;
    } else if (FlagValue(arg, "--list-timeout", &v)) {
      char* end = nullptr;
      a->list_timeout_s = std::strtod(v.c_str(), &end);
      if (v.empty() || *end != '\0' || !(a->list_timeout_s > 0) || a->list_timeout_s > 1e6) {
        *err = "--list-timeout: '" + v + "' is not a number of seconds above 0";
        return false;
      }
    } else if (!arg.empty() && arg[0] == '-' && arg != "-") {
      *err = arg +
             ": unknown option (mprun --help lists them; arguments for the test "
             "binaries go after --)";
      return false;
    } else {
      a->binaries.push_back(arg);
    }
  }
  if (a->binaries.empty()) {
    *err = "no test binary given (usage: mprun [OPTIONS] BINARY... [-- ARGS])";
    return false;
  }
  return true;
}

// The path to execute for `given`, checked: an existing, executable regular
// file; made absolute (a launch may run in another directory).
bool ExecPathOf(const std::string& given, std::string* out, std::string* err) {
  struct stat st;
  if (stat(given.c_str(), &st) != 0) {
    *err = given + ": " + std::strerror(errno);
    return false;
  }
  if (!S_ISREG(st.st_mode)) {
    *err = given + ": not a regular file";
    return false;
  }
  if (access(given.c_str(), X_OK) != 0) {
    *err = given + ": not executable";
    return false;
  }
  char resolved[PATH_MAX];
  if (realpath(given.c_str(), resolved) == nullptr) {
    *err = given + ": " + std::strerror(errno);
    return false;
  }
  *out = resolved;
  return true;
}

struct Listing {
  pid_t pid = -1;
  int out_fd = -1;
  int err_fd = -1;
  std::string out, err;
  int status = 0;
  bool timed_out = false;
  uint64_t start_ns = 0, end_ns = 0;
};

bool SpawnListing(Spawner& spawner, const std::string& path, Listing* l, std::string* err) {
  ProgramSpec spec;
  spec.argv = {path, "--gtest_list_tests"};
  spec.separate_stderr = true;
  spec.exec_failed = "cannot run it";
  l->start_ns = shm::MonotonicNs();
  Program listing;
  int error_number = 0;
  if (!spawner.StartProgram(spec, &listing, err, &error_number)) return false;
  l->pid = listing.pid;
  l->out_fd = listing.out_fd;
  l->err_fd = listing.err_fd;
  return true;
}

// The listings under way (started and not yet reaped), their pipes
// watched in one poll.
struct Watch {
  std::vector<pollfd> fds;
  std::vector<std::pair<size_t, bool>> who;  // listing, is-stdout
  uint64_t wait_ns = 1000000000;
};

// Kills the listings past their limit, reaps those whose streams are both
// closed, and gathers the open pipes of the rest.
Watch WatchListings(Spawner& spawner, std::vector<Listing>& ls, size_t started,
                    std::vector<bool>& reaped, uint64_t limit_ns) {
  Watch w;
  const uint64_t now = shm::MonotonicNs();
  for (size_t i = 0; i < started; ++i) {
    if (reaped[i]) continue;
    Listing& l = ls[i];
    if (now >= l.start_ns + limit_ns) {  // too long: killed, judged below
      l.timed_out = true;
      spawner.SignalProgramGroup(l.pid, SIGKILL);
    }
    if (l.out_fd < 0 && l.err_fd < 0) {
      // Both streams closed: it is done once it has exited.
      if (spawner.ProgramEnded(l.pid, &l.status)) {
        reaped[i] = true;
        if (l.end_ns == 0) l.end_ns = shm::MonotonicNs();
      } else {
        w.wait_ns = std::min<uint64_t>(w.wait_ns, 2000000);
      }
      continue;
    }
    w.wait_ns = std::min(w.wait_ns, l.start_ns + limit_ns > now ? l.start_ns + limit_ns - now : 0);
    if (l.out_fd >= 0) w.fds.push_back({l.out_fd, POLLIN, 0}), w.who.push_back({i, true});
    if (l.err_fd >= 0) w.fds.push_back({l.err_fd, POLLIN, 0}), w.who.push_back({i, false});
  }
  return w;
}

// What the poll found ready: read, or closed at the end of the stream.
void ReadListings(const Watch& w, std::vector<Listing>& ls) {
  for (size_t k = 0; k < w.fds.size(); ++k) {
    if (w.fds[k].revents == 0) continue;
    Listing& l = ls[w.who[k].first];
    const bool is_out = w.who[k].second;
    int& fd = is_out ? l.out_fd : l.err_fd;
    std::string& text = is_out ? l.out : l.err;
    char buf[65536];
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n > 0) {
      text.append(buf, static_cast<size_t>(n));
      if (!is_out && text.size() > 65536) text.erase(0, text.size() - 32768);
    } else if (n == 0 || errno != EINTR) {
      close(fd);
      fd = -1;
      if (l.out_fd < 0 && l.err_fd < 0) l.end_ns = shm::MonotonicNs();
    }
  }
}

// False with `err` when the listing of `shown` did not end well.
bool JudgeListing(const std::string& shown, const Listing& l, double timeout_s, std::string* err) {
  auto fail = [&](const std::string& why) {
    *err = shown + ": " + why;
    std::string tail = l.err.size() > 2000 ? l.err.substr(l.err.size() - 2000) : l.err;
    while (!tail.empty() && tail.back() == '\n') tail.pop_back();
    if (!tail.empty()) *err += "; it wrote to stderr:\n" + tail;
    return false;
  };
  if (l.timed_out) {
    char limit[32];
    std::snprintf(limit, sizeof limit, "%g", timeout_s);
    return fail(std::string("--gtest_list_tests did not finish within ") + limit +
                " s (--list-timeout); killed");
  }
  if (WIFSIGNALED(l.status)) {
    return fail(std::string("--gtest_list_tests was killed by signal ") +
                strsignal(WTERMSIG(l.status)));
  }
  if (WEXITSTATUS(l.status) != 0) {
    return fail("--gtest_list_tests exited with status " + std::to_string(WEXITSTATUS(l.status)) +
                (WEXITSTATUS(l.status) == 127 ? " (could not be run)" : "") +
                "; is it a GoogleTest binary?");
  }
  return true;
}

// Lists the binaries, up to `parallel` at a time, each within `timeout_s`
// of its start; false with `err` naming the first that failed.
bool ListAll(Spawner& spawner, const std::vector<std::string>& shown,
             const std::vector<std::string>& paths, double timeout_s, size_t parallel,
             std::vector<Listing>* out, std::string* err) {
  std::vector<Listing>& ls = *out;
  ls.resize(paths.size());
  const auto limit_ns = static_cast<uint64_t>(timeout_s * 1e9);
  std::vector<bool> reaped(paths.size(), false);
  size_t next = 0;
  for (;;) {
    size_t running = 0;
    for (size_t i = 0; i < next; ++i) running += reaped[i] ? 0 : 1;
    for (; running < parallel && next < ls.size(); ++next, ++running) {
      if (!SpawnListing(spawner, paths[next], &ls[next], err)) {
        *err = shown[next] + ": " + *err;
        for (size_t j = 0; j < next; ++j) {
          if (!reaped[j]) spawner.SignalProgramGroup(ls[j].pid, SIGKILL);
        }
        return false;
      }
    }
    if (running == 0) break;
    Watch w = WatchListings(spawner, ls, next, reaped, limit_ns);
    const int wait_ms = static_cast<int>(w.wait_ns / 1000000 + 1);
    if (poll(w.fds.data(), w.fds.size(), w.fds.empty() ? std::min(wait_ms, 2) : wait_ms) < 0 &&
        errno != EINTR) {
      *err = std::string("poll: ") + std::strerror(errno);
      return false;
    }
    ReadListings(w, ls);
  }
  for (size_t i = 0; i < ls.size(); ++i) {
    if (!JudgeListing(shown[i], ls[i], timeout_s, err)) return false;
  }
  return true;
}

// Listings at once: enough to hide each one's start-up, few enough for the
// file-descriptor limit with hundreds of binaries.
size_t ParallelListings() {
  size_t parallel = static_cast<size_t>(std::clamp(2 * UsableCores(), 4, 64));
  struct rlimit files;
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur != RLIM_INFINITY) {
    // Each listing holds two pipe ends; leave room for everything else.
    const auto room = static_cast<size_t>(files.rlim_cur > 48 ? (files.rlim_cur - 32) / 2 : 1);
    parallel = std::max<size_t>(1, std::min(parallel, room));
  }
  return parallel;
}

// Driver mode's way in: tests listed by each binary, executed by launching
// it per batch with an exact filter (driver_executor.h).
class DriverWay : public WayIn {
 public:
  DriverWay(const Args& args, std::vector<std::string> exec_paths, Spawner& spawner)
      : args_(args), exec_paths_(std::move(exec_paths)), spawner_(spawner) {}

  // The run's table from the binaries' listings: the tests gtest's rules
  // select, across all of them. False with `err` for a listing that cannot
  // be read.
  bool Table(const std::vector<Listing>& listings, core::RunInfo* run, std::string* err) {
    const TestSelector selector(args_.gtest);
    run->binaries = args_.binaries;
    for (size_t b = 0; b < listings.size(); ++b) {
      std::vector<core::ListedTest> listed;
      if (!core::ParseGtestList(listings[b].out, &listed, err)) {
        *err = args_.binaries[b] + ": --gtest_list_tests: " + *err;
        return false;
      }
      startup_ns_ = std::max(startup_ns_, listings[b].end_ns - listings[b].start_ns);
      for (core::ListedTest& t : listed) {
        if (!selector.Runnable(t.suite, t.name)) continue;
        ++suite_runs_[{static_cast<uint32_t>(b), t.suite}];
        if (!selector.Selects(t.suite, t.name)) continue;
        run->tests.push_back({static_cast<uint32_t>(b), std::move(t.suite), std::move(t.name)});
      }
    }
    return true;
  }

  void Prepare(const core::RunInfo& run, EngineSpec* spec) override {
    // The child's start-up is paid once per batch: batches aim at twenty
    // times the slowest listing (start-up plus printing every name), so that
    // it stays about 5% of the run. Timeouts kill the worker's group at once
    // (the worker's own backtrace would say nothing about the test).
    spec->batch_time_ns = std::clamp(20.0 * static_cast<double>(startup_ns_), 2e6, 2e9);
    spec->max_batch = 1u << 20;
    // A launch per test would cost a start-up per test: without durations,
    // a first batch is a quarter of a worker's share (the rest can be
    // stolen). A launch cannot hand back the tests it holds, so without
    // durations each suite's units are dealt spread out: long tests that sit
    // together in a suite end up in different launches (core::SpreadOrder),
    // and the supervisor moves a long test's neighbours to another worker.
    spec->first_batch_share_divisor = 4;
    spec->order_without_durations = core::DealOrder::kSpread;
    spec->dump_grace_ms = 0;
    spec->driver_launches = true;
    setup_.run = &run;
    setup_.exec_paths = exec_paths_;
    setup_.extra_args = args_.passthrough;
    setup_.extra_args.insert(setup_.extra_args.end(), args_.user_args.begin(),
                             args_.user_args.end());
    setup_.also_run_disabled = args_.gtest.also_run_disabled;
    setup_.whole_suite_size = WholeSuiteSizes(run);
    setup_.chdir_to_binary = args_.chdir_to_binary;
    setup_.spawner = &spawner_;
    spec->work = [this](WorkerRuntime& runtime) { RunDriverWorker(setup_, runtime); };
  }

 private:
  // Per test, its suite's size in the table when that is every test
  // `Suite.*` would run in its binary, else 0 (DriverSetup). A suite listed
  // in two places is never named by wildcard: its count is then not one
  // contiguous run.
  std::vector<uint32_t> WholeSuiteSizes(const core::RunInfo& run) const {
    std::vector<uint32_t> whole(run.tests.size(), 0);
    for (size_t t = 0; t < run.tests.size();) {
      size_t end = t + 1;
      while (end < run.tests.size() && run.tests[end].binary == run.tests[t].binary &&
             run.tests[end].suite == run.tests[t].suite) {
        ++end;
      }
      const auto it = suite_runs_.find({run.tests[t].binary, run.tests[t].suite});
      if (it != suite_runs_.end() && it->second == end - t) {
        for (size_t i = t; i < end; ++i) whole[i] = static_cast<uint32_t>(end - t);
      }
      t = end;
    }
    return whole;
  }

  const Args& args_;
  const std::vector<std::string> exec_paths_;
  // Per binary and suite, how many tests `Suite.*` would run there: listed,
  // not disabled unless asked for.
  std::map<std::pair<uint32_t, std::string>, size_t> suite_runs_;
  uint64_t startup_ns_ = 0;  // the slowest listing
  Spawner& spawner_;
  DriverSetup setup_;
};

bool PrintHelpIfAsked(int argc, char** argv) {
  for (int i = 1; i < argc && std::strcmp(argv[i], "--") != 0; ++i) {
    if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
      std::fputs(kDriverHelp, stdout);
      std::fputs(core::OptionsHelp(), stdout);
      return true;
    }
  }
  return false;
}

// mprun's options, then the rest of the command line; arguments after `--`
// belong to the binaries.
bool ParseCommandLine(int argc, char** argv, core::Options* opts, Args* args, std::string* err) {
  int ours = argc;
  std::vector<std::string> user_args;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--") == 0) {
      ours = i;
      for (int j = i + 1; j < argc; ++j) user_args.push_back(argv[j]);
      break;
    }
  }
  if (!core::ParseOptions(
          &ours, argv, [](const char* n) { return std::getenv(n); }, opts, err)) {
    return false;
  }
  return ParseRest(ours, argv, user_args, args, err);
}

// The binaries run as plain GoogleTest, unsharded, with mprun's filter:
// nothing in the environment may change what a launch runs or writes.
void ClearGtestEnvironment() {
  for (const char* v :
       {"MPRUN_PROCESSES", "GTEST_FILTER", "GTEST_TOTAL_SHARDS", "GTEST_SHARD_INDEX",
        "GTEST_SHARD_STATUS_FILE", "GTEST_OUTPUT", "GTEST_REPEAT", "GTEST_SHUFFLE",
        "GTEST_RANDOM_SEED", "GTEST_FAIL_FAST", "GTEST_LIST_TESTS", "GTEST_BRIEF",
        "GTEST_ALSO_RUN_DISABLED_TESTS", "GTEST_COLOR", "GTEST_PREMATURE_EXIT_FILE"}) {
    unsetenv(v);
  }
  for (const char* v : core::ShardVariables()) unsetenv(v);
}

}  // namespace

int RunDriver(int argc, char** argv) {
  if (PrintHelpIfAsked(argc, argv)) return 0;
  core::Options opts;
  Args args;
  std::string err;
  auto fail = [&err] {
    std::fprintf(stderr, "mprun: error: %s\n", err.c_str());
    return kUsage;
  };
  if (!ParseCommandLine(argc, argv, &opts, &args, &err)) return fail();
  ClearGtestEnvironment();
  std::vector<std::string> exec_paths(args.binaries.size());
  for (size_t i = 0; i < args.binaries.size(); ++i) {
    if (!ExecPathOf(args.binaries[i], &exec_paths[i], &err)) return fail();
  }
  std::vector<Listing> listings;
  // Every test binary starts through it: the listings here, the launches
  // in the workers (which inherit it).
  ForkSpawner programs;
  if (!ListAll(programs, args.binaries, exec_paths, args.list_timeout_s, ParallelListings(),
               &listings, &err)) {
    return fail();
  }
  DriverWay way(args, std::move(exec_paths), programs);
  core::RunInfo run;
  if (!way.Table(listings, &run, &err)) return fail();
  return RunTests(opts, opts.processes.value_or(-1), args.gtest, "mprun", std::move(run), way);
}

}  // namespace mprun::runner
