// `--gtest_list_tests` output, as any binary may print it (driver mode).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/input/gtest_list.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<mprun::core::ListedTest> tests;
  std::string err;
  if (mprun::core::ParseGtestList(text, &tests, &err)) {
    // What it accepts is what a launch's --gtest_filter can name.
    for (const auto& t : tests) {
      if (t.suite.empty() || t.name.empty()) std::abort();
      for (char c : t.suite + t.name) {
        if (c == '\n' || c == '\0' || c == ':') std::abort();
      }
    }
  } else if (err.empty()) {
    std::abort();  // a refusal always says why
  }
  return 0;
}
