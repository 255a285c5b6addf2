#include "runner/commands/report_command.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "core/file_io.h"
#include "core/input/history_file.h"
#include "core/input/options.h"
#include "core/json_fields.h"
#include "core/report/html_report.h"
#include "core/report/json_reporter.h"
#include "core/report/report_reader.h"

namespace mprun::runner {

namespace {

constexpr int kUsage = static_cast<int>(core::ExitStatus::kUsage);

// Several reports as one, in the schema of one: what `mprun merge --json`
// would write.
std::string Combined(const core::MergedReports& merged) {
  core::Ledger ledger(merged.run.tests.size());
  for (uint32_t t = 0; t < merged.results.size(); ++t) ledger.Record(t, merged.results[t]);
  return core::RenderJsonReport(merged.run, ledger, merged.summary);
}

// The moved tests of the report's perf section that carry no durations of
// their own get the history's (its sections are by binary file name).
void AddHistory(const std::string& path, rapidjson::Document* doc) {
  if (!doc->HasMember("perf") || !(*doc)["perf"].IsArray()) return;
  std::map<std::string, std::vector<rapidjson::Value*>> by_binary;
  for (auto& rep : (*doc)["perf"].GetArray()) {
    if (!rep.IsObject() || !rep.HasMember("moved") || !rep["moved"].IsArray()) continue;
    for (auto& m : rep["moved"].GetArray()) {
      const bool has = m.IsObject() && m.HasMember("history_ms") && m["history_ms"].IsArray() &&
                       !m["history_ms"].Empty();
      if (!m.IsObject() || has) continue;
      const std::string binary = core::StringMember(m, "binary");
      by_binary[binary.substr(binary.rfind('/') + 1)].push_back(&m);
    }
  }
  auto& alloc = doc->GetAllocator();
  std::vector<std::vector<core::TestName>> tests(by_binary.size());
  std::vector<core::History::Binary> sections;
  for (const auto& [binary, moved] : by_binary) {
    std::vector<core::TestName>& names = tests[sections.size()];
    for (const rapidjson::Value* m : moved) {
      const std::string name = core::StringMember(*m, "name");
      const size_t dot = name.find('.');
      names.push_back(
          {0, name.substr(0, dot), dot == std::string::npos ? "" : name.substr(dot + 1)});
    }
    sections.push_back({binary, &names});
  }
  std::string warning;
  const core::History history = core::History::Load(path, sections, &warning);
  if (!warning.empty()) std::fprintf(stderr, "mprun report: warning: %s\n", warning.c_str());
  size_t section = 0;
  for (const auto& [binary, moved] : by_binary) {
    core::TestHistory h;
    for (size_t i = 0; i < moved.size(); ++i) {
      if (!history.Find(section, i, &h)) continue;
      rapidjson::Value list(rapidjson::kArrayType);
      for (uint32_t us : h.durations_us) list.PushBack(static_cast<double>(us) / 1000, alloc);
      moved[i]->RemoveMember("history_ms");
      moved[i]->AddMember("history_ms", list, alloc);
    }
    ++section;
  }
}

std::string Serialized(const rapidjson::Document& doc) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  doc.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

// The report the page shows, as JSON text; false when the single report
// cannot be read again (ReadReports read it a moment ago).
bool ReportText(const std::vector<std::string>& inputs, const core::MergedReports& merged,
                const std::string& history_path, std::string* text) {
  if (inputs.size() == 1) {
    std::string ignored;  // the caller says what failed
    if (!core::ReadFile(inputs[0], text, &ignored)) return false;
  } else {
    *text = Combined(merged);
  }
  if (history_path.empty()) return true;
  rapidjson::Document doc;
  doc.Parse(text->c_str(), text->size());
  if (doc.HasParseError()) return false;
  AddHistory(history_path, &doc);
  *text = Serialized(doc);
  return true;
}

int UsageError(const std::string& err) {
  std::fprintf(stderr, "%s%s\n", core::ErrorPrefix(core::Command::kReport).c_str(), err.c_str());
  return kUsage;
}

}  // namespace

int RunReport(int argc, char** argv) {
  core::ReportOptions opts;
  std::string err;
  if (!core::ParseReportOptions(argc, argv, &opts, &err)) return UsageError(err);
  if (opts.help) {
    std::fputs(core::ReportHelp(), stdout);
    return 0;
  }
  core::MergedReports merged;
  if (!core::ReadReports(opts.inputs, &merged, &err)) return UsageError(err);
  std::string text;
  if (!ReportText(opts.inputs, merged, opts.history_path, &text)) {
    return UsageError(opts.inputs[0] + ": cannot be read again");
  }
  if (!core::WriteFileAtomically(opts.html_path, core::RenderHtmlPage(text), &err)) {
    return UsageError("--html: " + err);
  }
  std::printf("mprun report: wrote %s (%zu tests)\n", opts.html_path.c_str(),
              merged.results.size());
  return 0;
}

}  // namespace mprun::runner
