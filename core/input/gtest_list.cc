#include "core/input/gtest_list.h"

#include <algorithm>

namespace mprun::core {

namespace {

// The name, without a trailing "  # comment"; false when the rest is not one.
bool NameOf(std::string_view line, std::string_view* name) {
  const size_t end = line.find(' ');
  *name = line.substr(0, end);
  for (char c : *name) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return false;  // control characters
    // --gtest_filter's own characters: such a name could not be selected
    // exactly (found by tests/fuzz/fuzz_gtest_list).
    if (c == ':' || c == '*' || c == '?') return false;
  }
  if (end == std::string_view::npos) return !name->empty();
  std::string_view rest = line.substr(end);
  return !name->empty() && rest.substr(0, 4) == "  # ";
}

std::string Shown(std::string_view line) {
  std::string out;
  for (char c : line.substr(0, 80)) {
    out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? '?' : c;
  }
  return line.size() > 80 ? out + "..." : out;
}

}  // namespace

bool ParseGtestList(std::string_view text, std::vector<ListedTest>* out, std::string* err) {
  out->clear();
  out->reserve(static_cast<size_t>(std::count(text.begin(), text.end(), '\n')));
  std::string suite;
  bool have_suite = false;
  size_t line_no = 0;
  std::string preamble;  // the first line before the listing, for the error
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    auto bad = [&](const char* why) {
      *err = "line " + std::to_string(line_no) + " is not a test listing (" + why + "): \"" +
             Shown(line) + "\"";
      return false;
    };
    if (line.substr(0, 2) == "  ") {
      std::string_view name;
      if (!have_suite) return bad("a test before any suite");
      if (!NameOf(line.substr(2), &name)) return bad("not a test name");
      out->push_back({suite, std::string(name)});
      continue;
    }
    std::string_view name;
    if (line.front() == ' ' || !NameOf(line, &name) || name.size() < 2 || name.back() != '.') {
      // What a binary prints before its listing (gtest_main's "Running
      // main() from ...", a logger's banner) is passed over; inside the
      // listing it is not.
      if (!have_suite) {
        if (preamble.empty()) preamble = Shown(line);
        continue;
      }
      return bad("neither a suite nor a test");
    }
    suite.assign(name.substr(0, name.size() - 1));
    have_suite = true;
  }
  if (out->empty()) {
    *err = "it listed no tests";
    if (!preamble.empty()) *err += " (it printed: \"" + preamble + "\")";
    return false;
  }
  return true;
}

}  // namespace mprun::core
