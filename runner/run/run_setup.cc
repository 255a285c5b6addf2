#include "runner/run/run_setup.h"

#include <utility>

#include "core/input/run_history.h"
#include "core/report/gtest_output.h"
#include "runner/run/timings.h"
#include "shm/segment.h"

namespace mprun::runner {

namespace {

constexpr int kUsage = static_cast<int>(core::ExitStatus::kUsage);

// The history, read once for the whole run: the shard split, --list and
// the engine all take it from the spec.
void LoadHistory(const core::Options& opts, EngineSpec* spec) {
  if (opts.no_history) return;
  spec->history.Load(opts.history_path, spec->run, &spec->history_warnings);
  timings::Mark("history read");
}

// A sharded run keeps only its shard's tests, and plans them again.
void NarrowToShard(const core::Options& opts, WayIn& way, EngineSpec* spec) {
  core::RunInfo& run = spec->run;
  const std::vector<uint32_t> keep = SelectShard(
      opts, run, spec->plan, spec->history.Expected(run.tests.size()), &run.shard_basis);
  spec->history.KeepOnly(keep);
  std::vector<core::TestName> mine;
  mine.reserve(keep.size());
  for (uint32_t t : keep) mine.push_back(std::move(run.tests[t]));
  run.tests = std::move(mine);
  way.KeepTests(keep);
  spec->plan = PlanTests(run, opts, way);
}

// --list of a way that launches binaries: the suites a run would keep whole
// for the set-up an earlier run saw (as Engine::ApplyHistory does, over as
// many workers as the run would start).
void KeepLearnedSuites(const core::Options& opts, int processes, EngineSpec* spec) {
  if (!spec->history.loaded() || opts.dist != core::Dist::kAuto) return;
  const size_t tests = spec->run.tests.size();
  std::vector<core::Expectation> expected = spec->history.Expected(tests);
  core::KeepSuitesWithSetUps(&spec->plan, &expected, WorkerCount(processes, tests));
}

// One seed for the whole run, printed by the engine so that it can be given
// back.
uint32_t ShuffleSeed(int random_seed) {
  int seed = random_seed;
  if (seed == 0) seed = static_cast<int>(shm::MonotonicNs() % 99999) + 1;
  return static_cast<uint32_t>(seed);
}

}  // namespace

TestSelector::TestSelector(const GtestFlags& flags)
    : filter_(flags.filter),
      match_all_(flags.filter == "*" || flags.filter.empty()),
      also_run_disabled_(flags.also_run_disabled) {}

bool TestSelector::Runnable(std::string_view suite, std::string_view name) const {
  // A test without a suite is another framework's: DISABLED_ is gtest's.
  return also_run_disabled_ || suite.empty() || !core::IsDisabledTest(suite, name);
}

bool TestSelector::Selects(std::string_view suite, std::string_view name) const {
  if (!Runnable(suite, name)) return false;
  if (match_all_) return true;
  return filter_.Matches(suite.empty() ? std::string(name)
                                       : std::string(suite).append(1, '.').append(name));
}

core::Plan PlanTests(const core::RunInfo& run, const core::Options& opts, const WayIn& way) {
  std::vector<uint32_t> suite_of;
  std::vector<core::SuiteTraits> traits;
  suite_of.reserve(run.tests.size());
  for (uint32_t t = 0; t < run.tests.size(); ++t) {
    if (t == 0 || run.tests[t].binary != run.tests[t - 1].binary ||
        run.tests[t].suite != run.tests[t - 1].suite) {
      traits.push_back(way.SuiteTraitsAt(t));
    }
    suite_of.push_back(static_cast<uint32_t>(traits.size() - 1));
  }
  const std::vector<bool> exclusive = core::MarkMatching(
      opts.exclusive, run.tests.size(), [&run](size_t t) { return run.tests[t].FullName(); });
  return core::MakePlan(suite_of, traits, opts.dist, exclusive);
}

void PrintTestList(FILE* out, const core::RunInfo& run, const core::Plan& plan, int verbosity) {
  const bool verbose = verbosity >= 2;
  for (const core::Unit& u : plan.units) {
    const char* mark = !verbose ? "" : u.exclusive ? " [exclusive]" : u.serial ? " [serial]" : "";
    const bool heading = verbose && u.kept_together;
    // mprun ctest's commands have no suite: a unit of them is one
    // binary of the table, kept together for its lock, fixture or order.
    const core::TestName& first = run.tests[u.first];
    const bool commands = first.suite.empty();
    if (heading) {
      std::fprintf(out, "%s: %u tests kept together (%s)%s\n",
                   commands ? run.binaries[first.binary].c_str() : first.suite.c_str(),
                   u.end - u.first, commands ? "RESOURCE_LOCK, FIXTURES_* or DEPENDS" : u.why,
                   mark);
    }
    for (uint32_t t = u.first; t < u.end; ++t) {
      // A ctest test is known by its name, as `ctest -N` shows it.
      if (run.binaries.size() > 1 && run.tests[t].ctest_name.empty()) {
        std::fprintf(out, "%s: ", run.binaries[run.tests[t].binary].c_str());
      }
      std::fprintf(out, "%s%s%s\n", heading ? "  " : "", run.tests[t].FullName().c_str(),
                   heading ? "" : mark);
    }
  }
}

int RunTests(const core::Options& opts, int processes, const GtestFlags& flags,
             const std::string& output_name, core::RunInfo run, WayIn& way) {
  EngineSpec spec;
  spec.run = std::move(run);
  spec.plan = PlanTests(spec.run, opts, way);
  timings::Mark("plan");
  LoadHistory(opts, &spec);
  if (opts.shard.total > 0) NarrowToShard(opts, way, &spec);
  if (opts.list) {
    if (way.Launches()) KeepLearnedSuites(opts, processes, &spec);
    PrintTestList(stdout, spec.run, spec.plan, opts.verbosity);
    return 0;
  }
  std::string err;
  if (!flags.output.empty() &&
      !core::ParseGtestOutput(flags.output, output_name, &spec.gtest_output_format,
                              &spec.gtest_output_path, &err)) {
    std::fprintf(stderr, "mprun: error: %s\n", err.c_str());
    return kUsage;
  }
  if (flags.shuffle) spec.shuffle_seed = ShuffleSeed(flags.random_seed);
  spec.repeat = flags.repeat;
  spec.fail_fast = flags.fail_fast;
  spec.brief = flags.brief;
  way.Prepare(spec.run, &spec);
  if (opts.timings) timings::Enable();
  const int status = RunEngine(opts, processes, spec);
  timings::Mark("end");
  timings::Print(stderr);
  return status;
}

}  // namespace mprun::runner
