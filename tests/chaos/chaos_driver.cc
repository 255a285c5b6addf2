// The chaos driver: runs the chaos suite again and again, in
// linked and driver mode with random worker counts and seeds, while it
// SIGKILLs random workers from outside, and checks after each run:
//   - the report is complete and lists every test exactly once, with an
//     outcome its fault allows, or `crashed` by SIGKILL for the one test an
//     outside kill hit (at most one per kill; a third of the runs have none);
//   - each test began once (linked mode: never twice; driver mode: more
//     than once only after mprun lost sight of a binary, counted apart);
//   - the exit status is the one the outcomes call for;
//   - no process of the run is alive, and no file of it is left in its
//     temporary directory or in /dev/shm.
//   chaos [--runs=N] [--seed=S] [--tests=N] [--max-workers=N] [--kills=N] [-v]
// Prints the counts at the end; exit status 1 on any mismatch.
#include <dirent.h>
#include <rapidjson/document.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/chaos/chaos_plan.h"

namespace {

using mprun::chaos::Fault;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::set<std::string> ListDir(const std::string& dir) {
  std::set<std::string> out;
  if (DIR* d = opendir(dir.c_str())) {
    while (const dirent* e = readdir(d)) {
      if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) {
        out.insert(e->d_name);
      }
    }
    closedir(d);
  }
  return out;
}

// Fields of /proc/PID/stat after the command: state, ppid.
bool StatOf(pid_t pid, char* state, pid_t* ppid) {
  const std::string stat = ReadFile("/proc/" + std::to_string(pid) + "/stat");
  const size_t close = stat.rfind(')');
  if (close == std::string::npos) return false;
  std::istringstream rest(stat.substr(close + 1));
  long pp = 0;
  rest >> *state >> pp;
  *ppid = static_cast<pid_t>(pp);
  return true;
}

// Live (not zombie) processes whose environment holds CHAOS_TOKEN=token.
std::vector<pid_t> ProcessesOfRun(const std::string& token) {
  std::vector<pid_t> out;
  const std::string needle = "CHAOS_TOKEN=" + token;
  for (const std::string& name : ListDir("/proc")) {
    const pid_t pid = static_cast<pid_t>(std::atoi(name.c_str()));
    if (pid <= 0 || pid == getpid()) continue;
    const std::string env = ReadFile("/proc/" + name + "/environ");
    bool found = false;
    for (size_t at = 0; at < env.size() && !found;) {
      const size_t end = env.find('\0', at);
      found = env.compare(at, (end == std::string::npos ? env.size() : end) - at, needle) == 0;
      at = end == std::string::npos ? env.size() : end + 1;
    }
    char state = 0;
    pid_t ppid = 0;
    if (found && StatOf(pid, &state, &ppid) && state != 'Z') out.push_back(pid);
  }
  return out;
}

// The run's workers: children of mprun, but not its listers (driver mode's
// `--gtest_list_tests` runs: killing one is a listing that failed, exit 2).
std::vector<pid_t> WorkersOf(pid_t parent) {
  std::vector<pid_t> out;
  for (const std::string& name : ListDir("/proc")) {
    const pid_t pid = static_cast<pid_t>(std::atoi(name.c_str()));
    char state = 0;
    pid_t ppid = 0;
    if (pid > 0 && StatOf(pid, &state, &ppid) && ppid == parent && state != 'Z' &&
        ReadFile("/proc/" + name + "/cmdline").find("--gtest_list_tests") == std::string::npos) {
      out.push_back(pid);
    }
  }
  return out;
}

void SleepMs(int ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1'000'000L};
  nanosleep(&ts, nullptr);
}

// A line of the suite's `ran` file: test `index` began in process `pid`,
// run by the mprun worker `worker`.
struct Began {
  int index = 0;
  pid_t pid = 0, worker = 0;
};

// Exact blame for the outside kills: each test reported crashed by SIGKILL
// (which its own fault does not do) must be what one kill hit, at most one
// test per kill: the test the killed worker was last inside (driver mode:
// one of its binary's last launch, whose lines the worker may not all have
// read), or one that never began (killed as it started). Returns the
// mismatches.
std::vector<std::string> JudgeOutsideKills(const std::vector<int>& killed_tests,
                                           const std::vector<pid_t>& victims,
                                           const std::vector<Began>& entries, bool driver) {
  std::set<int> ever_began;
  for (const Began& b : entries) ever_began.insert(b.index);
  std::vector<std::set<int>> hit(victims.size());
  for (size_t k = 0; k < victims.size(); ++k) {
    pid_t last = 0;
    for (const Began& b : entries) {
      if (b.worker == victims[k]) last = b.pid;
    }
    for (const Began& b : entries) {
      if (b.worker != victims[k] || b.pid != last) continue;
      if (!driver) hit[k].clear();  // linked: only the last test it began
      hit[k].insert(b.index);
    }
  }
  std::vector<bool> used(victims.size(), false);
  std::vector<std::string> bad;
  std::vector<int> unmatched;
  for (int t : killed_tests) {  // first the tests a kill surely hit
    size_t k = 0;
    while (k < victims.size() && (used[k] || !hit[k].count(t))) ++k;
    if (k < victims.size()) {
      used[k] = true;
    } else {
      unmatched.push_back(t);
    }
  }
  for (int t : unmatched) {
    size_t k = 0;
    while (k < victims.size() && used[k]) ++k;
    if (!ever_began.count(t) && k < victims.size()) {
      used[k] = true;
      continue;
    }
    bad.push_back("Suite/Chaos.Test/" + std::to_string(t) +
                  " is crashed by SIGKILL, but no outside kill hit it (" +
                  std::to_string(victims.size()) + " kills)");
  }
  return bad;
}

struct Totals {
  int runs = 0, tests = 0, faults = 0, outside_kills = 0, survived = 0, mismatches = 0,
      bad_runs = 0, driver_reruns = 0, strays_killed_runs = 0;
};

struct Config {
  int runs = 20;
  uint32_t seed = 1;
  int tests = 60;
  int max_workers = 6;
  int max_kills = 2;
  bool verbose = false;
  std::string linked = CHAOS_LINKED, plain = CHAOS_PLAIN, mprun = CHAOS_MPRUN;
};

// One run; returns its mismatches (each printed).
int OneRun(const Config& cfg, int run, std::mt19937& rng, Totals* totals) {
  const bool driver = rng() % 2 == 1;
  const int workers = 1 + static_cast<int>(rng() % static_cast<uint32_t>(cfg.max_workers));
  const uint32_t seed = cfg.seed * 100003u + static_cast<uint32_t>(run);
  char tmpl[] = "/tmp/mprun-chaos-XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  const std::string tmp = dir + "/tmp";
  mkdir(tmp.c_str(), 0700);
  const std::string token = "c" + std::to_string(getpid()) + "r" + std::to_string(run);
  const std::set<std::string> shm_before = ListDir("/dev/shm");
  std::vector<std::string> argv;
  const std::vector<std::string> flags = {"--processes=" + std::to_string(workers),
                                          "--process-timeout=1", "--no-history", "--progress=none",
                                          "--json=" + dir + "/r.json"};
  if (driver) {
    argv = {cfg.mprun};
    argv.insert(argv.end(), flags.begin(), flags.end());
    argv.push_back(cfg.plain);
  } else {
    argv = {cfg.linked};
    argv.insert(argv.end(), flags.begin(), flags.end());
  }
  const pid_t pid = fork();
  if (pid == 0) {
    const std::string out = dir + "/out";
    freopen(out.c_str(), "w", stdout);
    freopen((dir + "/err").c_str(), "w", stderr);
    setenv("CHAOS_SEED", std::to_string(seed).c_str(), 1);
    setenv("CHAOS_TESTS", std::to_string(cfg.tests).c_str(), 1);
    setenv("CHAOS_DIR", dir.c_str(), 1);
    setenv("CHAOS_TOKEN", token.c_str(), 1);
    setenv("TMPDIR", tmp.c_str(), 1);
    if (driver) setenv("CHAOS_DRIVER", "1", 1);
    unsetenv("MPRUN_PROCESSES");
    // In the sanitizer build a segfaulting test's report is symbolised,
    // which under load took longer than the 1 s limit; the report's
    // addresses are enough here (ignored by other builds).
    const char* asan = std::getenv("ASAN_OPTIONS");
    const std::string before = asan != nullptr && *asan != '\0' ? std::string(asan) + ":" : "";
    setenv("ASAN_OPTIONS", (before + "symbolize=0").c_str(), 1);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  // The outside killer: now and then a random worker of the run (none in
  // every third run, which must then come out exact with no excuse).
  const int max_kills = run % 3 == 2 ? 0 : cfg.max_kills;
  std::vector<pid_t> victims;
  int kills = 0;
  int status = 0;
  for (;;) {
    const pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    SleepMs(20 + static_cast<int>(rng() % 200));
    // Driver mode lists its binaries first, in children that are not
    // workers; the report appears once the run proper has begun.
    const bool running = !driver || access((dir + "/r.json").c_str(), F_OK) == 0;
    if (running && kills < max_kills && rng() % 4 == 0) {
      const std::vector<pid_t> ws = WorkersOf(pid);
      if (!ws.empty()) {
        victims.push_back(ws[rng() % ws.size()]);
        kill(victims.back(), SIGKILL);
        ++kills;
      }
    }
  }
  int bad = 0;
  auto mismatch = [&](const std::string& what) {
    ++bad;
    std::fprintf(stderr, "chaos: run %d (%s, %d workers, seed %u): %s\n", run,
                 driver ? "driver" : "linked", workers, seed, what.c_str());
  };
  // Expected outcomes and exit status.
  std::map<std::string, Fault> faults;
  int fault_count = 0;
  bool any_failure_expected = kills > 0;
  bool blind = false;  // driver mode lost sight of a binary (close-output)
  for (int i = 0; i < cfg.tests; ++i) {
    const Fault f = mprun::chaos::FaultOf(seed, static_cast<uint32_t>(i));
    faults["Suite/Chaos.Test/" + std::to_string(i)] = f;
    fault_count += f != Fault::kPass;
    const std::set<std::string> ok = mprun::chaos::Expected(f, driver);
    any_failure_expected |= ok.count("passed") == 0 && ok.count("skipped") == 0;
    blind |= driver && f == Fault::kCloseOutput;
  }
  if (!WIFEXITED(status)) {
    mismatch("mprun ended by signal " + std::to_string(WTERMSIG(status)));
  } else if (WEXITSTATUS(status) != (any_failure_expected ? 1 : 0)) {
    mismatch("exit status " + std::to_string(WEXITSTATUS(status)) + ", expected " +
             (any_failure_expected ? "1" : "0") + "; stderr: " + ReadFile(dir + "/err"));
  }
  // The report.
  rapidjson::Document doc;
  const std::string report = ReadFile(dir + "/r.json");
  doc.Parse(report.c_str());
  std::map<std::string, std::string> outcome_of;
  std::vector<int> killed_tests;  // crashed by SIGKILL, which their fault does not do
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("tests")) {
    mismatch("no readable report");
  } else {
    if (!doc["complete"].GetBool()) mismatch("report not complete");
    for (const auto& t : doc["tests"].GetArray()) {
      const std::string name = t["name"].GetString();
      if (outcome_of.count(name)) mismatch(name + " reported twice");
      outcome_of[name] = t["outcome"].GetString();
      const auto it = faults.find(name);
      if (it == faults.end()) {
        mismatch("unknown test " + name);
        continue;
      }
      const std::set<std::string> ok = mprun::chaos::Expected(it->second, driver);
      if (ok.count(outcome_of[name])) continue;
      if (outcome_of[name] == "crashed" && std::string(t["signal"].GetString()) == "SIGKILL") {
        killed_tests.push_back(std::atoi(name.substr(name.rfind('/') + 1).c_str()));
        continue;  // judged below, against the kills
      }
      mismatch(name + " (" + mprun::chaos::FaultName(it->second) + ") is " + outcome_of[name] +
               ": " + t["message"].GetString());
    }
    if (outcome_of.size() != faults.size()) {
      mismatch(std::to_string(outcome_of.size()) + " tests reported of " +
               std::to_string(faults.size()));
    }
  }
  // How often each test began, and in which worker.
  std::vector<Began> entries;
  std::istringstream ran(ReadFile(dir + "/ran"));
  for (Began b; ran >> b.index >> b.pid >> b.worker;) entries.push_back(b);
  std::map<int, int> began;
  for (const Began& b : entries) ++began[b.index];
  for (const std::string& why : JudgeOutsideKills(killed_tests, victims, entries, driver)) {
    mismatch(why);
  }
  const std::set<pid_t> victim_set(victims.begin(), victims.end());
  for (int i = 0; i < cfg.tests; ++i) {
    const std::string name = "Suite/Chaos.Test/" + std::to_string(i);
    const std::string& o = outcome_of[name];
    if (began[i] > 1) {
      // Driver mode runs a test again when mprun could not see that its
      // binary began it: the binary had closed its output, or its worker
      // was killed from outside while the test ran there.
      bool in_victim = false;
      for (const Began& b : entries) in_victim |= b.index == i && victim_set.count(b.worker) > 0;
      if (driver && (blind || in_victim)) {
        ++totals->driver_reruns;
      } else {
        mismatch(name + " began " + std::to_string(began[i]) + " times");
      }
    }
    if (began[i] == 0 && (o == "passed" || o == "failed" || o == "skipped" || o == "timed_out")) {
      mismatch(name + " is " + o + " but never began");
    }
  }
  // Nothing of the run is left.
  std::vector<pid_t> alive;
  for (int i = 0; i < 300; ++i) {
    alive = ProcessesOfRun(token);
    if (alive.empty()) break;
    SleepMs(10);
  }
  if (!alive.empty()) {
    mismatch(std::to_string(alive.size()) + " process(es) of the run still alive");
    for (pid_t p : alive) kill(p, SIGKILL);
  }
  if (!ListDir(tmp).empty()) mismatch("files left in its TMPDIR: " + *ListDir(tmp).begin());
  for (const std::string& name : ListDir("/dev/shm")) {
    if (!shm_before.count(name) && name.find("mprun") != std::string::npos) {
      mismatch("/dev/shm/" + name + " left");
    }
  }
  if (report.find("left running outside their worker") != std::string::npos) {
    ++totals->strays_killed_runs;
  }
  if (cfg.verbose) {
    std::printf("run %d: %s, %d workers, seed %u: %d faults, %d outside kills, %d mismatches\n",
                run, driver ? "driver" : "linked", workers, seed, fault_count, kills, bad);
  }
  ++totals->runs;
  totals->tests += cfg.tests;
  totals->faults += fault_count + kills;
  totals->outside_kills += kills;
  if (bad == 0) totals->survived += fault_count + kills;
  totals->mismatches += bad;
  totals->bad_runs += bad > 0;
  if (bad == 0) {
    const std::string rm = dir;
    for (const char* f : {"/r.json", "/ran", "/out", "/err"}) unlink((rm + f).c_str());
    rmdir(tmp.c_str());
    rmdir(rm.c_str());
  } else {
    std::fprintf(stderr, "chaos: run %d kept in %s\n", run, dir.c_str());
  }
  return bad;
}

}  // namespace

int main(int argc, char** argv) {
  Config cfg;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](const char* flag) -> const char* {
      const size_t n = std::strlen(flag);
      return a.compare(0, n, flag) == 0 ? a.c_str() + n : nullptr;
    };
    if (const char* v = value("--runs=")) {
      cfg.runs = std::atoi(v);
    } else if (const char* v2 = value("--seed=")) {
      cfg.seed = static_cast<uint32_t>(std::strtoul(v2, nullptr, 10));
    } else if (const char* v3 = value("--tests=")) {
      cfg.tests = std::atoi(v3);
    } else if (const char* v4 = value("--max-workers=")) {
      cfg.max_workers = std::max(1, std::atoi(v4));
    } else if (const char* v5 = value("--kills=")) {
      cfg.max_kills = std::atoi(v5);
    } else if (a == "-v") {
      cfg.verbose = true;
    } else {
      std::fprintf(stderr,
                   "usage: chaos [--runs=N] [--seed=S] [--tests=N] [--max-workers=N] "
                   "[--kills=N] [-v]\n");
      return 2;
    }
  }
  if (cfg.runs < 1 || cfg.tests < 1 || cfg.tests > 10000 || cfg.max_kills < 0) {
    std::fprintf(stderr, "chaos: --runs and --tests (up to 10000) must be positive\n");
    return 2;
  }
  std::mt19937 rng(cfg.seed);
  Totals t;
  for (int run = 0; run < cfg.runs; ++run) OneRun(cfg, run, rng, &t);
  std::printf(
      "chaos: %d runs, %d tests, %d faults injected (%d outside kills), %d faults survived, "
      "%d mismatches in %d runs; driver-mode tests begun again after a lost binary: %d; runs "
      "whose daemons mprun killed: %d\n",
      t.runs, t.tests, t.faults, t.outside_kills, t.survived, t.mismatches, t.bad_runs,
      t.driver_reruns, t.strays_killed_runs);
  return t.mismatches == 0 ? 0 : 1;
}
