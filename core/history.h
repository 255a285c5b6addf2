// History: what earlier runs learned about each test — recent durations,
// the last outcome, how often it was flaky — so that placement can put the
// long and the recently failed tests first (core/plan.h). Supervisor only.
//
// A JSON file written with cereal ("format": "mprun-history", "version"),
// once per run, through a temporary file and rename(2): concurrent runs
// never leave a torn file, and the last writer wins (it merges with the file
// as it finds it just before writing). A missing file is an empty history; a
// corrupt, foreign or newer one is ignored with a warning, never an error.
#ifndef MPRUN_CORE_HISTORY_H_
#define MPRUN_CORE_HISTORY_H_

#include <map>
#include <string>
#include <vector>

#include "core/outcome.h"

namespace mprun::core {

struct TestHistory {
  std::vector<double> durations_ms;  // the last kKeep, oldest first
  std::string last_outcome;          // OutcomeName
  uint32_t flaky_count = 0;
  // Median of the recent durations: robust to the odd slow run. 0 if none.
  double EstimateMs() const;
};

class History {
 public:
  static constexpr int kVersion = 1;
  static constexpr size_t kKeep = 10;

  // Never fails: what cannot be read is reported in `warning` (empty when
  // the file was fine or absent) and the history starts empty.
  static History Load(const std::string& path, std::string* warning);
  // Merges into what `path` holds now and writes atomically (creating the
  // directory). False with `err` when it cannot be written.
  bool Save(const std::string& path, std::string* err) const;

  const TestHistory* Find(const std::string& key) const;
  void Record(const std::string& key, double duration_ms, Outcome outcome, bool flaky);
  size_t size() const { return tests_.size(); }

  // What the JSON holds; public for serialisation.
  std::map<std::string, TestHistory> tests_;
  std::map<std::string, TestHistory> recorded_;  // this run's, merged on Save
};

// "binary-file-name::Suite.Test": the same test wherever the binary is run from.
std::string HistoryKey(const std::string& binary, const std::string& test);

}  // namespace mprun::core

#endif  // MPRUN_CORE_HISTORY_H_
