// The report reader behind `mprun merge` and `mprun report` over a shard's
// JSON report as a disk, a killed run or a hostile user left it (added
// twice on odd sizes, for the duplicate checks), and the combined report
// written again as `mprun report` writes it.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/report/json_reporter.h"
#include "core/report/report_reader.h"
#include "core/results.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  mprun::core::ReportReader reader;
  std::string err;
  bool ok = reader.Add("r.json", text, &err);
  if (ok && size % 2 == 1) ok = reader.Add("r.json", text, &err);
  if (!ok) {
    if (err.empty()) std::abort();  // a refusal names the file
    return 0;
  }
  const mprun::core::MergedReports merged = reader.Finish();
  if (merged.results.size() != merged.run.tests.size()) std::abort();
  mprun::core::Ledger ledger(merged.run.tests.size());
  for (uint32_t t = 0; t < merged.results.size(); ++t) ledger.Record(t, merged.results[t]);
  if (mprun::core::RenderJsonReport(merged.run, ledger, merged.summary).empty()) std::abort();
  return 0;
}
