// A history file as another run (or another version, or a disk error) left
// it. Loaded for a fixed test table of two binaries (two sections read and
// written together), recorded into and saved; what is saved must load again
// without a warning.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/input/history_file.h"

namespace {

std::string Scratch() {
  static const std::string dir = [] {
    char tmpl[] = "/tmp/mprun-fuzz-history-XXXXXX";
    const char* d = mkdtemp(tmpl);
    if (d == nullptr) std::abort();
    return std::string(d);
  }();
  return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::vector<mprun::core::TestName> tests = {
      {0, "Suite", "A"}, {0, "Suite", "B"}, {0, "Other", "C/1"}};
  const std::string path = Scratch() + "/history.json";
  {
    FILE* f = std::fopen(path.c_str(), "wb");
    if (f == nullptr) std::abort();
    std::fwrite(data, 1, size, f);
    std::fclose(f);
  }
  std::string warning;
  const std::vector<mprun::core::History::Binary> binaries = {{"unit_tests", &tests},
                                                              {"other_tests", &tests}};
  mprun::core::History h = mprun::core::History::Load(path, binaries, &warning);
  mprun::core::TestHistory th;
  for (size_t b = 0; b < binaries.size(); ++b) {
    for (size_t t = 0; t < tests.size(); ++t) {
      if (h.Find(b, t, &th)) {
        if (th.durations_us.size() > mprun::core::History::kKeep) std::abort();
        (void)th.EstimateMs();
      }
      // A set-up seen before the first test, none before the last, nothing
      // seen for the middle one (the file's figure stays).
      const double set_up = t == 0 ? 12.5 : t + 1 == tests.size() ? 0 : -1;
      h.Record(b, t, 1.5 * static_cast<double>(t), mprun::core::Outcome::kPassed, false, set_up);
    }
  }
  std::string err;
  if (!h.Save(path, &err)) std::abort();
  warning.clear();
  mprun::core::History again = mprun::core::History::Load(path, binaries, &warning);
  if (!warning.empty()) std::abort();  // mprun reads what it wrote
  for (size_t b = 0; b < binaries.size(); ++b) {
    for (size_t t = 0; t < tests.size(); ++t) {
      if (!again.Find(b, t, &th)) std::abort();
      if (t == 0 && th.suite_set_up_us != 12500) std::abort();
      if (t + 1 == tests.size() && th.suite_set_up_us != 0) std::abort();
    }
  }
  return 0;
}
