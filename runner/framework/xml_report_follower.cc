#include "runner/framework/xml_report_follower.h"

#include <cstdlib>

#include "core/rules/decisions.h"

namespace mprun::runner {

namespace {

using core::Outcome;

// Elements whose text the follower gathers.
bool GathersText(std::string_view name) {
  for (std::string_view n : {"Original", "Expanded", "Exception", "FatalErrorCondition", "Failure",
                             "Info", "Warning", "StdOut", "StdErr", "Text", "Skip"}) {
    if (name == n) return true;
  }
  return false;
}

// The reporters indent an element's text: each line without its leading
// blanks, the whole without blank lines around it.
std::string Unindent(std::string_view text) {
  std::string out;
  size_t from = 0;
  while (from <= text.size()) {
    size_t nl = text.find('\n', from);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(from, nl - from);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.remove_suffix(1);
    if (!line.empty() || !out.empty()) {
      out.append(line);
      out += '\n';
    }
    from = nl + 1;
  }
  while (out.size() >= 2 && out[out.size() - 1] == '\n' && out[out.size() - 2] == '\n') {
    out.pop_back();
  }
  if (!out.empty()) out.pop_back();
  return out;
}

bool Blank(std::string_view text) {
  for (char c : text) {
    if (c != ' ' && c != '\n' && c != '\t' && c != '\r') return false;
  }
  return true;
}

}  // namespace

const XmlDialect& Catch2Dialect() {
  static const XmlDialect kCatch2 = {.elements = {"?xml",           "Catch",
                                                  "Group",          "TestCase",
                                                  "Section",        "Expression",
                                                  "Original",       "Expanded",
                                                  "Exception",      "FatalErrorCondition",
                                                  "Failure",        "Info",
                                                  "Warning",        "OverallResult",
                                                  "OverallResults", "OverallResultsCases",
                                                  "StdOut",         "StdErr",
                                                  "Randomness",     "BenchmarkResults"},
                                     .suite = "",
                                     .section = "Section",
                                     .result = "OverallResult",
                                     .success = "success",
                                     .duration = "durationInSeconds",
                                     .skips = "",
                                     .fatal = "FatalErrorCondition",
                                     .fatal_needs_crash_attribute = false};
  return kCatch2;
}

const XmlDialect& Catch2V3Dialect() {
  static const XmlDialect kCatch2V3 = [] {
    XmlDialect d = Catch2Dialect();
    d.elements.push_back("Catch2TestRun");
    d.elements.push_back("Skip");
    d.skips = "skips";
    return d;
  }();
  return kCatch2V3;
}

const XmlDialect& DoctestDialect() {
  static const XmlDialect kDoctest = {
      .elements = {"?xml", "doctest", "Options", "TestSuite", "TestCase", "SubCase", "Expression",
                   "Original", "Expanded", "Exception", "ExpectedException",
                   "ExpectedExceptionString", "Info", "Message", "Text", "OverallResultsAsserts",
                   "OverallResultsTestCases"},
      .suite = "TestSuite",
      .section = "SubCase",
      .result = "OverallResultsAsserts",
      .success = "test_case_success",
      .duration = "duration",
      .skips = "",
      .fatal = "Exception",
      .fatal_needs_crash_attribute = true};
  return kDoctest;
}

XmlReportFollower::XmlReportFollower(const XmlDialect& dialect, FollowerSink& sink,
                                     const std::vector<uint32_t>& group,
                                     std::vector<std::string> names)
    : dialect_(dialect),
      sink_(sink),
      group_(group),
      names_(std::move(names)),
      done_(group_.size(), false),
      xml_(*this, dialect.elements) {
  for (size_t i = 0; i < names_.size(); ++i) index_.emplace(names_[i], i);
}

void XmlReportFollower::Feed(std::string_view chunk) {
  xml_.Feed(chunk);
  Flush();
}

void XmlReportFollower::Close() {
  xml_.Close();
  if (!raw_.empty()) Settle(raw_.size());
  Flush();
}

void XmlReportFollower::Element(const XmlTag& tag) {
  if (!raw_.empty()) Settle(raw_.size());
  if (!text_element_.empty()) {
    if (tag.closing && tag.name == text_element_) TextElementEnds(tag.name);
    return;
  }
  if (!dialect_.suite.empty() && tag.name == dialect_.suite) {
    suite_ = tag.closing ? "" : tag.Attribute("name");
    return;
  }
  if (tag.name == "TestCase") {
    if (!tag.closing && !tag.self_closing) {
      CaseStarts(tag);
    } else if (tag.closing && foreign_) {
      foreign_ = false;
    } else if (tag.closing && current_ >= 0 && has_result_ && !fatal_) {
      Finish(Reported(), 0);
    }
    return;
  }
  if (current_ >= 0 && !foreign_) InCase(tag);
}

void XmlReportFollower::CaseStarts(const XmlTag& tag) {
  // A case still open here reported no end (it cannot, in either's order).
  if (current_ >= 0) {
    if (!has_result_) Say("the framework reported no result for this test case\n");
    Finish(!fatal_ && has_result_ ? Reported() : Outcome::kFailed, 0);
  }
  const std::string name = tag.Attribute("name");
  auto it = index_.find(suite_.empty() ? name : suite_ + "." + name);
  if (it == index_.end() && !suite_.empty()) it = index_.find(name);
  if (it == index_.end() || done_[it->second]) {
    foreign_ = true;
    return;
  }
  foreign_ = false;
  current_ = static_cast<int>(it->second);
  ran_any_ = true;
  printed_ = false;
  case_where_ = tag.Attribute("filename") + ":" + tag.Attribute("line");
  sink_.TestStarted(group_[it->second]);
}

void XmlReportFollower::InCase(const XmlTag& tag) {
  if (tag.name == dialect_.section) {
    if (!tag.closing && !tag.self_closing) sections_.push_back(tag.Attribute("name"));
    if (tag.closing && !sections_.empty()) sections_.pop_back();
    return;
  }
  if (tag.name == "Expression") {
    if (tag.closing) {
      ExpressionEnds();
    } else if (tag.Attribute("success") == "false") {
      expression_ = true;
      expression_type_ = tag.Attribute("type");
      where_ = tag.Attribute("filename") + ":" + tag.Attribute("line");
      original_.clear();
      expanded_.clear();
      thrown_.clear();
    }
    return;
  }
  if (tag.name == "Message" && !tag.closing) {
    message_type_ = tag.Attribute("type");
    where_ = tag.Attribute("filename") + ":" + tag.Attribute("line");
    return;
  }
  if (tag.name == dialect_.result) {
    if (!tag.closing) Result(tag);
    if ((tag.closing || tag.self_closing) && !fatal_) {
      Finish(Reported(), 0);
    }
    return;
  }
  if (GathersText(tag.name) && !tag.closing) {
    // Inside a failed expression, the expression's place; else its own,
    // or without one (doctest's Exception) the case's.
    if (!expression_) {
      where_ = tag.HasAttribute("filename")
                   ? tag.Attribute("filename") + ":" + tag.Attribute("line")
                   : case_where_;
    }
    crash_ = tag.Attribute("crash") == "true";
    text_element_ = std::string(tag.name);
    text_.clear();
    if (tag.self_closing) TextElementEnds(tag.name);
  }
}

void XmlReportFollower::Result(const XmlTag& tag) {
  success_ = tag.Attribute(dialect_.success) == "true";
  skipped_ = !dialect_.skips.empty() && !tag.Attribute(dialect_.skips).empty() &&
             tag.Attribute(dialect_.skips) != "0";
  has_result_ = true;
  const std::string seconds = tag.Attribute(dialect_.duration);
  if (!seconds.empty()) {
    char* end = nullptr;
    const double s = std::strtod(seconds.c_str(), &end);
    if (end != seconds.c_str() && s >= 0 && s < 1e9) reported_ms_ = static_cast<int64_t>(s * 1000);
  }
}

std::string XmlReportFollower::Failure() const {
  std::string out = where_ + ": Failure\n";
  for (size_t i = 0; i < sections_.size(); ++i) {
    out += (i == 0 ? "in section: " : " / ") + sections_[i];
  }
  if (!sections_.empty()) out += '\n';
  return out;
}

void XmlReportFollower::ExpressionEnds() {
  if (!expression_) return;
  expression_ = false;
  std::string said = Failure() + "  " + expression_type_ + "( " + original_ + " )\n";
  if (!expanded_.empty()) said += "with expansion:\n  " + expanded_ + "\n";
  if (!thrown_.empty()) said += "threw: " + thrown_ + "\n";
  Say(said);
}

void XmlReportFollower::TextElementEnds(std::string_view name) {
  const std::string text = Unindent(XmlDecode(text_));
  text_element_.clear();
  text_.clear();
  if (name == "Original") {
    original_ = text;
  } else if (name == "Expanded") {
    expanded_ = text;
  } else if (name == "Exception" && expression_) {
    thrown_ = text;
  } else if (name == dialect_.fatal && (crash_ || !dialect_.fatal_needs_crash_attribute)) {
    fatal_ = true;
    Say(Failure() + "fatal error condition: " + text + "\n");
  } else if (name == "Exception") {
    Say(Failure() + "exception thrown: " + text + "\n");
  } else if (name == "Skip") {  // Catch2 v3's SKIP(): the reason, for a skipped case
    Say(where_ + ": Skipped\n" + text + "\n");
  } else if (name == "Failure") {
    Say(Failure() + text + "\n");
  } else if (name == "Text") {  // doctest's MESSAGE, WARN, FAIL_CHECK, FAIL
    if (message_type_ == "WARNING") {
      Output("warning: " + text + "\n");
    } else {
      Say(Failure() + text + "\n");
    }
  } else if (name == "Info") {
    Say("info: " + text + "\n");
  } else if (name == "Warning") {
    Output("warning: " + text + "\n");
  } else if (!text.empty() && (name == "StdOut" || name == "StdErr")) {
    Output(text + "\n");  // what Catch2 captured of std::cout and std::cerr
  }
}

void XmlReportFollower::Text(std::string_view text) {
  if (!text_element_.empty()) {
    if (text_.size() < kMaxMessage) text_.append(text.substr(0, kMaxMessage - text_.size()));
    return;
  }
  // Between elements: the reporter's own line breaks and indentation, and
  // whatever the tests printed straight to the descriptors. Held until the
  // next element, so that how the pipe cut it does not matter.
  raw_.append(text);
  if (raw_.size() > kOutputChunk) {
    // Lines as they complete; a print without newlines in pieces.
    const size_t nl = raw_.rfind('\n');
    Settle(nl != std::string::npos ? nl + 1 : raw_.size());
  }
}

void XmlReportFollower::Settle(size_t length) {
  std::string_view text = std::string_view(raw_).substr(0, length);
  if (!Blank(text)) {
    // Not the reporter's line break before the case's first print, nor its
    // indentation before the element that follows.
    if (!printed_) {
      while (!text.empty() && (text.front() == '\n' || text.front() == '\r')) text.remove_prefix(1);
    }
    if (length == raw_.size()) {
      while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    }
    if (current_ >= 0 && !foreign_) {
      printed_ = true;
      Output(text);
    } else {
      Stray(text);
    }
  }
  raw_.erase(0, length);
}

bool XmlReportFollower::Ended(const core::ProcessEnd& end, std::string_view note) {
  if (!raw_.empty()) Settle(raw_.size());
  if (current_ < 0) return false;
  if (has_result_ && !fatal_) {
    Finish(Reported(), 0);
    return false;
  }
  if (fatal_ && !end.signaled) {  // reported, and the process did not die of it
    Finish(Outcome::kFailed, 0);
    return false;
  }
  if (!message_.empty() && message_.back() != '\n') message_ += '\n';
  message_ += core::BinaryEndedInTest(end, note);
  Finish(Outcome::kCrashed, end.signaled ? end.code : 0);
  return true;
}

std::vector<uint32_t> XmlReportFollower::Unstarted() const {
  std::vector<uint32_t> out;
  for (size_t i = 0; i < group_.size(); ++i) {
    if (!done_[i]) out.push_back(group_[i]);
  }
  return out;
}

Outcome XmlReportFollower::Reported() const {
  if (!success_) return Outcome::kFailed;
  return skipped_ ? Outcome::kSkipped : Outcome::kPassed;
}

void XmlReportFollower::Finish(Outcome outcome, int signal) {
  Flush();
  const auto pos = static_cast<size_t>(current_);
  sink_.TestFinished(group_[pos], outcome, message_, signal, reported_ms_);
  done_[pos] = true;
  current_ = -1;
  fatal_ = false;
  has_result_ = false;
  success_ = false;
  skipped_ = false;
  expression_ = false;
  reported_ms_ = -1;
  sections_.clear();
  message_.clear();
}

void XmlReportFollower::Say(std::string_view text) {
  if (message_.size() < kMaxMessage) message_.append(text.substr(0, kMaxMessage - message_.size()));
}

void XmlReportFollower::Output(std::string_view text) {
  out_.append(text);
  if (out_.size() >= kOutputChunk) Flush();
}

void XmlReportFollower::Flush() {
  if (out_.empty()) return;
  sink_.Write(out_);
  out_.clear();
}

void XmlReportFollower::Stray(std::string_view text) {
  stray_.append(text);
  if (stray_.size() > 2 * kStrayKept) stray_.erase(0, stray_.size() - kStrayKept);
}

}  // namespace mprun::runner
