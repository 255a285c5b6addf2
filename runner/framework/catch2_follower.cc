#include "runner/framework/catch2_follower.h"

#include <cstdlib>

#include "core/rules/decisions.h"

namespace mprun::runner {

namespace {

using core::Outcome;

// Catch2 v2's XML reporter's elements; any other '<' is a test's print.
const std::vector<std::string_view> kElements = {"?xml",           "Catch",
                                                 "Group",          "TestCase",
                                                 "Section",        "Expression",
                                                 "Original",       "Expanded",
                                                 "Exception",      "FatalErrorCondition",
                                                 "Failure",        "Info",
                                                 "Warning",        "OverallResult",
                                                 "OverallResults", "OverallResultsCases",
                                                 "StdOut",         "StdErr",
                                                 "Randomness",     "BenchmarkResults"};

// Elements whose text the follower gathers.
bool GathersText(std::string_view name) {
  for (std::string_view n : {"Original", "Expanded", "Exception", "FatalErrorCondition", "Failure",
                             "Info", "Warning", "StdOut", "StdErr"}) {
    if (name == n) return true;
  }
  return false;
}

// The reporter indents an element's text: each line without its leading
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

}  // namespace

Catch2Follower::Catch2Follower(FollowerSink& sink, const std::vector<uint32_t>& group,
                               std::vector<std::string> names)
    : sink_(sink),
      group_(group),
      names_(std::move(names)),
      done_(group_.size(), false),
      xml_(*this, kElements) {
  for (size_t i = 0; i < names_.size(); ++i) index_.emplace(names_[i], i);
}

void Catch2Follower::Feed(std::string_view chunk) {
  xml_.Feed(chunk);
  Flush();
}

void Catch2Follower::Close() {
  xml_.Close();
  if (!raw_.empty()) Settle(raw_.size());
  Flush();
}

void Catch2Follower::Element(const XmlTag& tag) {
  if (!raw_.empty()) Settle(raw_.size());
  if (!text_element_.empty()) {
    if (tag.closing && tag.name == text_element_) TextElementEnds(tag.name);
    return;
  }
  if (tag.name == "TestCase") {
    if (!tag.closing) {
      CaseStarts(tag);
    } else if (foreign_) {
      foreign_ = false;
    } else if (current_ >= 0 && finish_at_case_end_ && !fatal_) {
      Finish(success_ ? Outcome::kPassed : Outcome::kFailed, 0);
    }
    return;
  }
  if (current_ >= 0 && !foreign_) InCase(tag);
}

void Catch2Follower::CaseStarts(const XmlTag& tag) {
  // A case still open here reported no end (it cannot, in Catch2's order).
  if (current_ >= 0) {
    if (!finish_at_case_end_) Say("Catch2 reported no result for this test case\n");
    Finish(success_ && !fatal_ && finish_at_case_end_ ? Outcome::kPassed : Outcome::kFailed, 0);
  }
  const auto it = index_.find(tag.Attribute("name"));
  if (it == index_.end() || done_[it->second]) {
    foreign_ = true;
    return;
  }
  foreign_ = false;
  current_ = static_cast<int>(it->second);
  ran_any_ = true;
  printed_ = false;
  sink_.TestStarted(group_[it->second]);
}

void Catch2Follower::InCase(const XmlTag& tag) {
  if (tag.name == "Section") {
    if (!tag.closing && !tag.self_closing) sections_.push_back(tag.Attribute("name"));
    if (tag.closing && !sections_.empty()) sections_.pop_back();
    return;
  }
  if (tag.name == "Expression" && !tag.closing) {
    expression_failed_ = tag.Attribute("success") == "false";
    expression_type_ = tag.Attribute("type");
    where_ = tag.Attribute("filename") + ":" + tag.Attribute("line");
    original_.clear();
    return;
  }
  if (tag.name == "OverallResult") {
    if (!tag.closing) Result(tag);
    if ((tag.closing || tag.self_closing) && !fatal_) {
      Finish(success_ ? Outcome::kPassed : Outcome::kFailed, 0);
    }
    return;
  }
  if (GathersText(tag.name) && !tag.closing) {
    if (tag.HasAttribute("filename")) {
      where_ = tag.Attribute("filename") + ":" + tag.Attribute("line");
    }
    text_element_ = std::string(tag.name);
    text_.clear();
    if (tag.self_closing) TextElementEnds(tag.name);
  }
}

void Catch2Follower::Result(const XmlTag& tag) {
  success_ = tag.Attribute("success") == "true";
  finish_at_case_end_ = true;
  const std::string seconds = tag.Attribute("durationInSeconds");
  if (!seconds.empty()) {
    char* end = nullptr;
    const double s = std::strtod(seconds.c_str(), &end);
    if (end != seconds.c_str() && s >= 0 && s < 1e9) reported_ms_ = static_cast<int64_t>(s * 1000);
  }
}

void Catch2Follower::TextElementEnds(std::string_view name) {
  const std::string text = Unindent(XmlDecode(text_));
  text_element_.clear();
  text_.clear();
  std::string in_section;
  for (size_t i = 0; i < sections_.size(); ++i) {
    in_section += (i == 0 ? "in section: " : " / ") + sections_[i];
  }
  if (!in_section.empty()) in_section += '\n';
  if (name == "Original") {
    original_ = text;
  } else if (name == "Expanded") {
    if (expression_failed_) {
      Say(where_ + ": Failure\n" + in_section + "  " + expression_type_ + "( " + original_ +
          " )\nwith expansion:\n  " + text + "\n");
    }
  } else if (name == "Exception") {
    Say(where_ + ": Failure\n" + in_section + "exception thrown: " + text + "\n");
  } else if (name == "FatalErrorCondition") {
    fatal_ = true;
    Say(where_ + ": Failure\n" + in_section + "fatal error condition: " + text + "\n");
  } else if (name == "Failure") {
    Say(where_ + ": Failure\n" + in_section + text + "\n");
  } else if (name == "Info") {
    Say("info: " + text + "\n");
  } else if (name == "Warning") {
    Output("warning: " + text + "\n");
  } else if (!text.empty()) {  // StdOut, StdErr: what Catch2 captured of std::cout and cerr
    Output(text + "\n");
  }
}

void Catch2Follower::Text(std::string_view text) {
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

void Catch2Follower::Settle(size_t length) {
  std::string_view text = std::string_view(raw_).substr(0, length);
  bool blank = true;
  for (char c : text) blank = blank && (c == ' ' || c == '\n' || c == '\t' || c == '\r');
  if (!blank) {
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

bool Catch2Follower::Ended(const core::ProcessEnd& end, std::string_view note) {
  if (!raw_.empty()) Settle(raw_.size());
  if (current_ < 0) return false;
  if (finish_at_case_end_ && !fatal_) {
    Finish(success_ ? Outcome::kPassed : Outcome::kFailed, 0);
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

std::vector<uint32_t> Catch2Follower::Unstarted() const {
  std::vector<uint32_t> out;
  for (size_t i = 0; i < group_.size(); ++i) {
    if (!done_[i]) out.push_back(group_[i]);
  }
  return out;
}

void Catch2Follower::Finish(Outcome outcome, int signal) {
  Flush();
  const auto pos = static_cast<size_t>(current_);
  sink_.TestFinished(group_[pos], outcome, message_, signal, reported_ms_);
  done_[pos] = true;
  current_ = -1;
  fatal_ = false;
  finish_at_case_end_ = false;
  success_ = false;
  reported_ms_ = -1;
  sections_.clear();
  message_.clear();
}

void Catch2Follower::Say(std::string_view text) {
  if (message_.size() < kMaxMessage) message_.append(text.substr(0, kMaxMessage - message_.size()));
}

void Catch2Follower::Output(std::string_view text) {
  out_.append(text);
  if (out_.size() >= kOutputChunk) Flush();
}

void Catch2Follower::Flush() {
  if (out_.empty()) return;
  sink_.Write(out_);
  out_.clear();
}

void Catch2Follower::Stray(std::string_view text) {
  stray_.append(text);
  if (stray_.size() > 2 * kStrayKept) stray_.erase(0, stray_.size() - kStrayKept);
}

}  // namespace mprun::runner
