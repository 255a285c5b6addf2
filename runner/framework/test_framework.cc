// Which framework's binary a program file is: each framework recognises
// its own, from the bytes alone.
#include "runner/framework/test_framework.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <functional>

namespace mprun::runner {

namespace {

// Calls `look` with the bytes of the file at `path` (mapped); false when it
// cannot be read.
bool WithBytes(const std::string& path, const std::function<void(std::string_view)>& look) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool read = false;
  struct stat st;
  if (fstat(fd, &st) == 0 && st.st_size > 4) {
    const auto size = static_cast<size_t>(st.st_size);
    void* map = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map != MAP_FAILED) {
      look(std::string_view(static_cast<const char*>(map), size));
      read = true;
      munmap(map, size);
    }
  }
  close(fd);
  return read;
}

}  // namespace

bool ElfHolding(std::string_view bytes, std::initializer_list<std::string_view> strings) {
  if (bytes.substr(0, 4) != std::string_view("\x7f"
                                             "ELF",
                                             4))
    return false;
  for (std::string_view s : strings) {
    if (bytes.find(s) == std::string_view::npos) return false;
  }
  return true;
}

const TestFramework* FrameworkOfFile(const std::string& path) {
  const TestFramework* found = nullptr;
  WithBytes(path, [&found](std::string_view bytes) {
    for (const TestFramework* f :
         {&GoogleTestFramework(), &Catch2Framework(), &Catch2V3Framework(), &DoctestFramework()}) {
      if (f->Recognises(bytes)) {
        found = f;
        return;
      }
    }
  });
  return found;
}

std::string UnknownFrameworkOfFile(const std::string& path) {
  std::string family;
  WithBytes(path, [&family](std::string_view bytes) {
    if (bytes.substr(0, 4) != std::string_view("\x7f"
                                               "ELF",
                                               4))
      return;
    if (bytes.find("Catch2") != std::string_view::npos ||
        bytes.find(" is a Catch v") != std::string_view::npos) {
      family = "Catch2";
    } else if (bytes.find("doctest") != std::string_view::npos &&
               bytes.find("DOCTEST") != std::string_view::npos) {
      family = "doctest";
    }
  });
  return family;
}

}  // namespace mprun::runner
