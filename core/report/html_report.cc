#include "core/report/html_report.h"

#include "html_report_assets.h"  // generated: kPageCss, kPageJs

namespace mprun::core {

namespace {

// The page before the data. The Content-Security-Policy lets the page load
// nothing at all: a page that worked only online would fail where reports
// are read (CI artefacts, air-gapped machines), and the browser says so.
constexpr char kPageHead[] = R"HTML(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>mprun report</title>
<style>
)HTML";

// After the stylesheet (kPageCss, from core/report/html_report.css): the page's
// frame, which the script fills in.
constexpr char kPageBody[] = R"HTML(</style></head>
<body>
<header><h1>mprun report</h1><div id="status">This page draws itself with JavaScript; the report's data is in the page.</div>
<dl id="meta"></dl></header>
<section id="summary"></section>
<input id="search" type="search" placeholder="Filter tests by name, message or output" aria-label="Filter tests">
<span id="matches" class="quiet"></span>
<main id="main"></main>
)HTML";

// The end of the page, after its script.
constexpr char kPageEnd[] = R"HTML(</script>
</body></html>
)HTML";

}  // namespace

void AppendScriptSafeJson(std::string* out, std::string_view json) {
  size_t done = 0;
  auto flush = [&](size_t i, size_t skip, const char* with) {
    out->append(json.substr(done, i - done));
    out->append(with);
    done = i + skip;
  };
  for (size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (c == '<') {
      flush(i, 1, "\\u003c");
    } else if (c == '>') {
      flush(i, 1, "\\u003e");
    } else if (c == '&') {
      flush(i, 1, "\\u0026");
    } else if (c == '\xe2' && i + 2 < json.size() && json[i + 1] == '\x80' &&
               (json[i + 2] == '\xa8' || json[i + 2] == '\xa9')) {
      flush(i, 3, json[i + 2] == '\xa8' ? "\\u2028" : "\\u2029");
      i += 2;
    }
  }
  out->append(json.substr(done));
}

std::string RenderHtmlPage(const std::string& report_json) {
  std::string page;
  page.reserve(sizeof(kPageHead) + sizeof(kPageCss) + sizeof(kPageBody) + report_json.size() +
               report_json.size() / 16 + sizeof(kPageJs) + sizeof(kPageEnd) + 64);
  page += kPageHead;
  page += kPageCss;
  page += kPageBody;
  page += "<script type=\"application/json\" id=\"mprun-data\">";
  AppendScriptSafeJson(&page, report_json);
  page += "</script>\n<script>\n";
  page += kPageJs;  // core/report/html_report.js, which draws the page from the data
  page += kPageEnd;
  return page;
}

}  // namespace mprun::core
