// History: what earlier runs learned about each test — recent durations,
// the last outcome, how often it was flaky — so that placement can put the
// long and the recently failed tests first (core/rules/plan.h). Supervisor only.
//
// A JSON file, one section per test binary (by file name, so the same
// binary wherever it is run from):
//   {"format": "mprun-history", "version": 1, "binaries": {"unit_tests":
//     {"tests": ["Suite.Name", ...], "durations_us": [[12, 15, ...], ...],
//      "last_outcomes": ["passed", ...], "flaky_counts": [0, ...],
//      "suite_set_ups_us": [0, 52000, ...]}}}
// ("suite_set_ups_us", optional: only where one is not 0, is what driver
// mode last saw of the suite's SetUpTestSuite before that test, when the
// test began its suite in a launch; files without it read as all 0.)
// Columns rather than objects per test: half the size to read. Written once
// per run through a temporary file and rename(2): concurrent runs never leave
// a torn file, and the last writer wins (merging with the file as it finds
// it just before writing; the other binaries' sections are copied through
// as they are). A missing file is an empty history; a corrupt, foreign or
// newer one is ignored with a warning, never an error.
//
// It is on every run's critical path, and on a machine where a page fault
// costs microseconds, memory touched is time: the file is parsed by events
// into one small entry per test (no document tree, no copies of the other
// binaries' sections), this run's tests are matched to it by position
// (falling back to a hash only when the suite changed), and the new file is
// streamed out.
#ifndef MPRUN_CORE_INPUT_HISTORY_FILE_H_
#define MPRUN_CORE_INPUT_HISTORY_FILE_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/outcome.h"
#include "core/results.h"

namespace mprun::core {

struct TestHistory {
  std::vector<uint32_t> durations_us;  // the last History::kKeep, oldest first
  Outcome last_outcome = Outcome::kNotRun;
  uint32_t flaky_count = 0;
  // How long its suite's SetUpTestSuite took before it when it was last
  // seen to begin its suite (driver mode); 0 if never.
  uint32_t suite_set_up_us = 0;
  // Median of the recent durations: robust to the odd slow run. 0 if none.
  double EstimateMs() const;
  // The longest of the recent durations (for the automatic time limit),
  // leaving out the last one after a timeout: that one is the limit, not the
  // test's duration, and would let a hang raise its own limit run by run.
  // 0 if none.
  double LongestMs() const;
};

class History {
 public:
  static constexpr int kVersion = 1;
  static constexpr size_t kKeep = 8;

  // One section of the file: the tests of a binary, by its file name.
  struct Binary {
    std::string name;  // a path or a file name: its file name names the section
    const std::vector<TestName>* tests = nullptr;  // must outlive the History
  };

  History();
  History(History&&) noexcept;
  History& operator=(History&&) noexcept;
  ~History();

  // What `path` says about this run's tests of each of `binaries` (of
  // distinct file names), read once however many there are. Never fails:
  // what cannot be read is reported in `warning` (empty when the file was
  // fine or absent) and the history starts empty.
  static History Load(const std::string& path, const std::vector<Binary>& binaries,
                      std::string* warning);
  // One binary's.
  static History Load(const std::string& path, const std::string& binary,
                      const std::vector<TestName>* tests, std::string* warning) {
    return Load(path, {{binary, tests}}, warning);
  }
  // Merges this run's records of every binary into what `path` holds now
  // and writes it atomically, once (creating the directory). False with
  // `err` on failure.
  bool Save(const std::string& path, std::string* err) const;

  // What earlier runs said about the test `test` of binaries[binary];
  // false if it was never seen.
  bool Find(size_t binary, size_t test, TestHistory* out) const;
  bool Find(size_t test, TestHistory* out) const { return Find(0, test, out); }
  // This run's result for that test (again with --gtest_repeat).
  // `suite_set_up_ms`: what this run saw of its suite's SetUpTestSuite
  // before it (TestHistory::suite_set_up_us), -1 for nothing seen (the
  // file's figure stays).
  void Record(size_t binary, size_t test, double duration_ms, Outcome outcome, bool flaky,
              double suite_set_up_ms = -1);
  void Record(size_t test, double duration_ms, Outcome outcome, bool flaky) {
    Record(0, test, duration_ms, outcome, flaky);
  }
  // How many tests of binaries[binary] the file knew.
  size_t size(size_t binary = 0) const;

  // The parsed file; opaque outside history.cc.
  struct File;

 private:
  struct Recorded {
    std::array<uint32_t, kKeep> durations_us{};  // oldest first
    uint8_t durations = 0;
    bool any = false;
    Outcome outcome = Outcome::kNotRun;
    uint32_t flaky = 0;
    int64_t suite_set_up_us = -1;  // -1: not seen this run
  };
  struct Section {
    std::string binary;  // its file name
    const std::vector<TestName>* tests = nullptr;
    std::vector<Recorded> recorded;  // by test; empty until the first Record
  };
  class Writer;  // streams the merged file out (history.cc)
  // The file at `path` as it is now, parsed and matched (in `reread` when
  // it is not the one loaded); null when it is absent or unreadable.
  const File* Current(const std::string& path, std::unique_ptr<File>* reread) const;
  // A fresh parse of `text` for this history's sections; false with `why`.
  bool ParseFile(File* file, std::string* why) const;

  std::vector<Section> sections_;
  std::unique_ptr<File> file_;
};

}  // namespace mprun::core

#endif  // MPRUN_CORE_INPUT_HISTORY_FILE_H_
