#include "runner/worker/gtest_executor.h"

#include <cstdlib>
#include <cstring>
#include <functional>
#include <span>
#include <string>
#include <unordered_map>

#if MPRUN_GTEST_DIRECT
#include "runner/worker/gtest_access.h"
#endif

namespace mprun::runner {

namespace {

using core::Outcome;
constexpr uint32_t kNone = UINT32_MAX;

std::string DescribeParts(const testing::TestResult& result, int from = 0) {
  std::string text;
  for (int i = from; i < result.total_part_count(); ++i) {
    const testing::TestPartResult& p = result.GetTestPartResult(i);
    if (p.type() == testing::TestPartResult::kSuccess) continue;
    // The location as gtest's own reports write it.
    if (p.file_name() == nullptr) {
      text += "unknown file";
    } else {
      text += p.file_name();
      if (p.line_number() >= 0) text += ":" + std::to_string(p.line_number());
    }
    text += ": ";
    text += p.skipped() ? "Skipped\n" : "Failure\n";
    text += p.message();
    if (!text.empty() && text.back() != '\n') text += '\n';
  }
  return text;
}

bool AnyFailed(const testing::TestResult& result, int from) {
  for (int i = from; i < result.total_part_count(); ++i) {
    if (result.GetTestPartResult(i).failed()) return true;
  }
  return false;
}

// Environment failures (fatal or skip) decide every test of this worker.
bool EnvironmentBroken(std::string* why) {
  const testing::TestResult& env = testing::UnitTest::GetInstance()->ad_hoc_test_result();
  if (!AnyFailed(env, 0)) return false;
  *why = "a global test environment's SetUp() failed in this worker:\n" + DescribeParts(env);
  return true;
}

// Turns GoogleTest's events into WorkerRuntime calls; identical for both
// executors. Tests it does not know (the hidden loop test) are ignored.
class WorkerListener : public testing::EmptyTestEventListener {
 public:
  WorkerListener(WorkerRuntime& runtime, const GtestTests& tests)
      : runtime_(runtime), index_(tests.index), reported_(tests.tests.size(), false) {}

  void OnTestSuiteStart(const testing::TestSuite&) override {
    setup_parts_ = -1;
    last_test_ = kNone;
    // SetUpTestSuite runs next: a death there is blamed on the suite's
    // first test of this batch.
    if (next_expected_ < expected_.size()) runtime_.SuiteSetUp(expected_[next_expected_]);
  }

  // The direct executor says which tests it is about to run, in order, so
  // that the common case needs no lookup.
  void ExpectGroup(const GtestTest* tests, std::span<const uint32_t> group) {
    expected_tests_ = tests;
    expected_ = group;
    next_expected_ = 0;
  }

  void OnTestStart(const testing::TestInfo& info) override {
    uint32_t index;
    if (next_expected_ < expected_.size() &&
        expected_tests_[expected_[next_expected_]].info == &info) {
      index = expected_[next_expected_++];
    } else {
      const auto it = index_.find(&info);
      if (it == index_.end()) return;
      index = it->second;
    }
    if (setup_parts_ < 0) {  // first test: SetUpTestSuite is behind us
      const testing::TestSuite* suite = testing::UnitTest::GetInstance()->current_test_suite();
      setup_parts_ = suite ? suite->ad_hoc_test_result().total_part_count() : 0;
    }
    current_ = index;
    runtime_.TestStarted(current_);
  }

  void OnTestEnd(const testing::TestInfo& info) override {
    (void)info;
    if (current_ == kNone) return;
    const testing::TestResult& result = *info.result();
    Outcome outcome = result.Failed()    ? Outcome::kFailed
                      : result.Skipped() ? Outcome::kSkipped
                                         : Outcome::kPassed;
    std::string message = DescribeParts(result);
    const testing::TestSuite* suite = testing::UnitTest::GetInstance()->current_test_suite();
    std::string environment_failure;
    if (outcome == Outcome::kSkipped && EnvironmentBroken(&environment_failure)) {
      // gtest skips every test after a global environment's SetUp failed
      // (the filter executor meets this per batch).
      outcome = Outcome::kFailed;
      message = environment_failure;
    } else if (outcome == Outcome::kSkipped && suite != nullptr &&
               AnyFailed(suite->ad_hoc_test_result(), 0)) {
      // gtest skips the tests of a suite whose SetUpTestSuite failed; that
      // is a failure of each of them, not a skip.
      outcome = Outcome::kFailed;
      message = "SetUpTestSuite() of " + std::string(suite->name()) + " failed:\n" +
                DescribeParts(suite->ad_hoc_test_result());
    }
    runtime_.TestFinished(current_, outcome, message);
    reported_[current_] = true;
    last_test_ = current_;
    current_ = kNone;
    if (after_each_test_) after_each_test_();
  }

  // Called after each test's end (the direct executor starts the next one).
  void AfterEachTest(std::function<void()> fn) { after_each_test_ = std::move(fn); }

  void OnTestSuiteEnd(const testing::TestSuite& suite) override {
    // Failures recorded after the first test started came from
    // TearDownTestSuite: the run fails, with the suite named.
    if (last_test_ == kNone || setup_parts_ < 0) return;
    if (AnyFailed(suite.ad_hoc_test_result(), setup_parts_)) {
      runtime_.RunError(last_test_, "TearDownTestSuite() of " + std::string(suite.name()) +
                                        " failed:\n" +
                                        DescribeParts(suite.ad_hoc_test_result(), setup_parts_));
    }
  }

  // Tests of `batch` that GoogleTest never ran get a result all the same, so
  // that the worker does not end with claimed tests the supervisor would
  // hand out again forever.
  void ReportUnrun(std::span<const uint32_t> batch, const std::string& why) {
    for (uint32_t t : batch) {
      if (reported_[t]) continue;
      runtime_.TestStarted(t);
      runtime_.TestFinished(t, Outcome::kFailed, why);
      reported_[t] = true;
    }
  }

 private:
  WorkerRuntime& runtime_;
  const std::unordered_map<const testing::TestInfo*, uint32_t>& index_;
  const GtestTest* expected_tests_ = nullptr;
  std::span<const uint32_t> expected_;
  size_t next_expected_ = 0;
  std::vector<bool> reported_;
  uint32_t current_ = kNone;
  uint32_t last_test_ = kNone;
  int setup_parts_ = -1;
  std::function<void()> after_each_test_;
};

void PrepareGtestForWorker(WorkerListener* listener) {
  testing::TestEventListeners& listeners = testing::UnitTest::GetInstance()->listeners();
  delete listeners.Release(listeners.default_result_printer());
  delete listeners.Release(listeners.default_xml_generator());
  listeners.Append(listener);
  // The supervisor owns repetition, shuffling and fail-fast across the run.
  GTEST_FLAG_SET(repeat, 1);
  GTEST_FLAG_SET(shuffle, false);
  GTEST_FLAG_SET(fail_fast, false);
  GTEST_FLAG_SET(list_tests, false);
}

std::string UnrunMessage() {
  return "GoogleTest did not run this test in its worker (its filter or environment left it out)";
}

// Calls fn on each run of `batch` (table order) that belongs to one suite.
template <typename Fn>
void ForEachSuiteGroup(const std::vector<GtestTest>& tests, std::span<const uint32_t> batch,
                       Fn fn) {
  for (size_t begin = 0; begin < batch.size();) {
    size_t end = begin + 1;
    while (end < batch.size() && tests[batch[end]].suite == tests[batch[begin]].suite) ++end;
    fn(batch.subspan(begin, end - begin));
    begin = end;
  }
}

void RunFilterWorker(const std::vector<GtestTest>& tests, WorkerRuntime& runtime,
                     WorkerListener* listener) {
  std::vector<uint32_t> batch;
  std::vector<uint32_t> group;
  for (;;) {
    runtime.NextBatch(&batch);
    if (batch.empty()) break;
    // One RUN_ALL_TESTS per suite, each group started just before it runs:
    // while a long test runs, the supervisor may hand the later groups of
    // the batch to another worker. (Within a group gtest runs all it was
    // given; a RUN_ALL_TESTS per test would cost O(all tests) each.)
    ForEachSuiteGroup(tests, batch, [&](std::span<const uint32_t> g) {
      group.assign(g.begin(), g.end());
      runtime.StartTests(&group);
      if (group.empty()) return;
      std::string filter;
      for (uint32_t t : group) {
        if (!filter.empty()) filter += ':';
        filter += std::string(tests[t].info->test_suite_name()) + "." + tests[t].info->name();
      }
      GTEST_FLAG_SET(filter, filter);
      runtime.EnvironmentSetUp(group.front());
      listener->ExpectGroup(tests.data(), group);            // RUN_ALL_TESTS: table order
      [[maybe_unused]] const int ignored = RUN_ALL_TESTS();  // outcomes come from the listener
      listener->ExpectGroup(nullptr, {});
      std::string why;
      listener->ReportUnrun(group, EnvironmentBroken(&why) ? why : UnrunMessage());
    });
    runtime.Idle();
  }
}

#if MPRUN_GTEST_DIRECT
using namespace gtest_access;

// Runs `group` (tests of one suite, table order) through the suite's own
// Run(), with its test list set to the group for the call. Returns the tests
// that ran (were started) in `started`.
//
// A suite kept whole (a unit) is started in one go. Tests of a split suite
// are started one by one, each as the one before it ends: while a long test
// runs, the supervisor may hand the rest to another worker, and a test taken
// back is switched off before gtest reaches it.
void RunGroup(const std::vector<GtestTest>& tests, std::span<const uint32_t> group,
              WorkerRuntime& runtime, WorkerListener* listener, std::vector<uint32_t>* started) {
  started->clear();
  const bool whole = runtime.InUnit(group.front());
  if (whole) {
    started->assign(group.begin(), group.end());
    runtime.StartTests(started);
    if (started->empty()) return;
    group = *started;
  }
  testing::TestSuite* suite = tests[group.front()].suite;
  // The suite's lists are empty in a worker (RunDirectWorker); they hold
  // the group for the call.
  std::vector<testing::TestInfo*>& list = suite->*Get(SuiteTests{});
  std::vector<int>& indices = suite->*Get(SuiteIndices{});
  for (uint32_t t : group) {
    indices.push_back(static_cast<int>(list.size()));
    list.push_back(tests[t].info);
    tests[t].info->*Get(InfoShouldRun{}) = true;
  }
  size_t next = 0;
  auto start_next = [&] {
    while (next < group.size()) {
      const uint32_t t = group[next++];
      if (runtime.StartTest(t)) {
        started->push_back(t);
        return;
      }
      tests[t].info->*Get(InfoShouldRun{}) = false;
    }
  };
  if (!whole) {
    start_next();
    listener->AfterEachTest(start_next);
  }
  if (!started->empty()) {
    suite->*Get(SuiteShouldRun{}) = true;
    (suite->*Get(SuiteClearResult{}))();  // this worker may have run the suite before
    runtime.SuiteSetUp(started->front());
    listener->ExpectGroup(tests.data(), group);
    (suite->*Get(SuiteRun{}))();
    listener->ExpectGroup(nullptr, {});
    suite->*Get(SuiteShouldRun{}) = false;
  }
  listener->AfterEachTest(nullptr);
  for (uint32_t t : group) tests[t].info->*Get(InfoShouldRun{}) = false;
  list.clear();
  indices.clear();
  runtime.Idle();
}

class LoopEnvironment : public testing::Environment {
 public:
  LoopEnvironment(const std::vector<GtestTest>& tests, WorkerRuntime& runtime,
                  WorkerListener* listener, testing::TestInfo* hidden)
      : tests_(tests), runtime_(runtime), listener_(listener), hidden_(hidden) {}

  void SetUp() override {
    std::string broken;
    const bool env_broken = EnvironmentBroken(&broken);
    std::vector<uint32_t> batch;
    for (;;) {
      runtime_.NextBatch(&batch);
      if (batch.empty()) break;
      std::vector<uint32_t> started;
      std::vector<uint32_t> ran;
      ForEachSuiteGroup(tests_, batch, [&](std::span<const uint32_t> group) {
        if (env_broken) {
          ran.assign(group.begin(), group.end());
          runtime_.StartTests(&ran);
        } else {
          RunGroup(tests_, group, runtime_, listener_, &ran);
        }
        started.insert(started.end(), ran.begin(), ran.end());
      });
      listener_->ReportUnrun(started, env_broken ? broken : UnrunMessage());
      runtime_.Idle();
    }
    // The hidden test has served its purpose: gtest must not run it, so that
    // the binary's own listeners see only its own tests.
    hidden_->*Get(InfoShouldRun{}) = false;
    testing::UnitTest* unit = testing::UnitTest::GetInstance();
    for (int i = 0; i < unit->total_test_suite_count(); ++i) {
      auto* suite = const_cast<testing::TestSuite*>(unit->GetTestSuite(i));
      if (std::strcmp(suite->name(), hidden_->test_suite_name()) == 0) {
        suite->*Get(SuiteShouldRun{}) = false;
      }
    }
  }

 private:
  const std::vector<GtestTest>& tests_;
  WorkerRuntime& runtime_;
  WorkerListener* listener_;
  testing::TestInfo* hidden_;
};

class HiddenLoopTest : public testing::Test {
  void TestBody() override {}
};

void RunDirectWorker(const std::vector<GtestTest>& tests, WorkerRuntime& runtime,
                     WorkerListener* listener) {
  // RUN_ALL_TESTS walks every test to filter and clear it, writing to each
  // TestInfo: in a forked worker that copies every page of them (measured:
  // 4 page faults per test at 10,000 tests, most of the run's cost). The
  // suites' lists are emptied first; RunGroup fills them per batch.
  // The lists are moved aside, not freed: free() would write to (and so
  // copy) the heap pages they live on.
  testing::UnitTest* unit = testing::UnitTest::GetInstance();
  static auto* parked =
      new std::vector<std::pair<std::vector<testing::TestInfo*>, std::vector<int>>>;
  parked->reserve(static_cast<size_t>(unit->total_test_suite_count()));
  for (int i = 0; i < unit->total_test_suite_count(); ++i) {
    auto* suite = const_cast<testing::TestSuite*>(unit->GetTestSuite(i));
    parked->emplace_back(std::move(suite->*Get(SuiteTests{})),
                         std::move(suite->*Get(SuiteIndices{})));
  }
  // RUN_ALL_TESTS once, filtered to a hidden test, so that GoogleTest sets up
  // (and later tears down) the global environments once for this worker;
  // the work loop runs as the last environment's SetUp.
  testing::TestInfo* hidden =
      testing::RegisterTest("MprunWorkerLoop", "Run", nullptr, nullptr, __FILE__, __LINE__,
                            []() -> HiddenLoopTest* { return new HiddenLoopTest; });
  GTEST_FLAG_SET(filter, "MprunWorkerLoop.Run");
  testing::AddGlobalTestEnvironment(new LoopEnvironment(tests, runtime, listener, hidden));
  [[maybe_unused]] const int ignored = RUN_ALL_TESTS();  // outcomes come from the listener
}
#endif  // MPRUN_GTEST_DIRECT

}  // namespace

GtestTests SelectGtestTests(
    const std::function<bool(std::string_view suite, std::string_view name)>& selects) {
  testing::UnitTest* unit = testing::UnitTest::GetInstance();
  GtestTests selected;
  std::vector<GtestTest>& out = selected.tests;
  out.reserve(static_cast<size_t>(unit->total_test_count()));
  for (int i = 0; i < unit->total_test_suite_count(); ++i) {
    auto* suite = const_cast<testing::TestSuite*>(unit->GetTestSuite(i));
    for (int j = 0; j < suite->total_test_count(); ++j) {
      auto* info = const_cast<testing::TestInfo*>(suite->GetTestInfo(j));
      if (selects(suite->name(), info->name())) out.push_back({suite, info});
    }
  }
  selected.index.reserve(out.size());
  for (uint32_t i = 0; i < out.size(); ++i) selected.index.emplace(out[i].info, i);
  return selected;
}

bool SuiteHasFixtures(const testing::TestSuite* suite) {
#if MPRUN_GTEST_DIRECT
  using namespace gtest_access;
  auto* s = const_cast<testing::TestSuite*>(suite);
  return s->*Get(SuiteSetUpFn{}) != nullptr || s->*Get(SuiteTearDownFn{}) != nullptr;
#else
  (void)suite;
  return false;
#endif
}

bool UseDirectExecutor() {
#if MPRUN_GTEST_DIRECT
  const char* e = std::getenv("MPRUN_EXECUTOR");
  return e == nullptr || std::strcmp(e, "filter") != 0;
#else
  return false;
#endif
}

void RunGtestWorker(const GtestTests& selected, WorkerRuntime& runtime, bool direct) {
  const std::vector<GtestTest>& tests = selected.tests;
  auto* listener = new WorkerListener(runtime, selected);  // owned by gtest's listener list
  PrepareGtestForWorker(listener);
#if MPRUN_GTEST_DIRECT
  if (direct) {
    RunDirectWorker(tests, runtime, listener);
    runtime.Idle();
    return;
  }
#else
  (void)direct;
#endif
  RunFilterWorker(tests, runtime, listener);
  runtime.Idle();
}

}  // namespace mprun::runner
