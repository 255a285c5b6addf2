#include "runner/merge.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/console_reporter.h"
#include "core/history.h"
#include "core/json_reporter.h"
#include "core/junit_reporter.h"
#include "core/results.h"
#include "core/shard_cover.h"

namespace mprun::runner {

namespace {

constexpr int kUsage = static_cast<int>(core::ExitStatus::kUsage);

bool ReadAll(const std::string& path, std::string* text) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream s;
  s << in.rdbuf();
  *text = s.str();
  return true;
}

bool OutcomeNamed(const std::string& name, core::Outcome* out) {
  for (uint8_t b = 0; b < 16; ++b) {
    core::Outcome o;
    if (core::OutcomeFromByte(b, &o) && core::OutcomeName(o) == name) {
      *out = o;
      return true;
    }
  }
  return false;
}

std::string Str(const rapidjson::Value& obj, const char* key) {
  if (!obj.HasMember(key) || !obj[key].IsString()) return "";
  return std::string(obj[key].GetString(), obj[key].GetStringLength());
}

double Num(const rapidjson::Value& obj, const char* key) {
  return obj.HasMember(key) && obj[key].IsNumber() ? obj[key].GetDouble() : 0;
}

// A number of the report as a whole number in [0, max]: a report is outside
// input, and casting a negative, huge or non-finite double is undefined
// (found by tests/fuzz/fuzz_merge).
uint64_t Whole(const rapidjson::Value& obj, const char* key, double scale, uint64_t max) {
  const double v = Num(obj, key) * scale;
  if (!(v > 0)) return 0;  // also NaN
  return v >= static_cast<double>(max) ? max : static_cast<uint64_t>(v);
}

std::string FileName(const std::string& path) { return path.substr(path.rfind('/') + 1); }

// What a shard's split was computed from, as its report records it
// (core/json_reporter.cc); reports of older versions have none.
void ReadBasis(const rapidjson::Value& shard, core::CoverReport* r) {
  if (!shard.HasMember("tests_digest") || !shard["tests_digest"].IsString()) return;
  r->has_basis = true;
  r->selected = Whole(shard, "selected", 1, uint64_t{1} << 62);
  r->tests_digest = Str(shard, "tests_digest");
  r->costs_digest = Str(shard, "costs_digest");
  if (!shard.HasMember("tests") || !shard["tests"].IsArray()) return;
  for (const auto& binary : shard["tests"].GetArray()) {
    if (!binary.IsObject() || !binary.HasMember("suites") || !binary["suites"].IsArray()) continue;
    const std::string file = Str(binary, "binary");
    for (const auto& suite : binary["suites"].GetArray()) {
      if (!suite.IsArray() || suite.Empty() || !suite[0].IsString()) continue;
      const std::string prefix =
          file + "/" + std::string(suite[0].GetString(), suite[0].GetStringLength()) + ".";
      for (rapidjson::SizeType i = 1; i < suite.Size(); ++i) {
        if (!suite[i].IsString()) continue;
        r->selected_keys.push_back(prefix +
                                   std::string(suite[i].GetString(), suite[i].GetStringLength()));
      }
    }
  }
}

// --history: the merged results recorded as a run records its own, into
// the section of each binary's file name, for the next run's shards to
// split by. A test of several iterations adds a duration for each.
bool RecordHistory(const std::string& path, const core::RunInfo& run,
                   const std::vector<core::TestResult>& results, std::string* err) {
  std::map<std::string, std::vector<uint32_t>> by_file;
  for (uint32_t t = 0; t < run.tests.size(); ++t) {
    by_file[FileName(run.binaries[run.tests[t].binary])].push_back(t);
  }
  for (const auto& [file, merged] : by_file) {
    std::vector<core::TestName> tests;
    std::map<std::string, size_t> row_of_name;
    std::vector<size_t> row(merged.size());
    for (size_t i = 0; i < merged.size(); ++i) {
      const core::TestName& test = run.tests[merged[i]];
      const auto [it, added] = row_of_name.emplace(test.FullName(), tests.size());
      if (added) tests.push_back(test);
      row[i] = it->second;
    }
    std::string warning;
    core::History history = core::History::Load(path, file, &tests, &warning);
    if (!warning.empty()) std::fprintf(stderr, "mprun merge: warning: %s\n", warning.c_str());
    for (size_t i = 0; i < merged.size(); ++i) {
      const core::TestResult& r = results[merged[i]];
      if (r.outcome == core::Outcome::kNotRun) continue;  // says nothing about the test
      history.Record(row[i], static_cast<double>(r.duration_ns) / 1e6, r.outcome, r.flaky);
    }
    if (!history.Save(path, err)) return false;
  }
  return true;
}

constexpr char kUsageLine[] =
    "usage: mprun merge [--json=FILE] [--junit-xml=FILE] [--history=FILE] [-q|-v] REPORT.json...";

// --repeat-each's durations (the page plots them).
void ReadSamples(const rapidjson::Value& test, core::TestResult* r) {
  if (!test.HasMember("repeat") || !test["repeat"].IsObject()) return;
  const rapidjson::Value& repeat = test["repeat"];
  if (!repeat.HasMember("samples_ms") || !repeat["samples_ms"].IsArray()) return;
  for (const auto& v : repeat["samples_ms"].GetArray()) {
    if (!v.IsNumber() || !(v.GetDouble() >= 0) || v.GetDouble() > 1e12) continue;
    r->samples_ns.push_back(static_cast<uint64_t>(v.GetDouble() * 1e6));
  }
}

// A test of a report, except its name; false for an unknown outcome.
bool ReadResult(const rapidjson::Value& t, core::TestResult* r) {
  if (!OutcomeNamed(Str(t, "outcome"), &r->outcome)) return false;
  r->duration_ns = Whole(t, "duration_ms", 1e6, uint64_t{1} << 62);
  r->start_ns = Whole(t, "start_ms", 1e6, uint64_t{1} << 62);
  r->worker = t.HasMember("worker") && t["worker"].IsInt() ? t["worker"].GetInt() : -1;
  r->attempts = t.HasMember("attempts") && t["attempts"].IsUint() ? t["attempts"].GetUint() : 1;
  r->flaky = t.HasMember("flaky") && t["flaky"].IsBool() && t["flaky"].GetBool();
  r->message = Str(t, "message");
  r->signal = Str(t, "signal");
  r->output = Str(t, "output");
  ReadSamples(t, r);
  return true;
}

// The missing shards, the first ten by name (a report may claim any total;
// fuzz_merge found the loop over all of them unbounded).
void ListMissingShards(const std::map<uint32_t, std::string>& shard_files, uint32_t shard_total,
                       core::RunSummary* summary) {
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

bool ReadReports(const std::vector<std::string>& inputs, const char* who, MergedReports* out) {
  core::RunInfo& run = out->run;
  std::vector<core::TestResult>& results = out->results;
  core::RunSummary& summary = out->summary;
  std::map<std::string, uint32_t> binary_index;
  std::set<std::string> merged;  // "file/Suite.Test\niteration": the first report's stands
  std::vector<core::CoverReport> cover;
  std::map<uint32_t, std::string> shard_files;
  uint32_t shard_total = 0;
  for (const std::string& path : inputs) {
    std::string text;
    if (!ReadAll(path, &text)) {
      std::fprintf(stderr, "%s: error: %s: cannot be read: %s\n", who, path.c_str(),
                   std::strerror(errno));
      return false;
    }
    rapidjson::Document doc;
    doc.Parse(text.c_str(), text.size());
    if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("tests") ||
        !doc["tests"].IsArray() || !doc.HasMember("mprun_version")) {
      std::fprintf(stderr, "%s: error: %s: not an mprun JSON report\n", who, path.c_str());
      return false;
    }
    if (doc.HasMember("complete") && doc["complete"].IsBool() && !doc["complete"].GetBool()) {
      summary.errors.push_back(path + " is incomplete: its run was killed or has not ended");
    }
    if (doc.HasMember("interrupted") && doc["interrupted"].IsBool() &&
        doc["interrupted"].GetBool()) {
      summary.errors.push_back(path + ": its run was interrupted");
    }
    run.workers = std::max(run.workers, static_cast<int>(Whole(doc, "processes", 1, 1 << 20)));
    summary.wall_seconds = std::max(
        summary.wall_seconds, static_cast<double>(Whole(doc, "wall_seconds", 1e3, 1e12)) / 1e3);
    core::CoverReport& mine = cover.emplace_back();
    mine.path = path;
    if (doc.HasMember("shard") && doc["shard"].IsObject()) {
      const auto index = static_cast<uint32_t>(Whole(doc["shard"], "index", 1, UINT32_MAX));
      const auto total = static_cast<uint32_t>(Whole(doc["shard"], "total", 1, UINT32_MAX));
      if (shard_total != 0 && total != shard_total) {
        summary.errors.push_back(path + " is a shard of " + std::to_string(total) + ", others of " +
                                 std::to_string(shard_total));
      }
      shard_total = std::max(shard_total, total);
      if (const auto it = shard_files.find(index); it != shard_files.end()) {
        summary.errors.push_back("shard " + std::to_string(index) + " twice: " + it->second +
                                 " and " + path);
      }
      shard_files.emplace(index, path);
      mine.shard = index;
      ReadBasis(doc["shard"], &mine);
    }
    for (const auto& t : doc["tests"].GetArray()) {
      if (!t.IsObject()) continue;
      const std::string binary = Str(t, "binary");
      const std::string name = Str(t, "name");
      const auto iteration = static_cast<int>(Whole(t, "iteration", 1, INT32_MAX));
      // Named by file name, as the split and the history name a binary.
      const std::string key = FileName(binary) + "/" + name;
      mine.ran.emplace_back(key, iteration);
      if (!merged.insert(key + "\n" + std::to_string(iteration)).second) continue;
      core::TestResult r;
      if (!ReadResult(t, &r)) {
        std::fprintf(stderr, "%s: error: %s: %s has no known outcome\n", who, path.c_str(),
                     name.c_str());
        return false;
      }
      const auto [b, added] =
          binary_index.emplace(binary, static_cast<uint32_t>(run.binaries.size()));
      if (added) run.binaries.push_back(binary);
      const size_t dot = name.find('.');
      run.tests.push_back(
          {b->second, name.substr(0, dot), dot == std::string::npos ? "" : name.substr(dot + 1)});
      results.push_back(std::move(r));
    }
  }
  for (std::string& e : core::CheckCover(cover)) summary.errors.push_back(std::move(e));
  ListMissingShards(shard_files, shard_total, &summary);
  return true;
}

int RunMerge(int argc, char** argv) {
  std::string json_path, junit_path, history_path;
  int verbosity = 1;
  std::vector<std::string> inputs;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a.rfind("--json=", 0) == 0) {
      json_path = a.substr(7);
    } else if (a.rfind("--junit-xml=", 0) == 0) {
      junit_path = a.substr(12);
    } else if (a.rfind("--history=", 0) == 0) {
      history_path = a.substr(10);
      if (history_path.empty()) {
        std::fprintf(stderr, "mprun merge: error: --history: no file given\n");
        return kUsage;
      }
    } else if (a == "-q" || a == "--quiet") {
      verbosity = 0;
    } else if (a == "-v" || a == "--verbose") {
      verbosity = 2;
    } else if (a == "--help" || a == "-h") {
      std::printf(
          "%s\n\n"
          "The JSON reports of a run's shards as one report, JUnit file and summary. Exit 1\n"
          "when they are not an exact cover: shards computed from different test lists or\n"
          "histories, a test reported twice, a selected test no shard ran, a shard missing.\n"
          "  --history=FILE  record the reports' durations and outcomes in FILE (a sharded\n"
          "                  run reads the history but never writes it): the history the\n"
          "                  next run's shards should all share\n",
          kUsageLine);
      return 0;
    } else if (!a.empty() && a[0] == '-') {
      std::fprintf(stderr, "mprun merge: error: %s: unknown option\n", a.c_str());
      return kUsage;
    } else {
      inputs.push_back(a);
    }
  }
  if (inputs.empty()) {
    std::fprintf(stderr, "mprun merge: error: no report given (%s)\n", kUsageLine);
    return kUsage;
  }

  MergedReports reports;
  if (!ReadReports(inputs, "mprun merge", &reports)) return kUsage;
  const core::RunInfo& run = reports.run;
  const std::vector<core::TestResult>& results = reports.results;
  const core::RunSummary& summary = reports.summary;

  core::ConsoleOptions console_options;
  console_options.verbosity = verbosity;
  console_options.mode = core::ConsoleOptions::Mode::kNone;
  core::ConsoleReporter console(stdout, console_options);
  std::vector<core::Reporter*> reporters = {&console};
  std::unique_ptr<core::JsonReporter> json;
  if (!json_path.empty()) {
    json = std::make_unique<core::JsonReporter>(json_path);
    reporters.push_back(json.get());
  }
  std::unique_ptr<core::JunitReporter> junit;
  if (!junit_path.empty()) {
    junit = std::make_unique<core::JunitReporter>(junit_path);
    reporters.push_back(junit.get());
  }
  core::Ledger ledger(run.tests.size());
  for (core::Reporter* r : reporters) r->OnRunStart(run);
  for (uint32_t t = 0; t < results.size(); ++t) {
    ledger.Record(t, results[t]);
    for (core::Reporter* r : reporters) r->OnTestFinished(run, t, results[t]);
  }
  for (core::Reporter* r : reporters) r->OnRunEnd(run, ledger, summary);
  if ((json && !json->error().empty()) || (junit && !junit->error().empty())) return kUsage;
  std::string err;
  if (!history_path.empty() && !RecordHistory(history_path, run, results, &err)) {
    std::fprintf(stderr, "mprun merge: error: --history: %s\n", err.c_str());
    return kUsage;
  }
  return static_cast<int>(core::StatusOf(ledger, summary));
}

}  // namespace mprun::runner
