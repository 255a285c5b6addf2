#include "core/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace mprun::core {

bool ReadFile(const std::string& path, std::string* text, std::string* err) {
  text->clear();
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *err = path + ": cannot be read: " + std::strerror(errno);
    return false;
  }
  // The size is a hint: one byte more than it shows the end without a
  // second buffer; a file that says 0 or grows gets more room as it goes.
  struct stat st;
  const bool sized = fstat(fd, &st) == 0 && st.st_size > 0;
  text->resize(sized ? static_cast<size_t>(st.st_size) + 1 : 4096);
  size_t done = 0;
  for (;;) {
    if (done == text->size()) text->resize(text->size() * 2);
    const ssize_t n = read(fd, text->data() + done, text->size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      *err = path + ": cannot be read: " + std::strerror(errno);
      close(fd);
      text->clear();
      return false;
    }
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  close(fd);
  text->resize(done);
  return true;
}

std::string ReadWholeFile(const std::string& path) {
  std::string text;
  std::string ignored;
  ReadFile(path, &text, &ignored);
  return text;
}

bool WriteFileAtomicallyWith(const std::string& path, const std::function<bool(std::FILE*)>& write,
                             std::string* err) {
  const std::string tmp = path + ".tmp." + std::to_string(getpid());
  // O_EXCL|O_NOFOLLOW: never write through a link someone placed there.
  const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  std::FILE* out = fd < 0 ? nullptr : fdopen(fd, "w");
  if (out == nullptr) {
    *err = "cannot create " + tmp + ": " + std::strerror(errno);
    if (fd >= 0) close(fd);
    unlink(tmp.c_str());
    return false;
  }
  const bool wrote = write(out) && std::fflush(out) == 0 && !std::ferror(out);
  const int write_errno = errno;
  if (std::fclose(out) != 0 || !wrote) {
    *err = "cannot write " + tmp + ": " + std::strerror(wrote ? errno : write_errno);
    unlink(tmp.c_str());
    return false;
  }
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    *err = "cannot write " + path + ": " + std::strerror(errno);
    unlink(tmp.c_str());
    return false;
  }
  return true;
}

bool WriteFileAtomically(const std::string& path, std::string_view content, std::string* err) {
  return WriteFileAtomicallyWith(
      path,
      [&](std::FILE* out) {
        return std::fwrite(content.data(), 1, content.size(), out) == content.size();
      },
      err);
}

}  // namespace mprun::core
