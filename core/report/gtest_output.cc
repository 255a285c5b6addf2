#include "core/report/gtest_output.h"

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <time.h>

#include <cstdio>
#include <sstream>

#include "core/file_io.h"
#include "core/report/json.h"
#include "core/report/xml.h"

namespace mprun::core {

namespace {

// A header line as workers write it: "LOCATION: Failure" or "LOCATION:
// Skipped", LOCATION as gtest formats it ("file:line", "file", "unknown
// file").
bool IsPartHeader(const std::string& line, std::string* location, bool* skipped) {
  for (const char* word : {"Failure", "Skipped"}) {
    const std::string w = word;
    if (line == w) {
      location->clear();
      *skipped = w == "Skipped";
      return true;
    }
    const std::string tail = ": " + w;
    if (line.size() > tail.size() &&
        line.compare(line.size() - tail.size(), tail.size(), tail) == 0) {
      *location = line.substr(0, line.size() - tail.size());
      *skipped = w == "Skipped";
      return true;
    }
  }
  return false;
}

std::string Seconds(uint64_t ns, const char* suffix) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f%s", static_cast<double>(ns) / 1e9, suffix);
  return buf;
}

std::string Timestamp() {
  char buf[64];
  const time_t now = time(nullptr);
  struct tm tm;
  localtime_r(&now, &tm);
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S.000", &tm);
  return buf;
}

struct SuiteRange {
  uint32_t first, end;
  size_t failures = 0, skipped = 0;
  uint64_t time_ns = 0;
};

std::vector<SuiteRange> Suites(const RunInfo& run, const Ledger& ledger) {
  std::vector<SuiteRange> out;
  for (uint32_t t = 0; t < run.tests.size(); ++t) {
    if (out.empty() || run.tests[t].suite != run.tests[out.back().first].suite ||
        run.tests[t].binary != run.tests[out.back().first].binary) {
      out.push_back({t, t});
    }
    SuiteRange& s = out.back();
    s.end = t + 1;
    if (!ledger.Finished(t)) continue;
    const TestResult& r = ledger.Get(t);
    s.failures += IsFailure(r.outcome);
    s.skipped += r.outcome == Outcome::kSkipped;
    s.time_ns += r.duration_ns;
  }
  return out;
}

// The parts to show for a result: gtest's own, or one describing a crash,
// timeout or not-run.
std::vector<GtestPart> PartsOf(const TestResult& r) {
  if (r.outcome == Outcome::kCrashed || r.outcome == Outcome::kTimedOut) {
    return {GtestPart{"", r.message, false}};
  }
  return SplitGtestParts(r.message);
}

}  // namespace

std::vector<GtestPart> SplitGtestParts(const std::string& text) {
  std::vector<GtestPart> parts;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    GtestPart header;
    if (IsPartHeader(line, &header.location, &header.skipped)) {
      parts.push_back(header);
      continue;
    }
    if (parts.empty()) parts.emplace_back();
    GtestPart& p = parts.back();
    if (!p.message.empty()) p.message += '\n';
    p.message += line;
  }
  return parts;
}

bool ParseGtestOutput(const std::string& spec, const std::string& binary, std::string* format,
                      std::string* path, std::string* err) {
  const size_t colon = spec.find(':');
  *format = spec.substr(0, colon);
  if (*format != "xml" && *format != "json") {
    *err = "--gtest_output: '" + spec + "' is not xml[:PATH] or json[:PATH]";
    return false;
  }
  *path = colon == std::string::npos ? "" : spec.substr(colon + 1);
  if (path->empty()) {
    *path = "test_detail." + *format;
  } else if (path->back() == '/') {
    const size_t slash = binary.rfind('/');
    *path += (slash == std::string::npos ? binary : binary.substr(slash + 1)) + "." + *format;
  }
  return true;
}

std::string RenderGtestXml(const RunInfo& run, const Ledger& ledger, double wall_seconds) {
  const std::string stamp = Timestamp();
  size_t failures = 0;
  for (uint32_t t = 0; t < ledger.size(); ++t) {
    failures += ledger.Finished(t) && IsFailure(ledger.Get(t).outcome);
  }
  std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  x += "<testsuites tests=\"" + std::to_string(ledger.size()) + "\" failures=\"" +
       std::to_string(failures) + "\" disabled=\"0\" errors=\"0\" time=\"" +
       Seconds(static_cast<uint64_t>(wall_seconds * 1e9), "") + "\" timestamp=\"" + stamp +
       "\" name=\"AllTests\">\n";
  for (const SuiteRange& s : Suites(run, ledger)) {
    x += "  <testsuite name=\"" + XmlAttribute(run.tests[s.first].suite) + "\" tests=\"" +
         std::to_string(s.end - s.first) + "\" failures=\"" + std::to_string(s.failures) +
         "\" disabled=\"0\" skipped=\"" + std::to_string(s.skipped) + "\" errors=\"0\" time=\"" +
         Seconds(s.time_ns, "") + "\" timestamp=\"" + stamp + "\">\n";
    for (uint32_t t = s.first; t < s.end; ++t) {
      static const TestResult kNotRun;
      const TestResult& r = ledger.Finished(t) ? ledger.Get(t) : kNotRun;
      const bool ran = r.outcome != Outcome::kNotRun;
      x += "    <testcase name=\"" + XmlAttribute(run.tests[t].name) + "\" status=\"" +
           (ran ? "run" : "notrun") + "\" result=\"" +
           (!ran                             ? "suppressed"
            : r.outcome == Outcome::kSkipped ? "skipped"
                                             : "completed") +
           "\" time=\"" + Seconds(r.duration_ns, "") + "\" timestamp=\"" + stamp +
           "\" classname=\"" + XmlAttribute(run.tests[t].suite) + "\"";
      std::string body;
      if (IsFailure(r.outcome) || r.outcome == Outcome::kSkipped) {
        for (const GtestPart& p : PartsOf(r)) {
          const bool skip = r.outcome == Outcome::kSkipped;
          if (skip != p.skipped && !p.location.empty()) continue;
          const std::string text = p.location.empty() ? p.message : p.location + "\n" + p.message;
          body += skip ? "      <skipped message=\"" + XmlAttribute(text) + "\">"
                       : "      <failure message=\"" + XmlAttribute(text) + "\" type=\"\">";
          body += XmlCData(text) + (skip ? "</skipped>\n" : "</failure>\n");
        }
      }
      x += body.empty() ? " />\n" : ">\n" + body + "    </testcase>\n";
    }
    x += "  </testsuite>\n";
  }
  x += "</testsuites>\n";
  return x;
}

namespace {

using GtestJsonWriter = rapidjson::PrettyWriter<rapidjson::StringBuffer>;

void WriteGtestJsonTest(GtestJsonWriter* w, const RunInfo& run, uint32_t t, const TestResult& r,
                        const std::string& stamp) {
  const bool ran = r.outcome != Outcome::kNotRun;
  w->StartObject();
  StringField(w, "name", run.tests[t].name);
  StringField(w, "status", ran ? "RUN" : "NOTRUN");
  StringField(w, "result",
              !ran                             ? "SUPPRESSED"
              : r.outcome == Outcome::kSkipped ? "SKIPPED"
                                               : "COMPLETED");
  StringField(w, "timestamp", stamp);
  StringField(w, "time", Seconds(r.duration_ns, "s"));
  StringField(w, "classname", run.tests[t].suite);
  if (IsFailure(r.outcome)) {
    w->Key("failures");
    w->StartArray();
    for (const GtestPart& p : PartsOf(r)) {
      if (p.skipped) continue;
      w->StartObject();
      StringField(w, "failure", p.location.empty() ? p.message : p.location + "\n" + p.message);
      StringField(w, "type", "");
      w->EndObject();
    }
    w->EndArray();
  }
  w->EndObject();
}

}  // namespace

std::string RenderGtestJson(const RunInfo& run, const Ledger& ledger, double wall_seconds) {
  const std::string stamp = Timestamp() + "Z";
  size_t failures = 0;
  for (uint32_t t = 0; t < ledger.size(); ++t) {
    failures += ledger.Finished(t) && IsFailure(ledger.Get(t).outcome);
  }
  // Laid out as gtest lays out its own: two spaces a level.
  rapidjson::StringBuffer buffer;
  GtestJsonWriter w(buffer);
  w.SetIndent(' ', 2);
  w.StartObject();
  IntField(&w, "tests", ledger.size());
  IntField(&w, "failures", static_cast<int64_t>(failures));
  IntField(&w, "disabled", 0);
  IntField(&w, "errors", 0);
  StringField(&w, "timestamp", stamp);
  StringField(&w, "time", Seconds(static_cast<uint64_t>(wall_seconds * 1e9), "s"));
  StringField(&w, "name", "AllTests");
  w.Key("testsuites");
  w.StartArray();
  for (const SuiteRange& s : Suites(run, ledger)) {
    w.StartObject();
    StringField(&w, "name", run.tests[s.first].suite);
    IntField(&w, "tests", s.end - s.first);
    IntField(&w, "failures", static_cast<int64_t>(s.failures));
    IntField(&w, "disabled", 0);
    IntField(&w, "errors", 0);
    StringField(&w, "timestamp", stamp);
    StringField(&w, "time", Seconds(s.time_ns, "s"));
    w.Key("testsuite");
    w.StartArray();
    for (uint32_t t = s.first; t < s.end; ++t) {
      static const TestResult kNotRun;
      WriteGtestJsonTest(&w, run, t, ledger.Finished(t) ? ledger.Get(t) : kNotRun, stamp);
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

void GtestOutputReporter::OnRunEnd(const RunInfo& run, const Ledger& ledger,
                                   const RunSummary& summary) {
  const std::string text = format_ == "json" ? RenderGtestJson(run, ledger, summary.wall_seconds)
                                             : RenderGtestXml(run, ledger, summary.wall_seconds);
  if (!WriteFileAtomically(path_, text, &error_)) {
    std::fprintf(stderr, "mprun: error: --gtest_output: %s\n", error_.c_str());
  }
}

}  // namespace mprun::core
