#include "runner/run/timings.h"

#include <time.h>

#include <cstdint>
#include <vector>

namespace mprun::runner::timings {

namespace {

uint64_t NowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<uint64_t>(ts.tv_nsec);
}

// The process's start, as near as static initialisation gets to its exec.
struct Marks {
  uint64_t start_ns = NowNs();
  std::vector<std::pair<const char*, uint64_t>> marks;
  bool enabled = false;
};

Marks& TheMarks() {
  static Marks m;
  return m;
}

// Taken at static initialisation, not at the first mark.
[[maybe_unused]] const bool kStarted = (TheMarks(), true);

}  // namespace

void Mark(const char* what) { TheMarks().marks.emplace_back(what, NowNs()); }

void Enable() { TheMarks().enabled = true; }

bool Enabled() { return TheMarks().enabled; }

void Print(FILE* out) {
  const Marks& m = TheMarks();
  if (!m.enabled) return;
  uint64_t prev = m.start_ns;
  for (const auto& [what, at] : m.marks) {
    std::fprintf(out, "mprun: timings: %-24s %8.2f ms  (at %8.2f ms)\n", what,
                 static_cast<double>(at - prev) / 1e6, static_cast<double>(at - m.start_ns) / 1e6);
    prev = at;
  }
}

}  // namespace mprun::runner::timings
