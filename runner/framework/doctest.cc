// doctest, the third TestFramework: its listing and a launch's stream both
// through its XML reporter (XmlReportFollower), a launch given its exact
// cases in one --test-case filter.
#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "runner/framework/test_framework.h"
#include "runner/framework/xml_report_follower.h"
#include "runner/framework/xml_stream.h"

namespace mprun::runner {

namespace {

// doctest reads only the last --test-case given, and an argument may not
// exceed 128 KiB (the kernel's limit): a longer selection is launched in
// parts (TestFramework::MaxSelectionBytes). Its test suites are the
// table's suites: a case is "Suite.Name" there, as in mprun's filter.
constexpr size_t kMaxFilterArg = 100000;

// The option's value when `arg` is doctest's --test-case in any of its
// spellings (-tc=, --dt-test-case=...); null otherwise.
const char* TestCaseValue(const std::string& arg) {
  for (std::string_view prefix : {"--test-case=", "-test-case=", "--tc=", "-tc=", "--dt-test-case=",
                                  "-dt-test-case=", "--dt-tc=", "-dt-tc="}) {
    if (arg.rfind(prefix, 0) == 0) return arg.c_str() + prefix.size();
  }
  return nullptr;
}

// A filter as doctest splits it: ',' separates, '\' escapes ',' and
// itself.
std::string Filter(std::string_view option, const std::vector<std::string>& values) {
  std::string out(option);
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    for (char c : values[i]) {
      if (c == ',' || c == '\\') out += '\\';
      out += c;
    }
  }
  return out;
}

class Doctest : public TestFramework {
 public:
  const char* name() const override { return "doctest"; }

  // An ELF file holding doctest's context (its version line and its
  // listing flag's help).
  bool Recognises(std::string_view bytes) const override {
    return ElfHolding(bytes, {"doctest version is \"", "--list-test-cases"});
  }

  std::vector<std::string> ListArgs() const override {
    return {"--list-test-cases", "--reporters=xml"};
  }
  std::string ListingName() const override { return "--list-test-cases"; }
  std::string NotABinaryHint() const override { return "; is it a doctest binary?"; }

  // The XML listing, cases in the order doctest runs them (by file by
  // default); a skipped case (doctest::skip) is left out, as doctest does.
  bool ParseListing(std::string_view text, std::vector<core::ListedTest>* out,
                    std::string* err) const override {
    // <doctest><TestCase name=... testsuite=... skipped="false"/>...
    out->clear();
    size_t n = 0;
    return ReadXmlListing(
        text, {"?xml", "Options", "TestCase", "OverallResultsTestCases"}, "doctest", "doctest's",
        [&](const XmlTag& tag) {
          if (tag.name != "TestCase" || tag.closing || tag.Attribute("skipped") == "true") return;
          out->push_back({tag.Attribute("testsuite"), tag.Attribute("name")});
          ++n;
        },
        nullptr, &n, err);
  }

  size_t MaxSelectionBytes() const override { return kMaxFilterArg; }

  bool LaunchArgs(const std::vector<Selected>& selected, bool also_run_disabled,
                  const std::string& scratch_dir, std::vector<std::string>* args, std::string* file,
                  std::string* err) const override {
    (void)also_run_disabled, (void)scratch_dir, (void)err;
    file->clear();
    // The cases by name, and by suite when every one has one: a name in
    // two suites (doctest allows it) then runs in the one asked for only.
    // (A '*' or '?' stays a wildcard, and a name asked for in one suite
    // may exist in another that was also asked for: the follower ignores
    // a case it was not given.)
    std::vector<std::string> names, suites;
    bool every_one_has_a_suite = true;
    for (const Selected& t : selected) {
      names.push_back(t.name);
      every_one_has_a_suite = every_one_has_a_suite && !t.suite.empty();
      if (std::find(suites.begin(), suites.end(), t.suite) == suites.end()) {
        suites.push_back(t.suite);
      }
    }
    *args = {Filter("--test-case=", names)};
    if (every_one_has_a_suite) args->push_back(Filter("--test-suite=", suites));
    args->insert(args->end(), {"--case-sensitive=true", "--reporters=xml", "--duration=true"});
    return true;
  }

  // doctest_discover_tests gives `--test-case=NAME` (',' escaped), an empty
  // argument (no JUnit file), then its EXTRA_ARGS. Any other option
  // changes what a launch runs or how it reports: such a test runs as it
  // is.
  Asks ReadCommand(const std::vector<std::string>& args, core::ListedTest* test,
                   std::vector<std::string>* rest) const override {
    rest->clear();
    int filters = 0;
    const char* value = nullptr;
    for (const std::string& a : args) {
      if (a.empty()) continue;
      const char* v = TestCaseValue(a);
      if (v == nullptr) return Asks::kAsItIs;
      ++filters;
      value = v;
    }
    if (filters == 0) return Asks::kWholeBinary;
    if (filters > 1) return Asks::kAsItIs;
    std::string name;
    for (const char* c = value; *c != '\0'; ++c) {
      if (*c == '\\' && (c[1] == ',' || c[1] == '\\')) {
        name += *++c;
        continue;
      }
      if (*c == ',' || *c == '*' || *c == '?') return Asks::kAsItIs;
      name += *c;
    }
    if (name.empty()) return Asks::kAsItIs;
    *test = {"", name};
    return Asks::kOneTest;
  }

  std::unique_ptr<StreamFollower> Follow(FollowerSink& sink, const std::vector<uint32_t>& group,
                                         std::vector<std::string> names) const override {
    return std::make_unique<XmlReportFollower>(DoctestDialect(), sink, group, std::move(names));
  }
};

}  // namespace

const TestFramework& DoctestFramework() {
  static const Doctest kDoctest;
  return kDoctest;
}

}  // namespace mprun::runner
