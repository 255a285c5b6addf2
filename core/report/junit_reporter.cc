#include "core/report/junit_reporter.h"

#include <unistd.h>

#include <cstdio>

#include "core/file_io.h"
#include "core/report/xml.h"

namespace mprun::core {

namespace {

std::string Seconds(uint64_t ns) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(ns) / 1e9);
  return buf;
}

// The first line of a message, for the `message` attribute.
std::string Headline(const std::string& text) {
  const size_t nl = text.find('\n');
  return nl == std::string::npos ? text : text.substr(0, nl);
}

std::string TestCase(const RunInfo& run, uint32_t t, const TestResult& r) {
  const TestName& name = run.tests[t];
  std::string x = "    <testcase name=\"" + XmlAttribute(name.name) + "\" classname=\"" +
                  XmlAttribute(name.suite) + "\" time=\"" + Seconds(r.duration_ns) + "\"";
  std::string body;
  switch (r.outcome) {
    case Outcome::kPassed:
      break;
    case Outcome::kFailed:
      body += "      <failure message=\"" + XmlAttribute(Headline(r.message)) +
              "\" type=\"failure\">" + XmlCData(r.message) + "</failure>\n";
      break;
    case Outcome::kCrashed:
    case Outcome::kTimedOut:
      body += "      <error message=\"" + XmlAttribute(Headline(r.message)) + "\" type=\"" +
              std::string(OutcomeName(r.outcome)) + "\">" + XmlCData(r.message) + "</error>\n";
      break;
    case Outcome::kSkipped:
    case Outcome::kNotRun:
      body += "      <skipped message=\"" +
              XmlAttribute(r.message.empty() ? std::string(OutcomeName(r.outcome))
                                             : Headline(r.message)) +
              "\"/>\n";
      break;
  }
  // Jenkins' flavour: the attempts before the last one.
  for (const Attempt& a : r.earlier) {
    const char* tag = IsFailure(r.outcome) ? "rerunFailure" : "flakyFailure";
    body += std::string("      <") + tag + " message=\"" + XmlAttribute(Headline(a.message)) +
            "\" type=\"" + std::string(OutcomeName(a.outcome)) + "\">" + XmlCData(a.message);
    if (!a.output.empty()) body += "<system-out>" + XmlCData(a.output) + "</system-out>";
    body += std::string("</") + tag + ">\n";
  }
  if (!r.output.empty()) {
    std::string out = r.output;
    if (r.output_dropped > 0) {
      out = "[... " + std::to_string(r.output_dropped) + " bytes of output cut ...]\n" + out;
    }
    body += "      <system-out>" + XmlCData(out) + "</system-out>\n";
  }
  if (body.empty()) return x + "/>\n";
  return x + ">\n" + body + "    </testcase>\n";
}

}  // namespace

std::string RenderJunitXml(const RunInfo& run, const Ledger& ledger, const RunSummary& summary) {
  size_t failures = 0, errors = 0, skipped = 0;
  std::string suites;
  static const TestResult kNotRun;
  for (uint32_t first = 0; first < ledger.size();) {
    uint32_t end = first + 1;
    while (end < ledger.size() && run.tests[end].suite == run.tests[first].suite &&
           run.tests[end].binary == run.tests[first].binary) {
      ++end;
    }
    size_t f = 0, e = 0, s = 0;
    uint64_t time_ns = 0;
    std::string cases;
    for (uint32_t t = first; t < end; ++t) {
      const TestResult& r = ledger.Finished(t) ? ledger.Get(t) : kNotRun;
      f += r.outcome == Outcome::kFailed;
      e += r.outcome == Outcome::kCrashed || r.outcome == Outcome::kTimedOut;
      s += r.outcome == Outcome::kSkipped || r.outcome == Outcome::kNotRun;
      time_ns += r.duration_ns;
      cases += TestCase(run, t, r);
    }
    std::string name = run.tests[first].suite;
    if (run.binaries.size() > 1) name = run.binaries[run.tests[first].binary] + ":" + name;
    suites += "  <testsuite name=\"" + XmlAttribute(name) + "\" tests=\"" +
              std::to_string(end - first) + "\" failures=\"" + std::to_string(f) + "\" errors=\"" +
              std::to_string(e) + "\" skipped=\"" + std::to_string(s) + "\" time=\"" +
              Seconds(time_ns) + "\">\n" + cases + "  </testsuite>\n";
    failures += f;
    errors += e;
    skipped += s;
    first = end;
  }
  std::string x =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"mprun\" tests=\"" +
      std::to_string(ledger.size()) + "\" failures=\"" + std::to_string(failures) + "\" errors=\"" +
      std::to_string(errors) + "\" skipped=\"" + std::to_string(skipped) + "\" time=\"" +
      Seconds(static_cast<uint64_t>(summary.wall_seconds * 1e9)) + "\">\n";
  return x + suites + "</testsuites>\n";
}

void JunitReporter::OnRunEnd(const RunInfo& run, const Ledger& ledger, const RunSummary& summary) {
  if (!WriteFileAtomically(path_, RenderJunitXml(run, ledger, summary), &error_)) {
    std::fprintf(stderr, "mprun: error: --junit-xml: %s\n", error_.c_str());
  }
}

}  // namespace mprun::core
