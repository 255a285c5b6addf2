// GoogleTest's --gtest_filter semantics, so mprun selects exactly the tests
// plain gtest would. Pure; any process.
//
// "POS1:POS2-NEG1:NEG2": a test runs when its full name "Suite.Test" matches
// some positive pattern (none given = "*") and no negative one; '*' matches
// any run of characters, '?' any one character.
#ifndef MPRUN_CORE_RULES_GTEST_FILTER_H_
#define MPRUN_CORE_RULES_GTEST_FILTER_H_

#include <string>
#include <string_view>
#include <vector>

namespace mprun::core {

class GtestFilter {
 public:
  explicit GtestFilter(std::string_view filter);
  bool Matches(std::string_view full_name) const;

 private:
  std::vector<std::string> positive_;
  std::vector<std::string> negative_;
};

bool WildcardMatch(std::string_view pattern, std::string_view text);

// gtest's rule: a test is disabled when its suite or its name matches
// "DISABLED_*" or "*/DISABLED_*".
bool IsDisabledTest(std::string_view suite, std::string_view name);

}  // namespace mprun::core

#endif  // MPRUN_CORE_RULES_GTEST_FILTER_H_
