// `mprun merge` over a shard's JSON report as a disk, a killed run or a
// hostile user left it (and over two copies of it, for the duplicate checks).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "runner/merge.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = [] {
    char tmpl[] = "/tmp/mprun-fuzz-merge-XXXXXX";
    const char* d = mkdtemp(tmpl);
    if (d == nullptr) std::abort();
    return std::string(d) + "/r.json";
  }();
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) std::abort();
  std::fwrite(data, 1, size, f);
  std::fclose(f);
  std::string a0 = "merge", a1 = "-q", a2 = path, a3 = path;
  char* argv[] = {a0.data(), a1.data(), a2.data(), a3.data(), nullptr};
  const int status = mprun::runner::RunMerge(size % 2 == 0 ? 3 : 4, argv);
  if (status != 0 && status != 1 && status != 2) std::abort();
  return 0;
}
