// TestFramework: what mprun must know of a test framework to run its
// binaries unmodified (driver mode, mprun ctest): how a program file is
// recognised as one of its binaries (from the file, never by running it
// with another framework's flag), how a binary lists its tests, how one
// launch is asked to run exactly a batch of them, and how the launch's
// output stream becomes per-test events: started, output, outcome, and the
// test a death is blamed on.
//
// GoogleTest (googletest.cc), Catch2 v2 and v3 (catch2.cc) and doctest
// (doctest.cc) implement it;
// nothing else in the runner names a framework's flags. A binary of each
// may sit in one run. Recognising and listing happen in the supervisor
// process before any fork; launching and following in worker processes.
#ifndef MPRUN_RUNNER_FRAMEWORK_TEST_FRAMEWORK_H_
#define MPRUN_RUNNER_FRAMEWORK_TEST_FRAMEWORK_H_

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/input/gtest_list.h"
#include "core/outcome.h"

namespace mprun::runner {

// Where a follower sends what it read of a launch, in the order it happened.
class FollowerSink {
 public:
  virtual ~FollowerSink() = default;
  virtual void TestStarted(uint32_t test) = 0;
  // Between tests, a suite's heading, printed before the suite's set-up
  // (GoogleTest: `[----------] 3 tests from S`): the next test is the
  // suite's first.
  virtual void SuiteHeading() {}
  // `reported_ms`: the duration the framework printed for it, or -1.
  virtual void TestFinished(uint32_t test, core::Outcome outcome, const std::string& message,
                            int signal, int64_t reported_ms) = 0;
  // Output of the current test (the worker's output file).
  virtual void Write(std::string_view text) = 0;
};

// One launch's output stream (stdout and stderr in one pipe), followed for
// the tests of the launch's group: a parser of outside input, fuzzed.
class StreamFollower {
 public:
  virtual ~StreamFollower() = default;
  // A chunk read from the pipe (any size, lines split anywhere).
  virtual void Feed(std::string_view chunk) = 0;
  // The pipe closed: the last line, if it had no newline.
  virtual void Close() = 0;
  // The child has ended (`end`): the test it was in (if any) crashed, with
  // `note` (why mprun killed it) if there is one. True when there was one.
  virtual bool Ended(const core::ProcessEnd& end, std::string_view note) = 0;
  // The tests of the group that were never started.
  virtual std::vector<uint32_t> Unstarted() const = 0;
  virtual bool ran_any() const = 0;
  // What the child printed outside tests (its tail): why a binary that died
  // before any test did.
  virtual const std::string& stray() const = 0;
};

// One item of a launch's selection: a test, or every test of its suite
// (`whole_suite`, GoogleTest's "Suite.*").
struct Selected {
  std::string suite;  // "" for a framework without suites
  std::string name;   // "" with whole_suite
  bool whole_suite = false;
  // How the table and the followers name it: "Suite.Name", or the name.
  std::string FullName() const { return suite.empty() ? name : suite + "." + name; }
};

class TestFramework {
 public:
  virtual ~TestFramework() = default;
  virtual const char* name() const = 0;
  // Whether `program`, the bytes of a program file, is one of this
  // framework's binaries. A false yes would make mprun ask a program that
  // ignores unknown flags to list its tests, so only what the framework's
  // own code holds counts.
  virtual bool Recognises(std::string_view program) const = 0;

  // The arguments after the program that make it list its tests; how
  // errors name that listing, and what they add to a bad exit status.
  virtual std::vector<std::string> ListArgs() const = 0;
  virtual std::string ListingName() const = 0;
  virtual std::string NotABinaryHint() const = 0;
  // Whether its listing exits with a count rather than 0 (Catch2 v2): then
  // only a signal or a listing that does not parse is a failed listing.
  virtual bool ListingExitIsACount() const { return false; }
  // Whether a launch whose tests all ended (`all_skipped`: each was
  // skipped) says by its exit status `code` that the program failed: any
  // status but 0, as GoogleTest and doctest say it after a failed test.
  virtual bool ExitSaysFailed(int code, bool all_skipped) const {
    (void)all_skipped;
    return code != 0;
  }
  // Whether a launch can name a whole suite with "Suite.*" (GoogleTest).
  virtual bool NamesWholeSuites() const { return false; }
  // The longest selection (the selectors' bytes, one more each) one launch
  // can be given; 0: no limit. A longer batch is launched in parts, one
  // after another.
  virtual size_t MaxSelectionBytes() const { return 0; }
  // The listing as tests, in the order the binary runs them; false with
  // `err` when `text` is not one.
  virtual bool ParseListing(std::string_view text, std::vector<core::ListedTest>* out,
                            std::string* err) const = 0;

  // The arguments after the program that make one launch run exactly
  // `selected` (tests by suite and name as the listing gave them; a whole
  // suite where NamesWholeSuites), plus the disabled tests they name when
  // `also_run_disabled`. A selection too long for one argument goes into a
  // file in `scratch_dir`, named in `*file` for the caller to remove after
  // the launch; false with `err` when it cannot be written.
  virtual bool LaunchArgs(const std::vector<Selected>& selected, bool also_run_disabled,
                          const std::string& scratch_dir, std::vector<std::string>* args,
                          std::string* file, std::string* err) const = 0;
  // What a command line (the arguments after the program, as a ctest test
  // gives them) asks of one of its binaries: one test (`*test`, as its
  // listing names it: gtest_discover_tests', catch_discover_tests'), the
  // whole binary, or something mprun must run as it is (a pattern, several
  // tests, a flag that changes what runs or how it reports). `*rest`: the
  // arguments besides the test's selection, for every launch.
  enum class Asks { kOneTest, kWholeBinary, kAsItIs };
  virtual Asks ReadCommand(const std::vector<std::string>& args, core::ListedTest* test,
                           std::vector<std::string>* rest) const = 0;

  // A follower of one launch running `group` (in table order), whose full
  // names are `names`. `group` must outlive it.
  virtual std::unique_ptr<StreamFollower> Follow(FollowerSink& sink,
                                                 const std::vector<uint32_t>& group,
                                                 std::vector<std::string> names) const = 0;
};

// Whether `bytes` are an ELF file holding every one of `strings` (how each
// framework recognises its binaries: from their own code's strings).
bool ElfHolding(std::string_view bytes, std::initializer_list<std::string_view> strings);

const TestFramework& GoogleTestFramework();
const TestFramework& Catch2Framework();  // v2
const TestFramework& Catch2V3Framework();
const TestFramework& DoctestFramework();

// The framework whose binary the program file at `path` is; null when it
// is none mprun knows, or cannot be read.
const TestFramework* FrameworkOfFile(const std::string& path);
// For a file FrameworkOfFile knows none of: the framework family it shows
// signs of ("Catch2", "doctest": a version mprun does not know), or "".
std::string UnknownFrameworkOfFile(const std::string& path);

}  // namespace mprun::runner

#endif  // MPRUN_RUNNER_FRAMEWORK_TEST_FRAMEWORK_H_
