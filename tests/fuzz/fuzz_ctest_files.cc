// A CTestTestfile.cmake (or a file it includes) as any build folder may
// hold it (mprun ctest reads them to know when its cache of ctest's listing
// is stale): whatever the bytes, an answer; every path it follows is one it
// may stat (absolute for include and if(EXISTS), never empty); a refusal
// says why.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/input/ctest_files.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  mprun::core::CtestFileRefs refs;
  std::string why;
  if (mprun::core::ReadCtestFileRefs(text, &refs, &why)) {
    if (!why.empty()) std::abort();
    for (const auto* paths : {&refs.includes, &refs.exists}) {
      for (const std::string& p : *paths) {
        if (p.empty() || p[0] != '/') std::abort();
      }
    }
    for (const std::string& p : refs.subdirs) {
      if (p.empty()) std::abort();
    }
  } else if (why.empty()) {
    std::abort();
  }
  return 0;
}
