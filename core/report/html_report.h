// HtmlReporter: the `--html=F` report, one self-contained page (inline
// CSS, and a short script that draws it, timeline in SVG; nothing fetched)
// made from the text of the JSON report, so that the page and `--json`
// cannot disagree. Supervisor only; `mprun report` renders the same page
// from saved reports.
#ifndef MPRUN_CORE_REPORT_HTML_REPORT_H_
#define MPRUN_CORE_REPORT_HTML_REPORT_H_

#include <string>
#include <string_view>

#include "core/report/json_reporter.h"

namespace mprun::core {

// Appends JSON text for a <script type="application/json"> block: every
// `<`, `>` and `&` (and U+2028/U+2029, line ends to older JavaScript) as a
// \u escape. Valid JSON keeps those only inside strings, where the escape
// means the same character, so the data reads back unchanged while no
// `</script>` or `<!--` of a test's output can end the block.
void AppendScriptSafeJson(std::string* out, std::string_view json);

// The page for the text of one JSON report (core/report/json_reporter.h).
std::string RenderHtmlPage(const std::string& report_json);

// The JSON report's life (a placeholder at the start, progress copies at
// most once a second, the final page at the end, each written atomically),
// shaped as the page: a killed run leaves a page that says what finished.
class HtmlReporter : public JsonReporter {
 public:
  explicit HtmlReporter(std::string path)
      : JsonReporter(std::move(path), &RenderHtmlPage, "--html") {}
};

}  // namespace mprun::core

#endif  // MPRUN_CORE_REPORT_HTML_REPORT_H_
