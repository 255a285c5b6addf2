#include "core/report/report_reader.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <unordered_map>
#include <utility>

#include "core/file_io.h"
#include "core/json_fields.h"
#include "core/outcome.h"

namespace mprun::core {

namespace {

// A number of the report as a whole number in [0, max]: a report is outside
// input, and casting a negative, huge or non-finite double is undefined
// (found by tests/fuzz/fuzz_merge).
uint64_t Whole(const rapidjson::Value& obj, const char* key, double scale, uint64_t max) {
  const double v = NumberMember(obj, key) * scale;
  if (!(v > 0)) return 0;  // also NaN
  return v >= static_cast<double>(max) ? max : static_cast<uint64_t>(v);
}

// Binaries are named by file name, as the split and the history name them.
std::string FileName(const std::string& path) { return path.substr(path.rfind('/') + 1); }

// What a shard's split was computed from, as its report records it
// (core/report/json_reporter.cc); reports of older versions have none.
void ReadBasis(const rapidjson::Value& shard, CoverReport* r) {
  if (!shard.HasMember("tests_digest") || !shard["tests_digest"].IsString()) return;
  r->has_basis = true;
  r->selected = Whole(shard, "selected", 1, uint64_t{1} << 62);
  r->tests_digest = StringMember(shard, "tests_digest");
  r->costs_digest = StringMember(shard, "costs_digest");
  if (!shard.HasMember("tests") || !shard["tests"].IsArray()) return;
  for (const auto& binary : shard["tests"].GetArray()) {
    if (!binary.IsObject() || !binary.HasMember("suites") || !binary["suites"].IsArray()) continue;
    const std::string file = StringMember(binary, "binary");
    for (const auto& suite : binary["suites"].GetArray()) {
      if (!suite.IsArray() || suite.Empty() || !suite[0].IsString()) continue;
      const std::string prefix = file + "/" + JsonString(suite[0]) + ".";
      for (rapidjson::SizeType i = 1; i < suite.Size(); ++i) {
        if (!suite[i].IsString()) continue;
        r->selected_keys.push_back(prefix + JsonString(suite[i]));
      }
    }
  }
}

// --repeat-each's durations (the page plots them).
void ReadSamples(const rapidjson::Value& test, TestResult* r) {
  if (!test.HasMember("repeat") || !test["repeat"].IsObject()) return;
  const rapidjson::Value& repeat = test["repeat"];
  if (!repeat.HasMember("samples_ms") || !repeat["samples_ms"].IsArray()) return;
  for (const auto& v : repeat["samples_ms"].GetArray()) {
    if (!v.IsNumber() || !(v.GetDouble() >= 0) || v.GetDouble() > 1e12) continue;
    r->samples_ns.push_back(static_cast<uint64_t>(v.GetDouble() * 1e6));
  }
}

// A test of a report, except its name; false for an unknown outcome.
bool ReadResult(const rapidjson::Value& t, TestResult* r) {
  if (!OutcomeFromName(StringMember(t, "outcome"), &r->outcome)) return false;
  r->duration_ns = Whole(t, "duration_ms", 1e6, uint64_t{1} << 62);
  r->start_ns = Whole(t, "start_ms", 1e6, uint64_t{1} << 62);
  r->worker = t.HasMember("worker") && t["worker"].IsInt() ? t["worker"].GetInt() : -1;
  r->attempts = t.HasMember("attempts") && t["attempts"].IsUint() ? t["attempts"].GetUint() : 1;
  r->flaky = MemberIs(t, "flaky", true);
  r->message = StringMember(t, "message");
  r->signal = StringMember(t, "signal");
  r->output = StringMember(t, "output");
  ReadSamples(t, r);
  return true;
}

// The missing shards, the first ten by name (a report may claim any total;
// fuzz_merge found the loop over all of them unbounded).
void ListMissingShards(const std::map<uint32_t, std::string>& shard_files, uint32_t shard_total,
                       RunSummary* summary) {
  uint64_t present = 0;
  for (const auto& [index, file] : shard_files) present += index >= 1 && index <= shard_total;
  const uint64_t missing = shard_total - present;
  uint64_t listed = 0;
  for (uint64_t k = 1; k <= shard_total && listed < std::min<uint64_t>(missing, 10); ++k) {
    if (shard_files.count(static_cast<uint32_t>(k)) == 0) {
      summary->errors.push_back("shard " + std::to_string(k) + " of " +
                                std::to_string(shard_total) + " is missing");
      ++listed;
    }
  }
  if (missing > listed) {
    summary->errors.push_back("and " + std::to_string(missing - listed) + " more shards of " +
                              std::to_string(shard_total) + " are missing");
  }
}

}  // namespace

bool ReportReader::Add(const std::string& path, const std::string& text, std::string* err) {
  rapidjson::Document doc;
  doc.Parse(text.c_str(), text.size());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("tests") ||
      !doc["tests"].IsArray() || !doc.HasMember("mprun_version")) {
    *err = path + ": not an mprun JSON report";
    return false;
  }
  RunSummary& summary = merged_.summary;
  if (MemberIs(doc, "complete", false)) {
    summary.errors.push_back(path + " is incomplete: its run was killed or has not ended");
  }
  if (MemberIs(doc, "interrupted", true))
    summary.errors.push_back(path + ": its run was interrupted");
  merged_.run.workers =
      std::max(merged_.run.workers, static_cast<int>(Whole(doc, "processes", 1, 1 << 20)));
  summary.wall_seconds = std::max(summary.wall_seconds,
                                  static_cast<double>(Whole(doc, "wall_seconds", 1e3, 1e12)) / 1e3);
  CoverReport& mine = cover_.emplace_back();
  mine.path = path;
  if (doc.HasMember("shard") && doc["shard"].IsObject()) {
    const rapidjson::Value& shard = doc["shard"];
    const auto index = static_cast<uint32_t>(Whole(shard, "index", 1, UINT32_MAX));
    const auto total = static_cast<uint32_t>(Whole(shard, "total", 1, UINT32_MAX));
    if (shard_total_ != 0 && total != shard_total_) {
      summary.errors.push_back(path + " is a shard of " + std::to_string(total) + ", others of " +
                               std::to_string(shard_total_));
    }
    shard_total_ = std::max(shard_total_, total);
    if (const auto it = shard_files_.find(index); it != shard_files_.end()) {
      summary.errors.push_back("shard " + std::to_string(index) + " twice: " + it->second +
                               " and " + path);
    }
    shard_files_.emplace(index, path);
    mine.shard = index;
    ReadBasis(shard, &mine);
  }
  for (const auto& t : doc["tests"].GetArray()) {
    if (!t.IsObject()) continue;
    const std::string binary = StringMember(t, "binary");
    const std::string name = StringMember(t, "name");
    const auto iteration = static_cast<int>(Whole(t, "iteration", 1, INT32_MAX));
    const std::string key = FileName(binary) + "/" + name;
    mine.ran.emplace_back(key, iteration);
    if (!seen_.insert(key + "\n" + std::to_string(iteration)).second) continue;
    TestResult r;
    if (!ReadResult(t, &r)) {
      *err = path + ": " + name + " has no known outcome";
      return false;
    }
    const auto [b, added] =
        binary_index_.emplace(binary, static_cast<uint32_t>(merged_.run.binaries.size()));
    if (added) merged_.run.binaries.push_back(binary);
    const size_t dot = name.find('.');
    merged_.run.tests.push_back(
        {b->second, name.substr(0, dot), dot == std::string::npos ? "" : name.substr(dot + 1)});
    merged_.results.push_back(std::move(r));
  }
  return true;
}

MergedReports ReportReader::Finish() const {
  MergedReports out = merged_;
  for (std::string& e : CheckCover(cover_)) out.summary.errors.push_back(std::move(e));
  ListMissingShards(shard_files_, shard_total_, &out.summary);
  return out;
}

bool ReadReports(const std::vector<std::string>& paths, MergedReports* out, std::string* err) {
  ReportReader reader;
  for (const std::string& path : paths) {
    std::string text;
    if (!ReadFile(path, &text, err)) return false;
    if (!reader.Add(path, text, err)) return false;
  }
  *out = reader.Finish();
  return true;
}

size_t FillFromReport(const MergedReports& report, const RunInfo& run,
                      std::vector<Expectation>* expected) {
  // binary file name + '\n' + full name, and the full name alone (when one
  // test of the report bears it).
  std::unordered_map<std::string, size_t> by_binary, by_name;
  std::unordered_map<std::string, int> names;
  for (size_t i = 0; i < report.run.tests.size() && i < report.results.size(); ++i) {
    const TestName& t = report.run.tests[i];
    const std::string full = t.FullName();
    const std::string file =
        t.binary < report.run.binaries.size() ? FileName(report.run.binaries[t.binary]) : "";
    by_binary.emplace(file + "\n" + full, i);
    by_name.emplace(full, i);
    ++names[full];
  }
  size_t filled = 0;
  for (size_t t = 0; t < run.tests.size() && t < expected->size(); ++t) {
    Expectation& e = (*expected)[t];
    if (e.cost_ms > 0) continue;
    const TestName& name = run.tests[t];
    const std::string full = name.FullName();
    const std::string file =
        name.binary < run.binaries.size() ? FileName(run.binaries[name.binary]) : "";
    auto it = by_binary.find(file + "\n" + full);
    if (it == by_binary.end()) {
      it = by_name.find(full);
      if (it == by_name.end() || names[full] != 1) continue;
    }
    const TestResult& r = report.results[it->second];
    if (r.outcome == Outcome::kNotRun || r.outcome == Outcome::kSkipped) continue;
    e.cost_ms = std::max(static_cast<double>(r.duration_ns) / 1e6, 0.001);
    // A timeout's duration is its limit, not the test's (as LongestMs).
    e.longest_ms = r.outcome == Outcome::kTimedOut ? 0 : e.cost_ms;
    e.first = IsFailure(r.outcome);
    ++filled;
  }
  return filled;
}

}  // namespace mprun::core
