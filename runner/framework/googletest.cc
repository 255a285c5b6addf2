// GoogleTest, the first TestFramework: --gtest_list_tests, an exact
// --gtest_filter per launch, and its console stream (ConsoleFollower).
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "runner/framework/gtest_console_follower.h"
#include "runner/framework/test_framework.h"

namespace mprun::runner {

namespace {

// A filter longer than this goes through a --gtest_flagfile (the kernel
// refuses any single argument over 128 KiB).
constexpr size_t kMaxFilterArg = 100000;

class GoogleTest : public TestFramework {
 public:
  const char* name() const override { return "GoogleTest"; }

  // An ELF file holding gtest linked in (strings only gtest's own code has:
  // its flag's help and its sharding variable, both) or needing it as a
  // shared library. A script or any other file is never asked.
  bool Recognises(std::string_view bytes) const override {
    return ElfHolding(bytes, {"--gtest_list_tests", "GTEST_SHARD_INDEX"}) ||
           ElfHolding(bytes, {"libgtest.so"});
  }

  std::vector<std::string> ListArgs() const override { return {"--gtest_list_tests"}; }
  std::string ListingName() const override { return "--gtest_list_tests"; }
  std::string NotABinaryHint() const override { return "; is it a GoogleTest binary?"; }
  bool NamesWholeSuites() const override { return true; }
  bool ParseListing(std::string_view text, std::vector<core::ListedTest>* out,
                    std::string* err) const override {
    return core::ParseGtestList(text, out, err);
  }

  bool LaunchArgs(const std::vector<Selected>& selected, bool also_run_disabled,
                  const std::string& scratch_dir, std::vector<std::string>* args, std::string* file,
                  std::string* err) const override {
    std::string filter = "--gtest_filter=";
    for (size_t i = 0; i < selected.size(); ++i) {
      if (i > 0) filter += ':';
      filter += selected[i].whole_suite ? selected[i].suite + ".*" : selected[i].FullName();
    }
    args->clear();
    file->clear();
    if (filter.size() > kMaxFilterArg) {
      *file = scratch_dir + "/mprun-filter-" + std::to_string(getpid()) + ".txt";
      FILE* f = std::fopen(file->c_str(), "w");
      const bool ok =
          f != nullptr && std::fputs(filter.c_str(), f) >= 0 && std::fputc('\n', f) >= 0;
      if (f != nullptr) std::fclose(f);
      if (!ok) {
        *err = "mprun could not write its filter file " + *file + ": " + std::strerror(errno);
        return false;
      }
      args->push_back("--gtest_flagfile=" + *file);
    } else {
      args->push_back(std::move(filter));
    }
    args->push_back("--gtest_color=no");
    if (also_run_disabled) args->push_back("--gtest_also_run_disabled_tests");
    return true;
  }

  // gtest_discover_tests gives `--gtest_filter=Suite.Name` (and
  // --gtest_also_run_disabled_tests for a disabled test), its EXTRA_ARGS
  // around it.
  Asks ReadCommand(const std::vector<std::string>& args, core::ListedTest* test,
                   std::vector<std::string>* rest) const override {
    int filters = 0;
    std::string filter;
    for (const std::string& a : args) {
      if (a.rfind("--gtest_filter=", 0) == 0) {
        ++filters;
        filter = a.substr(std::strlen("--gtest_filter="));
      } else if (a.rfind("--gtest_list_tests", 0) == 0 || a.rfind("--gtest_repeat", 0) == 0 ||
                 a.rfind("--gtest_shuffle", 0) == 0 || a.rfind("--gtest_flagfile", 0) == 0) {
        return Asks::kAsItIs;  // changes what a launch runs
      } else {
        rest->push_back(a);
      }
    }
    if (filters == 0) return Asks::kWholeBinary;
    // One exact name (no pattern, no negative part): gtest_discover_tests'.
    const size_t dot = filter.find('.');
    if (filters > 1 || filter.find_first_of("*?:-") != std::string::npos ||
        dot == std::string::npos) {
      return Asks::kAsItIs;
    }
    *test = {filter.substr(0, dot), filter.substr(dot + 1)};
    return Asks::kOneTest;
  }

  std::unique_ptr<StreamFollower> Follow(FollowerSink& sink, const std::vector<uint32_t>& group,
                                         std::vector<std::string> names) const override {
    return std::make_unique<ConsoleFollower>(sink, group, std::move(names));
  }
};

}  // namespace

const TestFramework& GoogleTestFramework() {
  static const GoogleTest kGoogleTest;
  return kGoogleTest;
}

}  // namespace mprun::runner
