// mprun's flags and MPRUN_* variables: the input is NUL-separated words;
// "NAME=value" words after a lone "ENV" word are the environment. A first
// word "merge", "report" or "ctest" parses that sub-command's command line
// instead.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "core/input/options.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<std::string> words(1, "");
  for (size_t i = 0; i < size; ++i) {
    if (data[i] == 0) {
      words.emplace_back();
    } else {
      words.back() += static_cast<char>(data[i]);
    }
  }
  std::vector<std::string> args = {"bin"};
  std::map<std::string, std::string> env;
  bool in_env = false;
  for (const std::string& w : words) {
    if (w == "ENV") {
      in_env = true;
    } else if (in_env) {
      const size_t eq = w.find('=');
      if (eq != std::string::npos) env[w.substr(0, eq)] = w.substr(eq + 1);
    } else {
      args.push_back(w);
    }
  }
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int argc = static_cast<int>(args.size());
  std::string err;
  switch (mprun::core::CommandOf(argc, argv.data())) {
    case mprun::core::Command::kMerge: {
      mprun::core::MergeOptions merge;
      const bool ok = mprun::core::ParseMergeOptions(argc - 1, argv.data() + 1, &merge, &err);
      if (!ok && err.empty()) std::abort();  // a refusal names the option
      if (ok && !merge.help && merge.inputs.empty()) std::abort();
      return 0;
    }
    case mprun::core::Command::kReport: {
      mprun::core::ReportOptions report;
      const bool ok = mprun::core::ParseReportOptions(argc - 1, argv.data() + 1, &report, &err);
      if (!ok && err.empty()) std::abort();
      if (ok && !report.help && (report.inputs.empty() || report.html_path.empty())) std::abort();
      return 0;
    }
    case mprun::core::Command::kCtest: {
      mprun::core::Options run;
      mprun::core::CtestOptions ctest;
      const bool ok = mprun::core::ParseCtestOptions(
          argc - 1, argv.data() + 1,
          [&env](const char* n) {
            const auto it = env.find(n);
            return it == env.end() ? nullptr : it->second.c_str();
          },
          &run, &ctest, &err);
      if (!ok && err.empty()) std::abort();  // a refusal names the option
      if (ok && (ctest.repeat_count < 1 || (run.processes && *run.processes == 0))) std::abort();
      // A selection only ctest makes is handed to it whole.
      if (ok && ctest.by_ctest && ctest.selection.empty()) std::abort();
      return 0;
    }
    case mprun::core::Command::kRun:
      break;
  }
  mprun::core::Options opts;
  const bool ok = mprun::core::ParseOptions(
      &argc, argv.data(),
      [&env](const char* n) {
        const auto it = env.find(n);
        return it == env.end() ? nullptr : it->second.c_str();
      },
      &opts, &err);
  if (!ok && err.empty()) std::abort();  // a refusal names the flag
  if (ok) {
    // What is left for gtest is a subsequence of what was given, argv[0] first.
    if (argc < 1 || argc > static_cast<int>(args.size()) || argv[argc] != nullptr) std::abort();
    if (opts.repeat_each < 1 || opts.fail_on_slowdown_pct < 0) std::abort();
  }
  return 0;
}
