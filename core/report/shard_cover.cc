#include "core/report/shard_cover.h"

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <tuple>
#include <unordered_set>

namespace mprun::core {

namespace {

std::string FileName(const std::string& path) { return path.substr(path.rfind('/') + 1); }

// The inputs one report's split came from, to group reports that agree.
struct Inputs {
  uint64_t selected;
  std::string tests_digest, costs_digest;
  bool SameList(const Inputs& o) const {
    return selected == o.selected && tests_digest == o.tests_digest;
  }
  bool operator<(const Inputs& o) const {
    return std::tie(selected, tests_digest, costs_digest) <
           std::tie(o.selected, o.tests_digest, o.costs_digest);
  }
};

std::string Who(const CoverReport& r) { return r.shard > 0 ? std::to_string(r.shard) : r.path; }

// "shard 3 differs from shard 1 in its history" / "shards 3, 4 differ ...".
std::string Differ(const std::vector<std::string>& who, const std::string& from,
                   const std::string& what) {
  std::string s = who.size() == 1 ? "shard " : "shards ";
  for (size_t i = 0; i < who.size(); ++i) s += (i ? ", " : "") + who[i];
  if (!from.empty())
    s += who.size() == 1 ? " differs from shard " + from : " differ from shard " + from;
  return s + (who.size() == 1 ? " in its " : " in their ") + what;
}

// One line when the reports' bases disagree, else "". The reference is the
// basis most reports share (ties: the first), so that one odd shard out is
// the one named.
std::string DifferentInputs(const std::vector<CoverReport>& reports) {
  std::map<Inputs, size_t> votes;
  std::vector<const CoverReport*> with;
  for (const CoverReport& r : reports) {
    if (!r.has_basis) continue;
    with.push_back(&r);
    ++votes[{r.selected, r.tests_digest, r.costs_digest}];
  }
  if (votes.size() <= 1) return "";
  const CoverReport* ref = nullptr;
  size_t best = 0;
  for (const CoverReport* r : with) {
    const size_t v = votes[{r->selected, r->tests_digest, r->costs_digest}];
    if (v > best) best = v, ref = r;
  }
  const Inputs mine = {ref->selected, ref->tests_digest, ref->costs_digest};
  std::vector<std::string> history, list;
  for (const CoverReport* r : with) {
    const Inputs theirs = {r->selected, r->tests_digest, r->costs_digest};
    if (!theirs.SameList(mine)) {
      list.push_back(Who(*r));
    } else if (theirs.costs_digest != mine.costs_digest) {
      history.push_back(Who(*r));
    }
  }
  std::string line = "the shards were computed from different inputs: ";
  if (!history.empty()) line += Differ(history, Who(*ref), "history");
  if (!list.empty()) {
    line += history.empty() ? Differ(list, Who(*ref), "test list")
                            : "; " + Differ(list, "", "test list");
  }
  return line + " (every shard of a run must see the same tests and history)";
}

}  // namespace

std::string ShardKey(const std::string& binary_file, const TestName& test) {
  std::string key;
  key.reserve(binary_file.size() + test.suite.size() + test.name.size() + 2);
  return key.append(binary_file).append(1, '/').append(test.suite).append(1, '.').append(test.name);
}

void Digest::Add(const std::string& text) {
  for (unsigned char c : text) h_ = (h_ ^ c) * 1099511628211ull;
  h_ = (h_ ^ '\n') * 1099511628211ull;  // "ab","c" and "a","bc" differ
}

std::string Digest::Hex() const {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016" PRIx64, h_);
  return buf;
}

ShardBasis MakeShardBasis(const RunInfo& run, const std::vector<Expectation>& expected) {
  ShardBasis b;
  for (const std::string& path : run.binaries) b.binaries.push_back(FileName(path));
  b.tests = run.tests;
  Digest tests, costs;
  bool any_cost = false;
  for (size_t t = 0; t < run.tests.size(); ++t) {
    tests.Add(ShardKey(b.binaries[run.tests[t].binary], run.tests[t]));
    const double ms = t < expected.size() ? expected[t].cost_ms : 0;
    any_cost = any_cost || ms > 0;
    // Whole microseconds: what the history holds, printed the same everywhere.
    costs.Add(std::to_string(std::llround(ms * 1e3)));
  }
  b.tests_digest = tests.Hex();
  if (any_cost) b.costs_digest = costs.Hex();
  return b;
}

std::string WithThousands(uint64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string NameSome(const std::vector<std::string>& names, uint64_t total, size_t max_named) {
  std::string s;
  const size_t shown = std::min(names.size(), max_named);
  for (size_t i = 0; i < shown; ++i) s += (i ? ", " : "") + names[i];
  if (total > shown) s += " (and " + WithThousands(total - shown) + " more)";
  return s;
}

std::vector<std::string> CheckCover(const std::vector<CoverReport>& reports, size_t max_named) {
  std::vector<std::string> errors;
  if (std::string line = DifferentInputs(reports); !line.empty()) errors.push_back(line);
  // Names without their binary when there is only one.
  std::set<std::string> files;
  for (const CoverReport& r : reports) {
    for (const auto& [key, iteration] : r.ran) files.insert(key.substr(0, key.find('/')));
    for (const std::string& key : r.selected_keys) files.insert(key.substr(0, key.find('/')));
  }
  auto shown = [&files](const std::string& key) {
    return files.size() <= 1 ? key.substr(key.find('/') + 1) : key;
  };

  std::unordered_set<std::string> ran;
  std::set<std::pair<std::string, uint32_t>> seen;
  std::vector<std::string> twice;
  uint64_t twice_count = 0;
  for (const CoverReport& r : reports) {
    for (const auto& test : r.ran) {
      ran.insert(test.first);
      if (seen.insert(test).second) continue;
      if (twice.size() < max_named) twice.push_back(shown(test.first));
      ++twice_count;
    }
  }
  if (twice_count > 0) {
    errors.push_back(WithThousands(twice_count) + (twice_count == 1 ? " test is" : " tests are") +
                     " reported twice: " + NameSome(twice, twice_count, max_named));
  }

  std::unordered_set<std::string> listed;
  std::vector<std::string> dropped;
  uint64_t dropped_count = 0;
  for (const CoverReport& r : reports) {
    for (const std::string& key : r.selected_keys) {
      if (ran.count(key) || !listed.insert(key).second) continue;
      if (dropped.size() < max_named) dropped.push_back(shown(key));
      ++dropped_count;
    }
  }
  if (dropped_count > 0) {
    errors.push_back(WithThousands(dropped_count) + " selected test" +
                     (dropped_count == 1 ? "" : "s") +
                     " ran in no shard: " + NameSome(dropped, dropped_count, max_named));
  }
  return errors;
}

}  // namespace mprun::core
