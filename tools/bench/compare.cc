// The peer comparison: mprun against what a C++ team would otherwise use,
// on the same machine, in the same run, as ratios. Run by tools/bench/run.
//
// For each workload (tools/bench/workload.h) and worker count W it times, in
// alternation over several repetitions: the plain gtest binary run serially;
// gtest's own sharding (W processes with GTEST_TOTAL_SHARDS/GTEST_SHARD_INDEX);
// `ctest -jW` over one test per process (the add_test lines
// gtest_discover_tests would write; ctest keeps its cost data between
// repetitions); `mprun ctest -jW` over the same folder (a first run, and
// with the history and listings of an earlier run); mprun's driver mode over the plain binary and
// mprun's linked mode, each as a first run and with the history (and listings) of an earlier run.
// Workloads of whole binaries (one ctest test per binary, as a plain
// `add_test(NAME x COMMAND x)` registers it) time the binaries run one after
// another, `ctest -jW`, `mprun ctest -jW` and the driver over every binary,
// each as a first run and with the history of an earlier run. Workloads
// of another framework (420 trivial Catch2 v2 or doctest cases) time the
// binary run whole, `ctest -jW` over what catch_discover_tests or
// doctest_discover_tests registers (one process per case), `mprun ctest
// -jW` over that folder and the driver over the binary. With
// --baseline=BUILD_DIR (another build of mprun: an earlier commit's) each
// driver and linked cell is timed with that build too, in the same
// alternation. It reports medians, ratios to serial and to the lower bound
// max(total/W, longest), and the peak RSS of any one process of each tool,
// as a Markdown table and a JSON file of every sample.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "runner/process/cpus.h"
#include "tools/bench/workload.h"

namespace {

double NowS() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

struct Sample {
  double wall_s = 0;
  long max_rss_kb = 0;
  bool ok = true;
};

pid_t Spawn(const std::vector<std::string>& argv, const std::vector<std::string>& env) {
  std::vector<char*> a;
  for (const auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
  a.push_back(nullptr);
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    for (const auto& kv : env) putenv(const_cast<char*>(kv.c_str()));
    const int null = open("/dev/null", O_WRONLY);
    dup2(null, 1);
    dup2(null, 2);
    execv(a[0], a.data());
    _exit(127);
  }
  return pid;
}

using Job = std::pair<std::vector<std::string>, std::vector<std::string>>;  // argv, env

// Runs the processes at once and waits for all: wall time until the last
// ends, and the largest peak RSS of any process (wait4 reports a child's
// own and its reaped descendants').
Sample RunAll(const std::vector<Job>& jobs) {
  Sample s;
  const double start = NowS();
  std::vector<pid_t> pids;
  for (const auto& [argv, env] : jobs) pids.push_back(Spawn(argv, env));
  for (pid_t pid : pids) {
    int status = 0;
    struct rusage ru = {};
    wait4(pid, &status, 0, &ru);
    s.max_rss_kb = std::max(s.max_rss_kb, ru.ru_maxrss);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127) s.ok = false;
  }
  s.wall_s = NowS() - start;
  return s;
}

// Runs the processes one after another: the wall time of them all.
Sample RunInTurn(const std::vector<Job>& jobs) {
  Sample s;
  for (const Job& job : jobs) {
    const Sample one = RunAll({job});
    s.wall_s += one.wall_s;
    s.max_rss_kb = std::max(s.max_rss_kb, one.max_rss_kb);
    s.ok = s.ok && one.ok;
  }
  return s;
}

std::string Capture(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

// The CTestTestfile.cmake that gtest_discover_tests would produce for
// `binary`: one add_test per test, run as `binary --gtest_filter=NAME`.
bool WriteCtestDir(const std::string& binary, const std::string& dir, double timeout_s) {
  mkdir(dir.c_str(), 0755);
  std::istringstream list(Capture(binary + " --gtest_list_tests"));
  std::ofstream out(dir + "/CTestTestfile.cmake");
  std::string line, suite;
  int n = 0;
  while (std::getline(list, line)) {
    if (line.empty()) continue;
    const std::string name = line.substr(0, line.find_first_of(" #", 2));
    if (line[0] != ' ') {
      suite = name;
      continue;
    }
    const std::string test = suite + name.substr(2);
    out << "add_test([=[" << test << "]=] \"" << binary << "\" [=[--gtest_filter=" << test
        << "]=])\n";
    if (timeout_s > 0)
      out << "set_tests_properties([=[" << test << "]=] PROPERTIES TIMEOUT " << timeout_s << ")\n";
    ++n;
  }
  return n > 0;
}

// The CTestTestfile.cmake that catch_discover_tests or
// doctest_discover_tests would produce for `binary` (`framework`: "catch2"
// or "doctest"): one add_test per case, given its name as they escape it.
bool WriteFrameworkCtestDir(const std::string& binary, const std::string& dir,
                            const std::string& framework) {
  mkdir(dir.c_str(), 0755);
  const bool catch2 = framework == "catch2";
  std::istringstream list(
      Capture(binary + (catch2 ? " --list-test-names-only" : " --list-test-cases")));
  std::ofstream out(dir + "/CTestTestfile.cmake");
  int n = 0;
  for (std::string name; std::getline(list, name);) {
    if (name.empty() || name.rfind("[doctest]", 0) == 0 || name.rfind("=====", 0) == 0) continue;
    std::string arg = catch2 ? "" : "--test-case=";
    for (char ch : name) {
      if (ch == ',' || (catch2 && (ch == '[' || ch == ']'))) arg += '\\';
      arg += ch;
    }
    out << "add_test([=[" << name << "]=] \"" << binary << "\" [=[" << arg << "]=])\n";
    ++n;
  }
  return n > 0;
}

struct Workload {
  std::string name;
  std::string description;
  std::string linked, plain;
  std::vector<int> workers;
  // Sum of test durations and the longest, in seconds (0: trivial tests).
  double total_s = 0, longest_s = 0;
  double timeout_s = 0;  // per test, for the crashy suite
  bool serial_and_shards = true;
  bool with_ctest = true;
  int reps = 0;  // 0: the run's default
  // ctest starts a process per test: on trivial suites one run says it all
  // (10,000 tests take minutes), so it is run once there.
  bool ctest_once = false;
  // A workload of whole binaries: these binaries, each copied `copies`
  // times into the ctest folder, each copy one ctest test (linked and plain
  // unused).
  std::vector<std::pair<std::string, int>> whole = {};
  std::vector<std::string> copies = {};  // filled by WriteWholeCtestDir
  // "catch2" or "doctest": `plain` is that framework's binary, and its ctest
  // folder is what that framework's discovery would write ("": GoogleTest).
  std::string framework = {};
};

// The CTestTestfile.cmake of a folder of whole binaries: each of `w.whole`
// copied into `dir` (a distinct file, as distinct binaries are), each copy
// registered as one test running it with no arguments.
bool WriteWholeCtestDir(const std::string& dir, Workload* w) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  std::ofstream out(dir + "/CTestTestfile.cmake");
  w->copies.clear();
  for (const auto& [binary, copies] : w->whole) {
    for (int k = 0; k < copies; ++k) {
      const std::string name = fs::path(binary).filename().string() + "_" + std::to_string(k);
      const std::string copy = dir + "/" + name;
      fs::copy_file(binary, copy, fs::copy_options::overwrite_existing, ec);
      if (ec) return false;
      out << "add_test([=[" << name << "]=] \"" << copy << "\")\n";
      w->copies.push_back(copy);
    }
  }
  return !w->copies.empty();
}

struct Cell {
  std::string tool;
  int workers;
  std::vector<Sample> samples;
  double Median() const {
    std::vector<double> w;
    for (const Sample& s : samples) w.push_back(s.wall_s);
    std::sort(w.begin(), w.end());
    return w.empty() ? 0 : w[w.size() / 2];
  }
  long Rss() const {
    long m = 0;
    for (const Sample& s : samples) m = std::max(m, s.max_rss_kb);
    return m;
  }
};

std::string Fixed(double v, int digits) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

struct Options {
  bool quick = false;
  int reps = 3;
  std::string out_dir = "bench-results";
  std::string bin_dir;            // empty: the folder of this executable
  std::vector<std::string> only;  // --only=NAME,...: these workloads (empty: all)
  std::string baseline_dir;       // --baseline=BUILD_DIR
  bool no_ctest = false;          // --no-ctest: leave ctest and mprun ctest out
};

// False on an unknown flag (the caller prints the usage).
bool ParseArgs(int argc, char** argv, Options* opts) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--quick") {
      opts->quick = true;
      opts->reps = 1;
    } else if (a.rfind("--reps=", 0) == 0) {
      opts->reps = std::atoi(a.c_str() + 7);
    } else if (a.rfind("--out=", 0) == 0) {
      opts->out_dir = a.substr(6);
    } else if (a.rfind("--bin-dir=", 0) == 0) {
      opts->bin_dir = a.substr(10);
    } else if (a == "--no-ctest") {
      opts->no_ctest = true;
    } else if (a.rfind("--baseline=", 0) == 0) {
      opts->baseline_dir = a.substr(11);
    } else if (a.rfind("--only=", 0) == 0) {
      std::stringstream names(a.substr(7));
      for (std::string n; std::getline(names, n, ',');) opts->only.push_back(n);
    } else {
      return false;
    }
  }
  return true;
}

std::string SelfDir() {
  char self[4096];
  const ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  self[n > 0 ? n : 0] = '\0';
  return std::string(self).substr(0, std::string(self).rfind('/'));
}

// The sum of `n` test durations given in ms by `ms`, and the longest, in s.
template <typename MsOf>
std::pair<double, double> TotalAndLongestS(uint32_t n, MsOf ms) {
  double total = 0, longest = 0;
  for (uint32_t i = 0; i < n; ++i) {
    total += ms(i) / 1e3;
    longest = std::max(longest, ms(i) / 1e3);
  }
  return {total, longest};
}

// The worker counts {2} and, on a larger machine, every usable core.
std::vector<int> TwoAndCores(int cores) {
  std::vector<int> w = {2};
  if (cores > 2) w.push_back(cores);
  return w;
}

// The workloads of tools/bench/workload.h with the worker counts each is timed
// at; --quick leaves out the two slowest. MPRUN_BENCH_SCALE must be set first:
// the lower bounds read it.
std::vector<Workload> Workloads(const std::string& bin_dir, bool quick, int cores) {
  auto bin = [&](const std::string& n) { return bin_dir + "/" + n; };
  std::vector<int> base = {1, 2};
  if (cores > 2) base.push_back(cores);
  std::vector<Workload> loads;
  loads.push_back({"trivial_1k", "1,000 trivial tests", bin("trivial_1000_linked"),
                   bin("trivial_1000_plain"), base});
  loads.back().ctest_once = true;
  if (!quick) {
    Workload w{"trivial_10k", "10,000 trivial tests", bin("trivial_10000_linked"),
               bin("trivial_10000_plain"), TwoAndCores(cores)};
    w.reps = 5;
    w.ctest_once = true;
    loads.push_back(w);
  }
  {
    auto [total, longest] = TotalAndLongestS(bench::kCpuTests, bench::CpuMs);
    loads.push_back({"cpu", "300 CPU-bound tests, heavy-tailed", bin("cpu_linked"),
                     bin("cpu_plain"), base, total, longest});
  }
  {
    auto [total, longest] = TotalAndLongestS(bench::kSleepTests, bench::SleepMs);
    std::vector<int> w = {2, 8 * cores};
    if (cores > 2) w.insert(w.begin() + 1, cores);
    loads.push_back({"sleep", "400 sleeping (IO-like) tests", bin("sleep_linked"),
                     bin("sleep_plain"), w, total, longest});
  }
  {
    auto [total, longest] = TotalAndLongestS(bench::kClusterTests, bench::ClusterMs);
    // The mprun driver and linked rows are first runs (no history): this
    // is what a fresh CI machine sees.
    loads.push_back({"cluster", "first run, no history, long tests together", bin("cluster_linked"),
                     bin("cluster_plain"), TwoAndCores(cores), total, longest});
  }
  Workload f{"fixture", "20 suites x 10 tests, 50 ms SetUpTestSuite", bin("fixture_linked"),
             bin("fixture_plain"), TwoAndCores(cores)};
  f.total_s = bench::kFixtureSuites * bench::FixtureSetUpMs() / 1e3;
  f.longest_s = bench::FixtureSetUpMs() / 1e3;
  loads.push_back(f);
  {
    // Several whole binaries, one long: ctest runs the long one whole.
    Workload w{"whole_long", "4 whole binaries, one long (10 x 200 ms)", "", "", {2}};
    w.whole = {{bin_dir + "/whole_long_plain", 1},
               {bin_dir + "/whole_short_plain", static_cast<int>(bench::kWholeShortCopies)}};
    w.total_s = (bench::kWholeLongTests * bench::WholeLongMs() +
                 bench::kWholeShortCopies * bench::kWholeShortTests * bench::WholeShortMs()) /
                1e3;
    w.longest_s = bench::WholeLongMs() / 1e3;
    loads.push_back(w);
    Workload t{"tiny_binaries", "20 whole binaries of 20 trivial tests", "", "", {2}};
    t.whole = {{bin_dir + "/trivial_20_plain", static_cast<int>(bench::kTinyBinaries)}};
    loads.push_back(t);
  }
  for (const char* framework : {"catch2", "doctest"}) {
    Workload fw{
        std::string(framework) + "_420",
        std::string("420 trivial ") + (framework[0] == 'c' ? "Catch2 v2" : "doctest") + " cases",
        "", bin(std::string(framework) + "_420"), TwoAndCores(cores)};
    fw.framework = framework;
    loads.push_back(fw);
  }
  if (!quick) {
    Workload c{"crashy", "500 tests, 15 segfault, 5 hang (1 s timeout)", bin("crashy_linked"),
               bin("crashy_plain"), TwoAndCores(cores)};
    c.timeout_s = 1;
    c.serial_and_shards = false;  // a crash ends the process; a hang never ends
    c.reps = 2;
    loads.push_back(c);
  }
  return loads;
}

// What every workload's runs share.
struct Setup {
  std::string out_dir;
  std::string mprun_cli;
  int reps;
  std::string baseline_dir;  // --baseline: another build folder of mprun ("" for none)
};

std::string CtestDir(const Setup& setup, const Workload& w) {
  return setup.out_dir + "/ctest-" + w.name;
}

// A tool's name says what it is: "mprun driver +history (baseline)".
bool Is(const std::string& tool, const char* part) { return tool.find(part) != std::string::npos; }

// Each mprun tool with history has its own file (and listings beside it).
std::string HistoryPath(const Setup& setup, const Workload& w, const Cell& c) {
  std::string slug;
  for (const char ch : c.tool) slug += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
  return setup.out_dir + "/history-" + w.name + "-" + std::to_string(c.workers) + "-" + slug +
         "/history.json";
}

// The tools timed on `w`, in the order they alternate within a repetition.
// With a baseline build, each mprun driver and linked tool is timed with
// it too, beside it.
std::vector<Cell> CellsFor(const Workload& w, bool ctest_ok, bool baseline) {
  std::vector<Cell> cells;
  auto mprun = [&](const std::string& tool, int W) {
    cells.push_back({tool, W, {}});
    if (baseline && !Is(tool, "ctest")) cells.push_back({tool + " (baseline)", W, {}});
  };
  // Whole binaries, or another framework's: no linked mode, no sharding.
  if (!w.whole.empty() || !w.framework.empty()) {
    cells.push_back({w.framework.empty() ? "gtest serial" : w.framework + " serial", 1, {}});
    for (int W : w.workers) {
      if (ctest_ok) cells.push_back({"ctest -j", W, {}});
      if (ctest_ok) cells.push_back({"mprun ctest", W, {}});
      if (ctest_ok) cells.push_back({"mprun ctest +history", W, {}});
      mprun("mprun driver", W);
      mprun("mprun driver +history", W);
    }
    return cells;
  }
  if (w.serial_and_shards) cells.push_back({"gtest serial", 1, {}});
  for (int W : w.workers) {
    if (w.serial_and_shards) cells.push_back({"gtest sharding", W, {}});
    if (ctest_ok) cells.push_back({"ctest -j", W, {}});
    if (ctest_ok) cells.push_back({"mprun ctest", W, {}});
    if (ctest_ok) cells.push_back({"mprun ctest +history", W, {}});
    mprun("mprun driver", W);
    mprun("mprun driver +history", W);
    mprun("mprun linked", W);
    mprun("mprun linked +history", W);
  }
  return cells;
}

// The processes that one sample of `c` runs at once.
std::vector<Job> JobsFor(const Setup& setup, const Workload& w, const Cell& c) {
  const std::string workers = std::to_string(c.workers);
  if (c.tool == "gtest serial" && !w.copies.empty()) {
    std::vector<Job> jobs;  // run in turn (Measure)
    for (const std::string& b : w.copies) jobs.push_back({{b}, {}});
    return jobs;
  }
  if (c.tool == "gtest serial" || c.tool == w.framework + " serial") return {{{w.plain}, {}}};
  if (c.tool == "gtest sharding") {
    std::vector<Job> jobs;
    for (int i = 0; i < c.workers; ++i) {
      jobs.push_back(
          {{w.plain}, {"GTEST_TOTAL_SHARDS=" + workers, "GTEST_SHARD_INDEX=" + std::to_string(i)}});
    }
    return jobs;
  }
  if (c.tool == "ctest -j") {
    return {{{"/usr/bin/ctest", "--test-dir", CtestDir(setup, w), "-j", workers, "-Q"}, {}}};
  }
  const std::string history =
      Is(c.tool, "+history") ? "--history=" + HistoryPath(setup, w, c) : "--no-history";
  // The ctest front-end over the same folder: what replacing `ctest -jW`
  // with `mprun ctest -jW` gives (a first run, or with the history and
  // listings of an earlier run).
  if (Is(c.tool, "mprun ctest")) {
    return {
        {{setup.mprun_cli, "ctest", "--test-dir", CtestDir(setup, w), "-j", workers, "-q", history},
         {}}};
  }
  // mprun: the driver runs the plain binary through the mprun command; the
  // linked binary runs itself; each as a first run, or having seen the
  // suite before ("+history": a warm-up run seeds its history file). The
  // baseline's own mprun and linked binaries stand in for it.
  const bool driver = Is(c.tool, "driver");
  const bool baseline = Is(c.tool, "(baseline)");
  const std::string linked =
      baseline ? setup.baseline_dir + "/tools/bench/" + w.linked.substr(w.linked.rfind('/') + 1)
               : w.linked;
  const std::string cli = baseline ? setup.baseline_dir + "/mprun" : setup.mprun_cli;
  std::vector<std::string> a = {driver ? cli : linked, "--processes=" + workers, "-q", history};
  if (w.timeout_s > 0) a.push_back("--process-timeout=" + Fixed(w.timeout_s, 1));
  if (driver && w.copies.empty()) a.push_back(w.plain);
  if (driver) a.insert(a.end(), w.copies.begin(), w.copies.end());
  return {{a, {}}};
}

// Times every cell `reps` times, in alternation, so drift hits every tool alike.
void Measure(const Setup& setup, const Workload& w, std::vector<Cell>* cells) {
  const int r_count = w.reps > 0 ? std::min(w.reps, setup.reps) : setup.reps;
  for (int r = 0; r < r_count; ++r) {
    for (Cell& c : *cells) {
      if (c.tool == "ctest -j" && w.ctest_once && r > 0) continue;
      const std::vector<Job> jobs = JobsFor(setup, w, c);
      if (Is(c.tool, "+history") && r == 0) {
        std::filesystem::remove_all(std::filesystem::path(HistoryPath(setup, w, c)).parent_path());
        RunAll(jobs);
      }
      const bool in_turn = c.tool == "gtest serial" && !w.copies.empty();
      c.samples.push_back(in_turn ? RunInTurn(jobs) : RunAll(jobs));
      std::fprintf(stderr, "   %-32s W=%-3d %.3f s\n", c.tool.c_str(), c.workers,
                   c.samples.back().wall_s);
    }
  }
}

const char kTableHead[] =
    "| workload | W | tool | median s | × serial | lower bound s | × lower bound | peak RSS MB "
    "|\n"
    "|---|---|---|---|---|---|---|---|\n";

// One table row per cell: medians as ratios to serial and to the lower bound
// max(total/W, longest), "–" where there is none.
std::string MarkdownRows(const Workload& w, const std::vector<Cell>& cells) {
  double serial = 0;
  for (const Cell& c : cells) {
    if (c.tool.size() > 7 && c.tool.compare(c.tool.size() - 7, 7, " serial") == 0) {
      serial = c.Median();
    }
  }
  std::string md;
  for (const Cell& c : cells) {
    const double lb = std::max(w.total_s / c.workers, w.longest_s);
    const double m = c.Median();
    md += "| " + w.description + " | " + std::to_string(c.workers) + " | " + c.tool + " | " +
          Fixed(m, 3) + " | " + (serial > 0 ? Fixed(m / serial, 2) : "–") + " | " +
          (lb > 0 ? Fixed(lb, 3) : "–") + " | " + (lb > 0 ? Fixed(m / lb, 2) : "–") + " | " +
          Fixed(c.Rss() / 1024.0, 1) + " |\n";
  }
  return md;
}

// The workload's entry of results.json's "workloads" array, every sample in it.
std::string WorkloadJson(const Workload& w, const std::vector<Cell>& cells) {
  std::string json = "\n {\"name\": \"" + w.name + "\", \"total_s\": " + Fixed(w.total_s, 4) +
                     ", \"longest_s\": " + Fixed(w.longest_s, 4) + ", \"cells\": [";
  for (size_t ci = 0; ci < cells.size(); ++ci) {
    const Cell& c = cells[ci];
    json += std::string(ci ? "," : "") + "\n  {\"tool\": \"" + c.tool +
            "\", \"workers\": " + std::to_string(c.workers) + ", \"wall_s\": [";
    for (size_t s = 0; s < c.samples.size(); ++s) {
      json += (s ? ", " : "") + Fixed(c.samples[s].wall_s, 4);
    }
    json += "], \"max_rss_kb\": " + std::to_string(c.Rss()) + "}";
  }
  return json + "]}";
}

}  // namespace

int main(int argc, char** argv) {
  Options opts;
  if (!ParseArgs(argc, argv, &opts)) {
    std::fprintf(stderr,
                 "usage: compare [--quick] [--reps=N] [--out=DIR] [--bin-dir=DIR] "
                 "[--only=WORKLOAD,...] [--baseline=BUILD_DIR] [--no-ctest]\n");
    return 2;
  }
  if (opts.bin_dir.empty()) opts.bin_dir = SelfDir();
  mkdir(opts.out_dir.c_str(), 0755);
  // The mprun CLI built beside the workloads, or MPRUN_CLI for a copied set.
  const char* cli_env = std::getenv("MPRUN_CLI");
  const Setup setup{opts.out_dir, cli_env && *cli_env ? cli_env : MPRUN_CLI, opts.reps,
                    opts.baseline_dir};
  // Shorter tests for the quick set; the runner's lower bounds use the same scale.
  const std::string scale = opts.quick ? "0.25" : "1";
  setenv("MPRUN_BENCH_SCALE", scale.c_str(), 1);
  const int cores = mprun::runner::UsableCores();
  const std::vector<Workload> loads = Workloads(opts.bin_dir, opts.quick, cores);

  std::string md = kTableHead;
  std::string json =
      "{\"cores\": " + std::to_string(cores) + ", \"scale\": " + scale + ", \"workloads\": [";
  for (size_t li = 0; li < loads.size(); ++li) {
    Workload w = loads[li];
    if (!opts.only.empty() &&
        std::find(opts.only.begin(), opts.only.end(), w.name) == opts.only.end()) {
      continue;
    }
    std::fprintf(stderr, "== %s\n", w.description.c_str());
    // A machine without ctest (a bare benchmark host) measures the rest; the
    // binaries of a whole-binary workload are copied into its ctest folder
    // either way (the driver runs those copies).
    const bool written = !w.framework.empty()
                             ? WriteFrameworkCtestDir(w.plain, CtestDir(setup, w), w.framework)
                         : w.whole.empty() ? WriteCtestDir(w.plain, CtestDir(setup, w), w.timeout_s)
                                           : WriteWholeCtestDir(CtestDir(setup, w), &w);
    const bool ctest_ok =
        w.with_ctest && !opts.no_ctest && access("/usr/bin/ctest", X_OK) == 0 && written;
    if (!w.whole.empty() && !written) {
      std::fprintf(stderr, "   (left out: its binaries could not be copied to %s)\n",
                   CtestDir(setup, w).c_str());
      continue;
    }
    std::vector<Cell> cells = CellsFor(w, ctest_ok, !setup.baseline_dir.empty());
    Measure(setup, w, &cells);
    md += MarkdownRows(w, cells);
    json += std::string(json.back() == '[' ? "" : ",") + WorkloadJson(w, cells);
  }
  json += "\n]}\n";
  std::ofstream(opts.out_dir + "/results.md") << md;
  std::ofstream(opts.out_dir + "/results.json") << json;
  std::printf("%s", md.c_str());
  std::printf("\n(%d usable cores; raw samples in %s/results.json)\n", cores, opts.out_dir.c_str());
  return 0;
}
