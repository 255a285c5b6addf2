// The report writers over any bytes a test can put in its name, message or
// output: the JSON report, the trace and gtest's JSON must parse and give
// the text back (invalid UTF-8 as U+FFFD); JUnit and gtest's XML must parse;
// the HTML page's data block must hold the JSON report unchanged.
#include <rapidjson/document.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <pugixml.hpp>
#include <string>
#include <string_view>

#include "core/report/gtest_output.h"
#include "core/report/html_report.h"
#include "core/report/json.h"
#include "core/report/json_reporter.h"
#include "core/report/junit_reporter.h"
#include "core/report/trace_reporter.h"

namespace {

using namespace mprun::core;

void Check(bool ok) {
  if (!ok) std::abort();
}

std::string Valid(std::string_view s) {
  std::string storage;
  return std::string(ValidUtf8(s, &storage));
}

void ParseJson(const std::string& text, rapidjson::Document* d) {
  d->Parse(text.c_str(), text.size());
  Check(!d->HasParseError());
}

std::string Str(const rapidjson::Value& v) { return {v.GetString(), v.GetStringLength()}; }

void ParseXml(std::string text) {
  pugi::xml_document doc;
  if (!doc.load_string(text.c_str())) std::abort();
  Check(doc.child("testsuites"));
}

}  // namespace

// The input, split at the first two NULs: the test's name, its message,
// its output.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const size_t a = std::min(in.find('\0'), in.size());
  const size_t b = a < in.size() ? std::min(in.find('\0', a + 1), in.size()) : in.size();
  const std::string name(in.substr(0, a));
  const std::string message(a < in.size() ? in.substr(a + 1, b - a - 1) : "");
  const std::string output(b < in.size() ? in.substr(b + 1) : "");

  RunInfo run;
  run.binaries = {"bin/" + name};
  run.workers = 1;
  run.tests = {{0, "S" + name, name}, {0, "S" + name, "ok"}};
  Ledger ledger(2);
  TestResult r;
  r.outcome = size % 3 == 0   ? Outcome::kFailed
              : size % 3 == 1 ? Outcome::kCrashed
                              : Outcome::kSkipped;
  r.worker = 0;
  r.message = message;
  r.output = output;
  r.duration_ns = size * 1'234'567;
  ledger.Record(0, r);
  RunSummary summary;
  summary.warnings = {message};

  const std::string json = RenderJsonReport(run, ledger, summary);
  rapidjson::Document d;
  ParseJson(json, &d);
  const rapidjson::Value& t = d["tests"][0];
  Check(Str(t["name"]) == Valid(run.tests[0].FullName()));
  Check(Str(t["message"]) == Valid(message));
  Check(output.empty() ? !t.HasMember("output") : Str(t["output"]) == Valid(output));
  Check(Str(d["warnings"][0]) == Valid(message));

  std::string page_data;
  AppendScriptSafeJson(&page_data, json);
  Check(RenderHtmlPage(json).find(page_data) != std::string::npos);
  rapidjson::Document from_page;
  ParseJson(page_data, &from_page);
  Check(from_page == d);

  TraceReporter trace("");
  trace.OnRunStart(run);
  trace.OnTestFinished(run, 0, r);
  ParseJson(trace.Render(), &d);
  Check(Str(d["traceEvents"][2]["name"]) == Valid(run.tests[0].FullName()));

  ParseJson(RenderGtestJson(run, ledger, 1.0), &d);
  Check(Str(d["testsuites"][0]["testsuite"][0]["name"]) == Valid(name));

  ParseXml(RenderJunitXml(run, ledger, summary));
  ParseXml(RenderGtestXml(run, ledger, 1.0));
  return 0;
}
