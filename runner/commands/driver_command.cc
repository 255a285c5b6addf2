#include "runner/commands/driver_command.h"

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

#include "core/input/options.h"
#include "runner/framework/test_framework.h"
#include "runner/listing/binary_listing.h"
#include "runner/listing/listing_cache.h"
#include "runner/process/cpus.h"
#include "runner/process/spawner.h"
#include "runner/run/engine.h"
#include "runner/run/run_setup.h"
#include "runner/run/timings.h"
#include "runner/worker/driver_executor.h"
#include "shm/segment.h"

namespace mprun::runner {

namespace {

constexpr int kUsage = static_cast<int>(core::ExitStatus::kUsage);

using Args = core::DriverOptions;

// Driver mode's way in: tests listed by each binary, executed by launching
// it per batch with an exact filter (driver_executor.h).
class DriverWay : public WayIn {
 public:
  DriverWay(const Args& args, std::vector<std::string> exec_paths,
            std::vector<const TestFramework*> frameworks, Spawner& spawner)
      : args_(args),
        exec_paths_(std::move(exec_paths)),
        frameworks_(std::move(frameworks)),
        spawner_(spawner) {}
  bool Launches() const override { return true; }

  // The run's table from the binaries' listings: the tests gtest's rules
  // select, across all of them. False with `err` for a listing that cannot
  // be read.
  bool Table(const std::vector<Listing>& listings, core::RunInfo* run, std::string* err) {
    const TestSelector selector(args_.gtest);
    run->binaries = args_.binaries;
    for (size_t b = 0; b < listings.size(); ++b) {
      std::vector<core::ListedTest> listed;
      if (!frameworks_[b]->ParseListing(listings[b].out, &listed, err)) {
        *err = args_.binaries[b] + ": " + frameworks_[b]->ListingName() + ": " + *err;
        return false;
      }
      startup_ns_ = std::max(startup_ns_, listings[b].end_ns - listings[b].start_ns);
      run->tests.reserve(run->tests.size() + listed.size());
      // A suite's tests are listed together (one suite in two places is two
      // runs): counted per run, added up per suite at each run's end.
      std::pair<uint32_t, std::string> counting;
      size_t count = 0;
      auto add_up = [&] {
        if (count > 0) suite_runs_[counting] += count;
        count = 0;
      };
      for (core::ListedTest& t : listed) {
        if (!selector.Runnable(t.suite, t.name)) continue;
        if (count == 0 || t.suite != counting.second) {
          add_up();
          counting = {static_cast<uint32_t>(b), t.suite};
        }
        ++count;
        if (!selector.Selects(t.suite, t.name)) continue;
        run->tests.push_back({static_cast<uint32_t>(b), std::move(t.suite), std::move(t.name)});
      }
      add_up();
    }
    return true;
  }

  void Prepare(const core::RunInfo& run, EngineSpec* spec) override {
    // The slowest listing: a start-up plus printing every name.
    UseLaunchBatches(startup_ns_, spec);
    setup_.run = &run;
    setup_.exec_paths = exec_paths_;
    setup_.frameworks = frameworks_;
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
  // contiguous run; nor is one of a framework that has no such wildcard.
  std::vector<uint32_t> WholeSuiteSizes(const core::RunInfo& run) const {
    std::vector<uint32_t> whole(run.tests.size(), 0);
    for (size_t t = 0; t < run.tests.size();) {
      size_t end = t + 1;
      while (end < run.tests.size() && run.tests[end].binary == run.tests[t].binary &&
             run.tests[end].suite == run.tests[t].suite) {
        ++end;
      }
      const auto it = suite_runs_.find({run.tests[t].binary, run.tests[t].suite});
      if (it != suite_runs_.end() && it->second == end - t &&
          frameworks_[run.tests[t].binary]->NamesWholeSuites()) {
        for (size_t i = t; i < end; ++i) whole[i] = static_cast<uint32_t>(end - t);
      }
      t = end;
    }
    return whole;
  }

  const Args& args_;
  const std::vector<std::string> exec_paths_;
  const std::vector<const TestFramework*> frameworks_;  // per binary
  // Per binary and suite, how many tests `Suite.*` would run there: listed,
  // not disabled unless asked for.
  std::map<std::pair<uint32_t, std::string>, size_t> suite_runs_;
  uint64_t startup_ns_ = 0;  // the slowest listing
  Spawner& spawner_;
  DriverSetup setup_;
};

}  // namespace

int RunDriver(int argc, char** argv) {
  core::Options opts;
  Args args;
  std::string err;
  auto fail = [&err] {
    std::fprintf(stderr, "mprun: error: %s\n", err.c_str());
    return kUsage;
  };
  if (!core::ParseDriverOptions(
          argc, argv, [](const char* n) { return std::getenv(n); }, &opts, &args, &err)) {
    return fail();
  }
  if (args.help) {
    std::fputs(core::DriverHelp().c_str(), stdout);
    return 0;
  }
  timings::Mark("options");
  ClearGtestEnvironment();
  std::vector<std::string> exec_paths(args.binaries.size());
  for (size_t i = 0; i < args.binaries.size(); ++i) {
    if (!ExecPathOf(args.binaries[i], &exec_paths[i], &err)) return fail();
  }
  // Each binary's framework, from its file; one that shows signs of a
  // known framework in a version none recognises is refused; any other is
  // taken for GoogleTest (the listing's error then asks whether it is one).
  std::vector<const TestFramework*> frameworks(args.binaries.size());
  std::map<const TestFramework*, ListingWords> words;
  std::vector<ListingJob> jobs(args.binaries.size());
  for (size_t i = 0; i < jobs.size(); ++i) {
    const TestFramework* f = FrameworkOfFile(exec_paths[i]);
    if (f == nullptr) {
      if (const std::string family = UnknownFrameworkOfFile(exec_paths[i]); !family.empty()) {
        err = args.binaries[i] + ": a " + family +
              " binary of a version mprun does not know (it runs GoogleTest, Catch2 v2 and "
              "v3, and doctest binaries)";
        return fail();
      }
    }
    frameworks[i] = f != nullptr ? f : &GoogleTestFramework();
    jobs[i].shown = args.binaries[i];
    jobs[i].argv = {exec_paths[i]};
    for (std::string& a : frameworks[i]->ListArgs()) jobs[i].argv.push_back(std::move(a));
    jobs[i].argv.insert(jobs[i].argv.end(), args.list_args.begin(), args.list_args.end());
    ListingWords& w = words[frameworks[i]];
    w = {frameworks[i]->ListingName(), frameworks[i]->NotABinaryHint(),
         frameworks[i]->ListingExitIsACount()};
    jobs[i].words = &w;
  }
  const TestFramework& framework = GoogleTestFramework();
  std::vector<Listing> listings;
  // Every test binary starts through it: the listings here, the launches
  // in the workers (which inherit it).
  ForkSpawner programs;
  const ListingCache cache(
      ListingCacheDir(opts.history_path, opts.no_history, opts.no_listing_cache));
  size_t recalled = 0;
  if (!ListWithCache(programs, cache, jobs, {framework.ListingName(), framework.NotABinaryHint()},
                     args.list_timeout_s, &listings, &recalled, &err)) {
    return fail();
  }
  if (opts.verbosity >= 2 && recalled > 0) {
    std::printf(
        "mprun: %zu of %zu binaries' listings from the cache (--no-listing-cache lists them)\n",
        recalled, jobs.size());
  }
  timings::Mark("listing");
  DriverWay way(args, std::move(exec_paths), std::move(frameworks), programs);
  core::RunInfo run;
  if (!way.Table(listings, &run, &err)) return fail();
  timings::Mark("table");
  return RunTests(opts, opts.processes.value_or(-1), args.gtest, "mprun", std::move(run), way);
}

}  // namespace mprun::runner
