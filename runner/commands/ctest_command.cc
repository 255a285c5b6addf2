#include "runner/commands/ctest_command.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <functional>
#include <map>
#include <numeric>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "core/file_io.h"
#include "core/input/ctest_listing.h"
#include "core/input/ctest_presets.h"
#include "core/input/ctest_resources.h"
#include "core/input/options.h"
#include "core/report/ctest_dashboard.h"
#include "core/version.h"
#include "runner/framework/test_framework.h"
#include "runner/listing/binary_listing.h"
#include "runner/listing/ctest_listing_cache.h"
#include "runner/listing/listing_cache.h"
#include "runner/process/cpus.h"
#include "runner/process/spawner.h"
#include "runner/run/engine.h"
#include "runner/run/run_setup.h"
#include "runner/run/timings.h"
#include "runner/worker/command_executor.h"
#include "runner/worker/driver_executor.h"

namespace mprun::runner {

namespace {

constexpr int kUsage = static_cast<int>(core::ExitStatus::kUsage);
// ctest's own limit for a test without TIMEOUT or --timeout (its
// DART_TESTING_TIMEOUT default).
constexpr double kCtestDefaultTimeoutS = 1500;

void Warn(const std::string& what) {
  std::fprintf(stderr, "mprun ctest: warning: %s\n", what.c_str());
}

// `name` on PATH, as an absolute path (mprun never asks a shell or execvp).
bool FindOnPath(const char* name, std::string* out) {
  const char* path = std::getenv("PATH");
  std::string_view dirs = path ? path : "/usr/bin:/bin";
  while (!dirs.empty()) {
    const size_t colon = dirs.find(':');
    std::string dir(dirs.substr(0, colon));
    dirs = colon == std::string_view::npos ? "" : dirs.substr(colon + 1);
    if (dir.empty()) continue;
    const std::string candidate = dir + "/" + name;
    std::string ignored;
    if (access(candidate.c_str(), X_OK) == 0 && ExecPathOf(candidate, out, &ignored)) return true;
  }
  return false;
}

bool CheckBuildFolder(const std::string& dir, std::string* err) {
  struct stat st;
  if (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    *err = dir + ": not a build folder (no such directory)";
    return false;
  }
  if (access((dir + "/CTestTestfile.cmake").c_str(), R_OK) != 0) {
    *err = dir +
           ": no CTestTestfile.cmake (not a CMake build folder with tests: "
           "enable_testing() and add_test, then build; or --test-dir DIR)";
    return false;
  }
  return true;
}

// ctest's listing of a folder, and where it came from.
struct CtestListing {
  CtestCache::Inputs inputs;
  std::string json;
  bool fresh = false;  // ctest printed it now (else: the cache kept it)
  // Fresh: what it depended on just before ctest ran (CtestCache::Snapshot),
  // or why that cannot be followed.
  std::string snapshot, not_kept;
};

// ctest run in the build folder for `what` (--show-only=json-v1, ...),
// with the configuration, and the selection options when `selected`.
std::vector<std::string> CtestArgv(const std::string& ctest, const char* what,
                                   const core::CtestOptions& c, bool selected) {
  std::vector<std::string> argv = {ctest, what};
  if (!c.config.empty()) argv.insert(argv.end(), {"-C", c.config});
  if (selected) argv.insert(argv.end(), c.selection.begin(), c.selection.end());
  return argv;
}

// ctest's own listing of the folder: as the cache keeps it, or as ctest
// prints it now, within the listing limit.
bool ListCtest(Spawner& spawner, const CtestCache& cache, const std::string& dir,
               const core::CtestOptions& c, CtestListing* listing,
               std::vector<core::CtestTest>* tests, std::string* err) {
  std::string ctest;
  if (!FindOnPath("ctest", &ctest)) {
    *err = "ctest: not found on PATH (mprun ctest asks it for the tests)";
    return false;
  }
  listing->inputs = {dir, c.config, ctest};
  ListingJob job;
  job.shown = "ctest in " + dir;
  if (!cache.Find(listing->inputs, &listing->json)) {
    // False only with why, which then says the listing will not be kept.
    (void)cache.Snapshot(listing->inputs, &listing->snapshot, &listing->not_kept);
    job.argv = CtestArgv(ctest, "--show-only=json-v1", c, false);
    job.dir = dir;  // not --test-dir: every ctest since 3.14 understands this
    std::vector<Listing> out;
    if (!ListAll(spawner, {job}, {"--show-only=json-v1", ""}, c.list_timeout_s, 1, &out, err)) {
      return false;
    }
    listing->json = std::move(out[0].out);
    listing->fresh = true;
  }
  if (!core::ParseCtestJson(listing->json, tests, err)) {
    *err = job.shown + ": --show-only=json-v1: " + *err;
    return false;
  }
  return true;
}

enum class Kind { kOneTest, kWholeBinary, kCommand };

// How a ctest test is run. A test of a framework's binary (GoogleTest,
// Catch2) is batched only when nothing about it needs it run alone: a
// judge of its own (WILL_FAIL, exit codes, regular expressions other than
// gtest_discover_tests' skip), a fixture, a lock or an order.
Kind KindOf(const core::CtestTest& t, const TestFramework* framework, core::ListedTest* test,
            std::vector<std::string>* args) {
  if (framework == nullptr || t.disabled || t.will_fail || t.skip_return_code ||
      !t.pass_regex.empty() || !t.fail_regex.empty() || !t.fixtures_setup.empty() ||
      !t.fixtures_cleanup.empty() || !t.fixtures_required.empty() || !t.resource_locks.empty() ||
      !t.depends.empty() ||
      (!t.skip_regex.empty() &&
       (t.skip_regex.size() > 1 || t.skip_regex[0] != core::kGtestSkipRegex))) {
    return Kind::kCommand;
  }
  const std::vector<std::string> after(t.command.begin() + 1, t.command.end());
  switch (framework->ReadCommand(after, test, args)) {
    case TestFramework::Asks::kOneTest:
      return Kind::kOneTest;
    case TestFramework::Asks::kWholeBinary:
      return Kind::kWholeBinary;
    case TestFramework::Asks::kAsItIs:
      break;
  }
  return Kind::kCommand;
}

// Per binary of the run's table: how its tests are run.
struct BinaryInfo {
  std::string shown;                         // run.binaries
  std::string exec_path;                     // a framework's binaries
  const TestFramework* framework = nullptr;  // null: commands
  bool command = false;                      // its tests are commands (CommandSetup)
  bool kept_together = false;
  bool serial = false;
  std::string dir;
  std::vector<std::string> env, args;
  // The ctest test (listing index) that runs this whole binary, split into
  // its tests; UINT32_MAX: none.
  uint32_t whole_of = UINT32_MAX;
};

// The run's table as it is built: binaries, and per test its ctest test.
struct Table {
  std::vector<BinaryInfo> binaries;
  std::vector<core::TestName> tests;
  std::vector<uint32_t> ctest_of;  // per test: index into the listed tests
};

// A selected ctest test, checked and classified.
struct Classified {
  Kind kind = Kind::kCommand;
  std::string exec_path;
  const TestFramework* framework = nullptr;  // kOneTest, kWholeBinary
  core::ListedTest test;                     // kOneTest: as its binary lists it
  std::vector<std::string> args;             // arguments besides the selection
  std::vector<std::string> env;              // ProgramSpec::env
  // RESOURCE_GROUPS with a spec: run alone in the serial phase, with its
  // CTEST_RESOURCE_GROUP_* variables in `env`, or `refused` (no room).
  bool resources = false;
  std::string refused;
};

// What one program named by ctest tests is: checked once, however many
// tests run it (gtest_discover_tests names one binary per test).
struct ProgramFacts {
  bool ok = false;
  std::string exec_path;                     // ok
  std::string err;                           // !ok
  const TestFramework* framework = nullptr;  // the framework its file shows
};
using ProgramsSeen = std::map<std::string, ProgramFacts>;

const ProgramFacts& FactsOf(const std::string& command, ProgramsSeen* seen) {
  auto [it, fresh] = seen->try_emplace(command);
  if (fresh) {
    ProgramFacts& f = it->second;
    f.ok = ExecPathOf(command, &f.exec_path, &f.err);
    f.framework = f.ok ? FrameworkOfFile(f.exec_path) : nullptr;
  }
  return it->second;
}

bool Classify(const core::CtestTest& t, ProgramsSeen* seen, Classified* c, std::string* err) {
  if (t.disabled) return true;  // never run: its command need not exist
  if (t.command.empty()) {
    *err =
        "ctest test " + t.name +
        ": ctest found no program to run (not built? built for another configuration: -C CONFIG?)";
    return false;
  }
  const ProgramFacts& program = FactsOf(t.command[0], seen);
  if (!program.ok) {
    *err = "ctest test " + t.name + ": its command " + program.err;
    return false;
  }
  c->exec_path = program.exec_path;
  std::vector<std::string> bad;
  c->env = core::CtestEnvironment(
      t, [](const char* n) { return std::getenv(n); }, &bad);
  for (const std::string& b : bad) {
    Warn("test " + t.name + ": ENVIRONMENT_MODIFICATION '" + b +
         "' is not one ctest knows; left out");
  }
  c->kind = KindOf(t, program.framework, &c->test, &c->args);
  if (c->kind != Kind::kCommand) c->framework = program.framework;
  return true;
}

void WarnUnhonoured(const core::CtestTest& t) {
  for (const std::string& p : t.unhonoured) {
    Warn("test " + t.name + ": property " + p + " is not honoured by mprun ctest");
  }
  if (t.processors > 1) {
    Warn("test " + t.name + ": PROCESSORS " + std::to_string(t.processors) +
         ": run in the serial phase, with nothing else running");
  }
}

// The tests ctest names one by one in one binary (gtest_discover_tests'
// `--gtest_filter=Suite.Name`, catch_discover_tests' name; same arguments,
// directory, environment) become one binary of the table, launched in
// batches.
void AddOneTests(const std::vector<core::CtestTest>& listed, const std::vector<uint32_t>& picked,
                 const std::vector<Classified>& how, Table* table) {
  using Key = std::tuple<const std::string&, const std::vector<std::string>&, const std::string&,
                         const std::vector<std::string>&, bool>;
  auto key_of = [&](uint32_t i) {
    const core::CtestTest& t = listed[i];
    return Key(how[i].exec_path, how[i].args, t.working_directory, how[i].env,
               t.run_serial || t.processors > 1);
  };
  std::map<Key, uint32_t> binary_of;           // the keys refer to `listed` and `how`
  std::vector<std::vector<uint32_t>> members;  // per binary, ctest tests in order
  const auto first_binary = static_cast<uint32_t>(table->binaries.size());
  uint32_t last = UINT32_MAX;  // the last test's binary: siblings come in runs
  uint32_t last_test = 0;
  for (uint32_t i : picked) {
    const Classified& c = how[i];
    if (c.kind != Kind::kOneTest) continue;
    if (last == UINT32_MAX || key_of(i) != key_of(last_test)) {
      auto [it, fresh] =
          binary_of.try_emplace(key_of(i), static_cast<uint32_t>(table->binaries.size()));
      if (fresh) {
        const core::CtestTest& t = listed[i];
        BinaryInfo b;
        b.shown = t.command[0];
        b.exec_path = c.exec_path;
        b.framework = c.framework;
        b.serial = t.run_serial || t.processors > 1;
        b.dir = t.working_directory;
        b.env = c.env;
        b.args = c.args;
        table->binaries.push_back(std::move(b));
        members.emplace_back();
      }
      last = it->second;
    }
    last_test = i;
    members[last - first_binary].push_back(i);
  }
  for (size_t b = 0; b < members.size(); ++b) {
    // A suite's tests must be consecutive: grouped by suite, in the order
    // suites first appear (ctest lists them in gtest's order anyway).
    std::vector<std::pair<std::string, std::string>> names;
    std::vector<size_t> rank;  // of each test's suite
    std::map<std::string, size_t> suite_rank;
    for (uint32_t i : members[b]) {
      names.emplace_back(how[i].test.suite, how[i].test.name);
      rank.push_back(suite_rank.try_emplace(names.back().first, suite_rank.size()).first->second);
    }
    std::vector<size_t> order(names.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t x, size_t y) { return rank[x] < rank[y]; });
    for (size_t k : order) {
      const uint32_t i = members[b][k];
      table->tests.push_back({static_cast<uint32_t>(first_binary + b), std::move(names[k].first),
                              std::move(names[k].second), listed[i].name});
      table->ctest_of.push_back(i);
    }
  }
}

// A ctest test whose program cannot be split into its tests runs whole,
// as ctest runs it; -v says why.
void RunWhole(const core::CtestTest& t, const std::string& why, bool verbose, Classified* how) {
  how->kind = Kind::kCommand;
  how->framework = nullptr;
  if (verbose) {
    std::fprintf(stderr, "mprun ctest: ctest test %s runs whole, as ctest runs it: %s\n",
                 t.name.c_str(), why.c_str());
  }
}

// How ctest test `t`, a whole binary of a framework, is listed: with its
// own arguments, directory and environment. Also the listing cache's key:
// what it holds for this job says whether the program runs whole.
ListingJob WholeListingJob(const core::CtestTest& t, const Classified& how,
                           const ListingWords* words) {
  ListingJob job;
  job.shown = "ctest test " + t.name + " (" + how.exec_path + ")";
  job.argv = {how.exec_path};
  for (std::string& a : how.framework->ListArgs()) job.argv.push_back(std::move(a));
  job.words = words;
  job.argv.insert(job.argv.end(), how.args.begin(), how.args.end());
  job.dir = t.working_directory;
  job.env = how.env;
  job.may_fail = true;
  return job;
}

// A ctest test that runs a whole binary of a framework: listed with its own
// arguments, directory and environment, each of its tests one of the table.
// A program whose listing fails (its own main() may check its surroundings
// first), is not a listing, or lists no test, runs whole instead (the cache
// remembers a failed listing until the program changes). The slowest
// listing's time is kept (batch sizing).
bool AddWholeBinaries(Spawner& spawner, const ListingCache& cache,
                      const std::vector<core::CtestTest>& listed,
                      const std::vector<uint32_t>& picked, std::vector<Classified>* how_all,
                      double timeout_s, bool verbose, Table* table, uint64_t* slowest_ns,
                      std::string* err) {
  std::vector<Classified>& how = *how_all;
  std::vector<uint32_t> whole;
  std::vector<ListingJob> jobs;
  std::map<const TestFramework*, ListingWords> words;
  for (uint32_t i : picked) {
    if (how[i].kind != Kind::kWholeBinary) continue;
    whole.push_back(i);
    const TestFramework& f = *how[i].framework;
    ListingWords& w = words[&f];
    w = {f.ListingName(), "", f.ListingExitIsACount()};
    jobs.push_back(WholeListingJob(listed[i], how[i], &w));
  }
  std::vector<Listing> listings;
  size_t recalled = 0;
  if (!ListWithCache(spawner, cache, jobs, {}, timeout_s, &listings, &recalled, err)) {
    return false;
  }
  if (verbose && recalled > 0) {
    std::fprintf(stderr, "mprun ctest: %zu of %zu binaries' listings from the cache\n", recalled,
                 jobs.size());
  }
  const TestSelector runnable{GtestFlags{}};  // what the binary run whole would run
  for (size_t k = 0; k < whole.size(); ++k) {
    const core::CtestTest& t = listed[whole[k]];
    const TestFramework& f = *how[whole[k]].framework;
    std::vector<core::ListedTest> tests;
    Listing& l = listings[k];
    if (l.failed.empty() && !f.ParseListing(l.out, &tests, &l.failed)) {
      l.failed = f.ListingName() + ": " + l.failed;
      cache.Store(jobs[k], l);
    }
    std::erase_if(
        tests, [&](const core::ListedTest& lt) { return !runnable.Runnable(lt.suite, lt.name); });
    if (!l.failed.empty() || tests.empty()) {
      std::string why =
          l.failed.empty() ? f.ListingName() + " lists no test it would run" : std::move(l.failed);
      if (why.rfind(jobs[k].shown + ": ", 0) == 0) why.erase(0, jobs[k].shown.size() + 2);
      RunWhole(t, why, verbose, &how[whole[k]]);
      continue;
    }
    *slowest_ns = std::max(*slowest_ns, listings[k].end_ns - listings[k].start_ns);
    BinaryInfo b;
    b.shown = t.command[0];
    b.exec_path = how[whole[k]].exec_path;
    b.framework = &f;
    b.serial = t.run_serial || t.processors > 1;
    b.dir = t.working_directory;
    b.env = how[whole[k]].env;
    b.args = how[whole[k]].args;
    b.whole_of = whole[k];
    const auto binary = static_cast<uint32_t>(table->binaries.size());
    table->binaries.push_back(std::move(b));
    for (core::ListedTest& lt : tests) {
      table->tests.push_back({binary, std::move(lt.suite), std::move(lt.name), t.name});
      table->ctest_of.push_back(whole[k]);
    }
  }
  return true;
}

// Command tests joined by a lock, a fixture or an order: a group of them
// runs on one worker, one after another. Union-find over the picked tests.
std::vector<std::vector<uint32_t>> CommandGroups(const std::vector<core::CtestTest>& listed,
                                                 const std::vector<uint32_t>& commands) {
  std::vector<size_t> parent(commands.size());
  std::iota(parent.begin(), parent.end(), 0);
  std::function<size_t(size_t)> root = [&](size_t x) {
    return parent[x] == x ? x : parent[x] = root(parent[x]);
  };
  std::map<std::string, size_t> first_with;  // "lock:NAME", "fixture:NAME", "test:NAME"
  auto join = [&](size_t k, const std::string& what) {
    auto [it, fresh] = first_with.try_emplace(what, k);
    if (!fresh) parent[root(k)] = root(it->second);
  };
  for (size_t k = 0; k < commands.size(); ++k) {
    const core::CtestTest& t = listed[commands[k]];
    join(k, "test:" + t.name);
    for (const std::string& l : t.resource_locks) join(k, "lock:" + l);
    for (const auto* fixtures : {&t.fixtures_setup, &t.fixtures_cleanup, &t.fixtures_required}) {
      for (const std::string& f : *fixtures) join(k, "fixture:" + f);
    }
    for (const std::string& d : t.depends) join(k, "test:" + d);
  }
  std::map<size_t, std::vector<uint32_t>> by_root;
  std::vector<size_t> roots;
  for (size_t k = 0; k < commands.size(); ++k) {
    auto [it, fresh] = by_root.try_emplace(root(k));
    if (fresh) roots.push_back(root(k));
    it->second.push_back(commands[k]);
  }
  std::vector<std::vector<uint32_t>> groups;
  for (size_t r : roots) {
    std::vector<uint32_t> g = by_root[r];
    // Set-ups first, clean-ups last, the rest in ctest's order between.
    auto rank = [&listed](uint32_t i) {
      return !listed[i].fixtures_setup.empty() ? 0 : !listed[i].fixtures_cleanup.empty() ? 2 : 1;
    };
    std::stable_sort(g.begin(), g.end(), [&](uint32_t x, uint32_t y) { return rank(x) < rank(y); });
    groups.push_back(std::move(g));
  }
  return groups;
}

void AddCommands(const std::vector<core::CtestTest>& listed, const std::vector<uint32_t>& picked,
                 const std::vector<Classified>& how, Table* table) {
  std::vector<uint32_t> commands;
  for (uint32_t i : picked) {
    if (how[i].kind == Kind::kCommand) commands.push_back(i);
  }
  for (const std::vector<uint32_t>& g : CommandGroups(listed, commands)) {
    BinaryInfo b;
    b.shown = "ctest:" + listed[g[0]].name;
    b.command = true;
    b.kept_together = g.size() > 1;
    for (uint32_t i : g) {
      b.serial = b.serial || listed[i].run_serial || listed[i].processors > 1 || how[i].resources;
    }
    const auto binary = static_cast<uint32_t>(table->binaries.size());
    table->binaries.push_back(std::move(b));
    for (uint32_t i : g) {
      table->tests.push_back({binary, "", listed[i].name, listed[i].name});
      table->ctest_of.push_back(i);
    }
  }
}

// The time limit of ctest test `t`: its TIMEOUT (0: none), else --timeout,
// else ctest's default.
double LimitOf(const core::CtestTest& t, const core::CtestOptions& c) {
  if (t.timeout_s) return *t.timeout_s;
  return c.timeout_s.value_or(kCtestDefaultTimeoutS);
}

// A dashboard's tag for time `t`: "YYYYMMDD-hhmm" in UTC, as ctest makes it.
std::string DashboardTagAt(time_t t) {
  char tag[32];
  struct tm utc;
  gmtime_r(&t, &utc);
  std::strftime(tag, sizeof tag, "%Y%m%d-%H%M", &utc);
  return tag;
}

bool WriteTag(const std::string& dir, const std::string& tag, const std::string& model,
              std::string* err) {
  mkdir((dir + "/Testing").c_str(), 0755);
  return core::WriteFileAtomically(dir + "/Testing/TAG", core::TagFile(tag, model), err);
}

// mprun ctest's way in: the table above; GoogleTest binaries run by the
// driver executor, commands by the command executor.
class CtestWay : public WayIn {
 public:
  bool Launches() const override { return true; }
  CtestWay(Table table, std::vector<core::CtestTest> listed, std::vector<Classified> how,
           const core::CtestOptions& c, uint64_t slowest_listing_ns, Spawner& spawner,
           std::string dir, std::string cache_dir, bool verbose)
      : table_(std::move(table)),
        listed_(std::move(listed)),
        how_(std::move(how)),
        ctest_opts_(c),
        slowest_ns_(slowest_listing_ns),
        spawner_(spawner),
        dir_(std::move(dir)),
        remembers_(!cache_dir.empty()),
        cache_(std::move(cache_dir)),
        verbose_(verbose) {}

  core::RunInfo Run() const {
    core::RunInfo run;
    for (const BinaryInfo& b : table_.binaries) run.binaries.push_back(b.shown);
    run.tests = table_.tests;
    return run;
  }

  core::SuiteTraits SuiteTraitsAt(uint32_t first) const override {
    const BinaryInfo& b = table_.binaries[table_.tests[first].binary];
    core::SuiteTraits traits;
    traits.has_fixtures = b.kept_together;
    traits.serial = b.serial;
    return traits;
  }

  void KeepTests(const std::vector<uint32_t>& kept) override {
    std::vector<uint32_t> ctest_of;
    for (uint32_t t : kept) ctest_of.push_back(table_.ctest_of[t]);
    table_.ctest_of = std::move(ctest_of);
  }

  void Prepare(const core::RunInfo& run, EngineSpec* spec) override {
    UseLaunchBatches(slowest_ns_, spec);
    spec->test_load = ctest_opts_.test_load;
    std::string err;
    if (!ctest_opts_.stop_time.empty()) {  // checked when parsed
      (void)core::StopTimeAfter(ctest_opts_.stop_time, time(nullptr), &spec->stop_at, &err);
    }
    for (uint32_t i : table_.ctest_of) {
      spec->test_limits_s.push_back(LimitOf(listed_[i], ctest_opts_));
      // COST: ctest's own estimate, in seconds, of the test's time.
      spec->cost_ms.push_back(listed_[i].cost > 0 ? listed_[i].cost * 1000 : 0);
    }
    PrepareCommands(run);
    driver_.run = &run;
    driver_.spawner = &spawner_;
    for (const BinaryInfo& b : table_.binaries) {
      driver_.exec_paths.push_back(b.exec_path);
      driver_.frameworks.push_back(b.framework != nullptr ? b.framework : &GoogleTestFramework());
      driver_.binary_dirs.push_back(b.dir);
      driver_.binary_env.push_back(b.env);
      driver_.binary_args.push_back(b.args);
      driver_.commands.push_back(b.command);
    }
    driver_.run_commands = [this](const std::vector<uint32_t>& tests, WorkerRuntime& runtime) {
      RunCommands(commands_, tests, runtime);
    };
    spec->work = [this](WorkerRuntime& runtime) { RunDriverWorker(driver_, runtime); };
    spec->after_run = [this, &run](Supervisor* supervisor) {
      SettleDisagreements(supervisor);
      WriteFailedLog(run, supervisor->ledger());
      if (ctest_opts_.dashboard_test) WriteDashboard(supervisor->ledger());
    };
    start_s_ = time(nullptr);
  }

 private:
  // Runs `runs` at once, those with the same limit together, each within
  // its own limit; false (an error of the run) when one could not start.
  bool RunWholeNow(const std::vector<ListingJob>& runs, const std::vector<double>& limits_s,
                   std::vector<Listing>* ends, Supervisor* supervisor) const {
    ends->resize(runs.size());
    const ListingWords words{"run whole, it", "", false, "its TIMEOUT, or --timeout"};
    for (const double limit : std::set<double>(limits_s.begin(), limits_s.end())) {
      std::vector<ListingJob> same;
      std::vector<size_t> at;
      for (size_t k = 0; k < runs.size(); ++k) {
        if (limits_s[k] == limit) same.push_back(runs[k]), at.push_back(k);
      }
      std::vector<Listing> got;
      std::string err;
      if (!ListAll(spawner_, same, words, limit, static_cast<size_t>(UsableCores()), &got, &err)) {
        supervisor->AddRunError("mprun ctest could not run a program whole: " + err);
        return false;
      }
      for (size_t j = 0; j < at.size(); ++j) (*ends)[at[j]] = std::move(got[j]);
    }
    return true;
  }

  // A ctest test run as its program's tests, whose launch failed though its
  // tests passed (its main() checks how many tests ran, a leak check at
  // exit, a crash in a static destructor): it runs whole now, as ctest runs
  // it, and ctest's verdict is that run's. The listing cache remembers that
  // the program runs whole, so the next run does not split it. A launch
  // that passed though a test failed (a main() that ignores RUN_ALL_TESTS())
  // is a warning: the test stays failed. Other programs' disagreements stay
  // the run's (Supervisor::TakeDisagreements).
  void SettleDisagreements(Supervisor* supervisor) {
    const std::vector<ProgramDisagreement> told = supervisor->TakeDisagreements();
    std::vector<ListingJob> runs;
    std::vector<uint32_t> whole;  // per run, the ctest test
    std::vector<std::string> why;
    std::vector<double> limits_s;  // per run: its own limit (none: a very long one)
    for (const ProgramDisagreement& d : told) {
      const uint32_t i = table_.binaries[d.binary].whole_of;
      if (!d.program_failed) {
        // Its failed test stays failed: mprun does not hide a failure.
        supervisor->AddWarning(d.Told() + (i == UINT32_MAX ? ""
                                                           : "\nctest, which reads only its exit "
                                                             "status, calls ctest test " +
                                                                 listed_[i].name + " passed"));
        continue;
      }
      if (i == UINT32_MAX || supervisor->summary().interrupted) {  // the run's, as it is
        supervisor->AddRunError(d.Told());
        continue;
      }
      // One per binary (the supervisor's), and a whole program is a binary
      // of its own.
      ListingJob run;
      run.shown = "ctest test " + listed_[i].name;
      run.argv = listed_[i].command;
      run.argv[0] = how_[i].exec_path;
      run.dir = listed_[i].working_directory;
      run.env = how_[i].env;
      run.may_fail = true;
      runs.push_back(std::move(run));
      whole.push_back(i);
      why.push_back(d.Told());
      const double limit = LimitOf(listed_[i], ctest_opts_);
      limits_s.push_back(limit > 0 ? limit : 1e9);
    }
    std::vector<Listing> ends;
    if (!RunWholeNow(runs, limits_s, &ends, supervisor)) return;
    for (size_t k = 0; k < runs.size(); ++k) {
      const uint32_t i = whole[k];
      const std::string& name = listed_[i].name;
      const std::string split = "split into its tests, " + why[k];
      if (ends[k].failed.empty()) {
        supervisor->AddWarning("ctest test " + name + " passes whole, as ctest runs it, though " +
                               split +
                               (remembers_ ? "\nmprun ctest runs it whole from now on" : ""));
      } else {
        std::string out = ends[k].out;  // `failed` holds the tail of its stderr
        if (out.size() > 8192) out = out.substr(out.size() - 8192);
        supervisor->AddRunError(ends[k].failed + "\n" + split +
                                (out.empty() ? "" : "\nwhat it printed, run whole:\n" + out));
        failed_whole_.insert(i);
      }
      Listing remembered;
      remembered.failed = "its main() ends otherwise when its tests are split: " +
                          why[k].substr(0, why[k].find('\n'));
      const ListingWords listing_words{how_[i].framework->ListingName(), "", false};
      cache_.Store(WholeListingJob(listed_[i], how_[i], &listing_words), remembered);
      if (verbose_ && remembers_) {
        std::fprintf(stderr, "mprun ctest: ctest test %s runs whole from now on: %s\n",
                     name.c_str(), remembered.failed.c_str());
      }
    }
  }

  // ctest's record of the tests that failed, which `ctest --rerun-failed`
  // (and mprun ctest's) reads: "N:name" by ctest's test number, for each
  // ctest test that did not pass and was not skipped (a test that did not
  // run because its fixture failed counts, as in ctest). As ctest, a run
  // without failures leaves the last record as it was.
  void WriteFailedLog(const core::RunInfo& run, const core::Ledger& ledger) const {
    std::set<uint32_t> failed = failed_whole_;  // by listing index, in ctest's order
    for (uint32_t t = 0; t < run.tests.size() && t < table_.ctest_of.size(); ++t) {
      if (!ledger.Finished(t)) continue;
      const core::Outcome o = ledger.Get(t).outcome;
      if (o != core::Outcome::kPassed && o != core::Outcome::kSkipped) {
        failed.insert(table_.ctest_of[t]);
      }
    }
    if (failed.empty()) return;
    std::string text;
    for (const uint32_t i : failed) {
      text += std::to_string(i + 1) + ":" + listed_[i].name + "\n";
    }
    const std::string folder = dir_ + "/Testing/Temporary";
    mkdir((dir_ + "/Testing").c_str(), 0755);
    mkdir(folder.c_str(), 0755);
    std::string err;
    if (!core::WriteFileAtomically(folder + "/LastTestsFailed.log", text, &err)) {
      Warn("ctest's record of failed tests not written: " + err);
    }
  }

  // -T Test: ctest's Test.xml of the run, under the tag Testing/TAG names
  // (DashboardTag), one <Test> per ctest test: failed if any of its tests
  // failed (or it failed run whole), not run if all were skipped.
  void WriteDashboard(const core::Ledger& ledger) const {
    std::map<uint32_t, core::DashboardTest> by_ctest;  // in ctest's order
    for (uint32_t t = 0; t < ledger.size() && t < table_.ctest_of.size(); ++t) {
      const uint32_t i = table_.ctest_of[t];
      const core::CtestTest& c = listed_[i];
      auto [it, fresh] = by_ctest.try_emplace(i);
      core::DashboardTest& d = it->second;
      if (fresh) {
        d.name = c.name;
        d.path = DashboardPath(c.working_directory);
        d.command_line = core::DashboardCommandLine(c.command);
        d.status = failed_whole_.count(i) != 0 ? "failed" : "notrun";
        d.exit_code = d.status == "failed" ? "Failed" : "";
        d.completion = c.disabled ? "Disabled" : "Completed";
        d.labels = c.labels;
      }
      const core::Outcome o = ledger.Finished(t) ? ledger.Get(t).outcome : core::Outcome::kNotRun;
      if (o == core::Outcome::kNotRun) {
        if (!c.disabled) d.completion = "Not Run";
        continue;
      }
      const core::TestResult& r = ledger.Get(t);
      d.seconds = std::max(d.seconds, 0.0) + static_cast<double>(r.duration_ns) / 1e9;
      if (o == core::Outcome::kSkipped) {
        if (d.status == "notrun" && !c.disabled) d.completion = "Skipped";
        continue;
      }
      if (o == core::Outcome::kPassed) {
        if (d.status == "notrun") d.status = "passed", d.completion = "Completed";
        continue;
      }
      d.status = "failed";
      d.completion = "Completed";
      if (d.exit_code != "Timeout")
        d.exit_code = o == core::Outcome::kTimedOut ? "Timeout" : "Failed";
      d.output += r.message + (r.message.empty() || r.output.empty() ? "" : "\n") + r.output;
    }
    core::DashboardRun run;
    std::string tag;
    std::string err;
    if (!DashboardTag(&tag, &err)) {
      Warn("ctest's Test.xml not written: " + err);
      return;
    }
    run.stamp = tag + "-" + ctest_opts_.model;
    run.generator = std::string("mprun-") + core::kMprunVersion;
    struct utsname u;
    if (uname(&u) == 0) {
      run.os_name = u.sysname;
      run.hostname = u.nodename;
      run.os_release = u.release;
      run.os_version = u.version;
      run.os_platform = u.machine;
    }
    run.logical_cpus = UsableCores();
    run.start_s = start_s_;
    run.end_s = time(nullptr);
    run.start_text = DashboardTime(run.start_s);
    run.end_text = DashboardTime(run.end_s);
    for (auto& [i, d] : by_ctest) run.tests.push_back(std::move(d));
    const std::string folder = dir_ + "/Testing/" + tag;
    mkdir(folder.c_str(), 0755);
    if (!core::WriteFileAtomically(folder + "/Test.xml", core::TestXml(run), &err)) {
      Warn("ctest's Test.xml not written: " + err);
    }
  }

  // A test's folder as Test.xml names it: relative to the build folder.
  std::string DashboardPath(const std::string& working_directory) const {
    if (working_directory.empty() || working_directory == dir_) return ".";
    if (working_directory.rfind(dir_ + "/", 0) == 0) {
      return "." + working_directory.substr(dir_.size());
    }
    return working_directory;
  }

  // The tag of Testing/TAG: today's, kept; else (or with -T Start) a new
  // one, written there, from the time in UTC, as ctest does.
  bool DashboardTag(std::string* tag, std::string* err) const {
    const std::string now = DashboardTagAt(start_s_);
    const std::string kept = core::ReadWholeFile(dir_ + "/Testing/TAG");
    const std::string old = kept.substr(0, kept.find('\n'));
    if (!ctest_opts_.dashboard_start && old.size() == now.size() &&
        old.compare(0, 8, now, 0, 8) == 0) {
      *tag = old;
      return true;
    }
    *tag = now;
    return WriteTag(dir_, *tag, ctest_opts_.model, err);
  }

  static std::string DashboardTime(time_t t) {
    char text[64];
    struct tm local;
    localtime_r(&t, &local);
    std::strftime(text, sizeof text, "%b %d %H:%M %Z", &local);
    return text;
  }

  void PrepareCommands(const core::RunInfo& run) {
    commands_.spawner = &spawner_;
    commands_.tests.resize(run.tests.size());
    for (size_t t = 0; t < run.tests.size(); ++t) {
      if (!table_.binaries[run.tests[t].binary].command) continue;
      const uint32_t i = table_.ctest_of[t];
      CommandTest& c = commands_.tests[t];
      c.ctest = &listed_[i];
      c.dir = listed_[i].working_directory;
      c.env = how_[i].env;
      c.refused = how_[i].refused;
      if (!listed_[i].disabled) {
        c.argv = listed_[i].command;
        c.argv[0] = how_[i].exec_path;
      }
    }
  }

  Table table_;
  const std::vector<core::CtestTest> listed_;
  const std::vector<Classified> how_;
  const core::CtestOptions ctest_opts_;
  uint64_t slowest_ns_;
  Spawner& spawner_;
  const std::string dir_;  // the build folder
  const bool remembers_;   // the listing cache keeps what it is told
  const ListingCache cache_;
  const bool verbose_;
  std::set<uint32_t> failed_whole_;  // ctest tests that failed, run whole after the run
  time_t start_s_ = 0;
  DriverSetup driver_;
  CommandSetup commands_;
};

// --repeat in mprun's terms.
void ApplyRepeat(const core::CtestOptions& c, core::Options* opts) {
  switch (c.repeat) {
    case core::CtestRepeat::kNone:
      return;
    case core::CtestRepeat::kUntilFail:
      // Each test until it fails, N runs at most: --repeat-each stops
      // repeating a test at its first failure, which is then its outcome.
      opts->repeat_each = c.repeat_count;
      return;
    case core::CtestRepeat::kUntilPass:
      opts->retries = c.repeat_count - 1;
      return;
    case core::CtestRepeat::kAfterTimeout:
      opts->retries = c.repeat_count - 1;
      opts->retry_timeouts_only = true;
      return;
  }
}

// Two ctest tests that name the same test of the same binary (doctest
// allows one name in two test suites, and doctest_discover_tests names
// cases by name alone, so each ctest test runs both): one test of the
// table could not stand for both, so each runs as its command, as ctest
// runs it.
void RunTwinsAsTheyAre(const std::vector<core::CtestTest>& listed,
                       const std::vector<uint32_t>& picked, std::vector<Classified>* how) {
  std::map<std::tuple<std::string, std::vector<std::string>, std::string, std::vector<std::string>,
                      std::string, std::string>,
           std::vector<uint32_t>>
      named;
  for (uint32_t i : picked) {
    const Classified& c = (*how)[i];
    if (c.kind != Kind::kOneTest) continue;
    named[{c.exec_path, c.args, listed[i].working_directory, c.env, c.test.suite, c.test.name}]
        .push_back(i);
  }
  for (const auto& [key, tests] : named) {
    if (tests.size() < 2) continue;
    for (uint32_t i : tests) {
      (*how)[i].kind = Kind::kCommand;
      (*how)[i].framework = nullptr;
    }
  }
}

// A selection only ctest makes (-I, -U, --rerun-failed, -FA/-FS/-FC):
// ctest lists the tests it would run, with every selection option given,
// and each is found in the whole listing (ctest keeps the order).
bool SelectByCtest(Spawner& spawner, const std::string& dir, const core::CtestOptions& c,
                   const std::vector<core::CtestTest>& listed, std::vector<bool>* selected,
                   std::string* err) {
  std::string ctest;
  if (!FindOnPath("ctest", &ctest)) {
    *err = "ctest: not found on PATH (mprun ctest asks it for the tests)";
    return false;
  }
  ListingJob job;
  job.shown =
      c.preset.empty() ? "ctest's selection in " + dir : "ctest's selection of preset " + c.preset;
  job.argv = CtestArgv(ctest, "--show-only=json-v1", c, true);
  job.dir = c.preset.empty() ? dir : "";  // a preset is looked for where mprun runs
  std::vector<Listing> out;
  std::vector<core::CtestTest> chosen;
  if (!ListAll(spawner, {job}, {"--show-only=json-v1", ""}, c.list_timeout_s, 1, &out, err)) {
    return false;
  }
  if (!core::ParseCtestJson(out[0].out, &chosen, err)) {
    *err = job.shown + ": " + *err;
    return false;
  }
  selected->assign(listed.size(), false);
  size_t at = 0;
  for (const core::CtestTest& t : chosen) {
    while (at < listed.size() && listed[at].name != t.name) ++at;
    if (at == listed.size()) {
      *err = job.shown + ": it selects test " + t.name +
             ", which is not where its whole listing has it (the folder changed meanwhile?)";
      return false;
    }
    (*selected)[at++] = true;
  }
  return true;
}

// RESOURCE_GROUPS: without a spec file ctest ignores them; with one, the
// test runs as its command, alone, with ctest's variables for the
// resources it would get alone.
void GiveResources(const core::CtestTest& t, const core::ResourceSpec* spec, Classified* c) {
  if (spec == nullptr) return;
  if (t.resource_groups.empty()) {  // with a spec, ctest tells every test
    c->env.push_back("CTEST_RESOURCE_GROUP_COUNT=0");
    return;
  }
  c->kind = Kind::kCommand;
  c->framework = nullptr;
  c->resources = true;
  std::string why;
  if (!core::AllocateResources(*spec, t.resource_groups, &c->env, &why)) c->refused = why;
}

// The listed tests ctest would run (`selected`), checked and classified;
// false with `err` for a test mprun cannot run.
bool PickTests(const std::vector<core::CtestTest>& listed, const std::vector<bool>& selected,
               const core::ResourceSpec* spec, std::vector<uint32_t>* picked,
               std::vector<Classified>* how, std::string* err) {
  how->resize(listed.size());
  ProgramsSeen seen;
  for (uint32_t i = 0; i < listed.size(); ++i) {
    if (!selected[i]) continue;
    if (!Classify(listed[i], &seen, &(*how)[i], err)) return false;
    GiveResources(listed[i], spec, &(*how)[i]);
    WarnUnhonoured(listed[i]);
    picked->push_back(i);
  }
  RunTwinsAsTheyAre(listed, *picked, how);
  return true;
}

// A listing ctest just made is kept once the selected tests could be run,
// with the program of every test it lists (selected or not: a later run may
// select others).
void KeepCtestListing(const CtestCache& cache, const CtestListing& listing,
                      const std::vector<core::CtestTest>& listed, bool verbose) {
  if (!listing.fresh) {
    if (verbose) std::fprintf(stderr, "mprun ctest: ctest's listing from the cache\n");
    return;
  }
  std::vector<std::string> programs;
  std::string why = listing.not_kept;
  for (const core::CtestTest& t : listed) {
    // Not built yet: ctest would find it once it is, which nothing here
    // would notice.
    if (t.command.empty()) why = "ctest test " + t.name + " has no program (not built?)";
    if (!t.command.empty()) programs.push_back(t.command[0]);
  }
  if ((!why.empty() ||
       !cache.Store(listing.inputs, listing.snapshot, listing.json, programs, &why)) &&
      verbose) {
    std::fprintf(stderr, "mprun ctest: ctest's listing is not kept (asked every run): %s\n",
                 why.c_str());
  }
}

// --resource-spec-file FILE, read and checked.
bool ReadResourceSpec(const std::string& path, std::optional<core::ResourceSpec>* out,
                      std::string* err) {
  std::string text;
  core::ResourceSpec spec;
  if (!core::ReadFile(path, &text, err)) {
    *err = "--resource-spec-file: " + *err;
    return false;
  }
  if (!core::ParseResourceSpec(text, &spec, err)) {
    *err = "--resource-spec-file: " + path + ": " + *err;
    return false;
  }
  *out = std::move(spec);
  return true;
}

// --preset NAME: the preset's settings as options read before the command
// line's (which win), its environment set for the listings and the tests,
// and its build folder unless --test-dir names one. ctest selects the
// preset's tests (SelectByCtest).
bool ApplyPreset(int argc, char** argv, core::Options* opts, core::CtestOptions* c,
                 std::string* err) {
  char cwd[PATH_MAX];
  if (getcwd(cwd, sizeof cwd) == nullptr) {
    *err = std::string("the current directory: ") + std::strerror(errno);
    return false;
  }
  core::CtestPreset preset;
  const auto read = [](const std::string& path, std::string* text) {
    std::string ignored;
    return core::ReadFile(path, text, &ignored);
  };
  if (!core::ReadCtestPreset(cwd, c->preset, read, std::getenv, &preset, err)) return false;
  const auto parse = [&](const std::vector<std::string>& before, int from) {
    std::vector<std::string> words = {argv[0]};
    words.insert(words.end(), before.begin(), before.end());
    words.insert(words.end(), argv + from, argv + argc);
    std::vector<char*> args;
    for (std::string& w : words) args.push_back(w.data());
    args.push_back(nullptr);
    return core::ParseCtestOptions(
        static_cast<int>(words.size()), args.data(), [](const char* n) { return std::getenv(n); },
        opts, c, err);
  };
  if (!parse(preset.options, argc)) {  // the preset's alone first, to name it
    *err = "test preset '" + c->preset + "': " + *err;
    return false;
  }
  if (!parse(preset.options, 1)) return false;
  if (c->test_dir.empty()) c->test_dir = preset.binary_dir;
  for (const auto& [name, value] : preset.environment) {
    if (value) {
      setenv(name.c_str(), value->c_str(), 1);
    } else {
      unsetenv(name.c_str());
    }
  }
  return true;
}

// The tests ctest would run, by ctest itself when only it can say
// (CtestOptions::by_ctest), checked and classified, with their resources.
bool Select(Spawner& spawner, const std::string& dir, const core::CtestOptions& c,
            const std::vector<core::CtestTest>& listed, std::vector<uint32_t>* picked,
            std::vector<Classified>* how, std::string* err) {
  std::vector<bool> selected;
  if (c.by_ctest ? !SelectByCtest(spawner, dir, c, listed, &selected, err)
                 : !core::SelectCtestTests(listed, {c.include, c.exclude, c.label, c.label_exclude},
                                           &selected, err)) {
    return false;
  }
  std::optional<core::ResourceSpec> spec;
  if (!c.resource_spec_file.empty() && !ReadResourceSpec(c.resource_spec_file, &spec, err)) {
    return false;
  }
  return PickTests(listed, selected, spec ? &*spec : nullptr, picked, how, err);
}

// No test selected: ctest's words on stderr (unless --no-tests=ignore);
// true when that fails the run (--no-tests=error).
bool NoTestsFails(const core::CtestOptions& c) {
  if (c.no_tests == core::NoTests::kIgnore) return false;
  std::fprintf(stderr, "mprun ctest: No tests were found!!!%s\n",
               c.no_tests == core::NoTests::kError ? "" : " (--no-tests=error fails the run)");
  return c.no_tests == core::NoTests::kError;
}

// Runs ctest itself in `dir` for what only it prints (it replaces mprun:
// its output and exit status are ctest's).
int AskCtest(const std::string& dir, const char* what, const core::CtestOptions& c, bool selected) {
  std::string ctest, err;
  if (!FindOnPath("ctest", &ctest)) {
    err = "ctest: not found on PATH (mprun ctest asks it for this)";
  } else if (chdir(dir.c_str()) != 0) {
    err = dir + ": " + std::strerror(errno);
  } else {
    std::vector<std::string> words = CtestArgv(ctest, what, c, selected);
    std::vector<char*> argv;
    for (std::string& w : words) argv.push_back(w.data());
    argv.push_back(nullptr);
    std::fflush(nullptr);
    execv(ctest.c_str(), argv.data());
    err = ctest + ": " + std::strerror(errno);
  }
  std::fprintf(stderr, "%s%s\n", core::ErrorPrefix(core::Command::kCtest).c_str(), err.c_str());
  return kUsage;
}

}  // namespace

// -T Start alone: Testing/TAG with a new tag, as ctest writes it; "" or
// what went wrong.
std::string StartDashboard(const std::string& dir, const core::CtestOptions& c) {
  const std::string tag = DashboardTagAt(time(nullptr));
  std::string err;
  if (!WriteTag(dir, tag, c.model, &err)) return err;
  std::printf("Create new tag: %s - %s\n", tag.c_str(), c.model.c_str());
  return "";
}

// What is answered without a run: what ctest itself prints (its JSON
// listing, its labels), a new dashboard tag. -1: a run follows.
int AnswerWithoutARun(const std::string& dir, const core::CtestOptions& c) {
  // A preset is looked for where mprun runs, as by ctest.
  if (c.show_only == "json-v1") {
    return AskCtest(c.preset.empty() ? dir : ".", "--show-only=json-v1", c, true);
  }
  if (c.print_labels) return AskCtest(dir, "--print-labels", c, false);
  if (c.dashboard_start && !c.dashboard_test) {  // a new tag, and nothing run
    const std::string err = StartDashboard(dir, c);
    if (err.empty()) return 0;
    std::fprintf(stderr, "%s%s\n", core::ErrorPrefix(core::Command::kCtest).c_str(), err.c_str());
    return kUsage;
  }
  return -1;
}

int RunCtest(int argc, char** argv) {
  core::Options opts;
  core::CtestOptions c;
  std::string err;
  auto fail = [&err] {
    std::fprintf(stderr, "%s%s\n", core::ErrorPrefix(core::Command::kCtest).c_str(), err.c_str());
    return kUsage;
  };
  if (!core::ParseCtestOptions(
          argc, argv, [](const char* n) { return std::getenv(n); }, &opts, &c, &err)) {
    return fail();
  }
  if (c.help) {
    std::fputs(core::CtestHelp(), stdout);
    return 0;
  }
  if (c.version) {
    std::printf("mprun %s\n", core::kMprunVersion);
    return 0;
  }
  if (c.list_presets) return AskCtest(".", "--list-presets", {}, false);
  if (!c.preset.empty() && !ApplyPreset(argc, argv, &opts, &c, &err)) return fail();
  timings::Mark("options");
  ClearGtestEnvironment();
  const std::string given = c.test_dir.empty() ? "." : c.test_dir;
  if (!CheckBuildFolder(given, &err)) return fail();
  char resolved[PATH_MAX];
  if (realpath(given.c_str(), resolved) == nullptr) {
    err = given + ": " + std::strerror(errno);
    return fail();
  }
  const std::string dir = resolved;
  if (const int answered = AnswerWithoutARun(dir, c); answered >= 0) return answered;
  ForkSpawner programs;  // listings here, launches in the workers
  const std::string cache_dir =
      ListingCacheDir(opts.history_path, opts.no_history, opts.no_listing_cache);
  const CtestCache ctest_cache(cache_dir);
  CtestListing ctest_listing;
  std::vector<core::CtestTest> listed;
  if (!ListCtest(programs, ctest_cache, dir, c, &ctest_listing, &listed, &err)) return fail();
  timings::Mark("ctest's listing");
  std::vector<uint32_t> picked;
  std::vector<Classified> how;
  if (!Select(programs, dir, c, listed, &picked, &how, &err)) return fail();
  timings::Mark("selection");
  if (picked.empty() && !opts.list && NoTestsFails(c)) {
    return static_cast<int>(core::ExitStatus::kTestsFailed);
  }
  Table table;
  uint64_t slowest_ns = 0;
  AddOneTests(listed, picked, how, &table);
  KeepCtestListing(ctest_cache, ctest_listing, listed, opts.verbosity >= 2);
  const ListingCache cache(cache_dir);
  if (!AddWholeBinaries(programs, cache, listed, picked, &how, c.list_timeout_s,
                        opts.verbosity >= 2, &table, &slowest_ns, &err)) {
    return fail();
  }
  timings::Mark("binaries' listings");
  AddCommands(listed, picked, how, &table);
  GtestFlags flags;
  flags.shuffle = c.schedule_random;
  ApplyRepeat(c, &opts);
  CtestWay way(std::move(table), std::move(listed), std::move(how), c, slowest_ns, programs, dir,
               cache_dir, opts.verbosity >= 2);
  core::RunInfo run = way.Run();
  const int status =
      RunTests(opts, opts.processes.value_or(-1), flags, "mprun", std::move(run), way);
  // With -T, ctest says "tests failed" with its dashboard bit (8).
  return c.dashboard_test && status == static_cast<int>(core::ExitStatus::kTestsFailed) ? 8
                                                                                        : status;
}

}  // namespace mprun::runner
