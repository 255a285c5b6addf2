#include "core/rules/gtest_filter.h"

namespace mprun::core {

namespace {

std::vector<std::string> SplitPatterns(std::string_view s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    const size_t colon = s.find(':', start);
    const size_t end = colon == std::string_view::npos ? s.size() : colon;
    if (end > start) out.emplace_back(s.substr(start, end - start));
    if (colon == std::string_view::npos) break;
    start = colon + 1;
  }
  return out;
}

}  // namespace

GtestFilter::GtestFilter(std::string_view filter) {
  const size_t dash = filter.find('-');
  positive_ = SplitPatterns(filter.substr(0, dash));
  if (dash != std::string_view::npos) negative_ = SplitPatterns(filter.substr(dash + 1));
  if (positive_.empty()) positive_.push_back("*");
}

bool GtestFilter::Matches(std::string_view full_name) const {
  bool positive = false;
  for (const std::string& p : positive_) {
    if (WildcardMatch(p, full_name)) {
      positive = true;
      break;
    }
  }
  if (!positive) return false;
  for (const std::string& n : negative_) {
    if (WildcardMatch(n, full_name)) return false;
  }
  return true;
}

bool WildcardMatch(std::string_view pattern, std::string_view text) {
  // Iterative matcher with one backtrack point for the last '*'.
  size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool IsDisabledTest(std::string_view suite, std::string_view name) {
  // gtest matches both names against "DISABLED_*:*/DISABLED_*".
  static const GtestFilter kDisabled("DISABLED_*:*/DISABLED_*");
  return kDisabled.Matches(suite) || kDisabled.Matches(name);
}

}  // namespace mprun::core
