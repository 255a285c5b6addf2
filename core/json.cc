#include "core/json.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>

namespace mprun::core {

size_t Utf8Length(std::string_view s, size_t i, uint32_t* code_point) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  size_t len;
  uint32_t min;
  uint32_t cp;
  if (b0 < 0x80) {
    if (code_point != nullptr) *code_point = b0;
    return 1;
  }
  if ((b0 & 0xE0) == 0xC0) {
    len = 2, min = 0x80, cp = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, min = 0x800, cp = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, min = 0x10000, cp = b0 & 0x07;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  if (code_point != nullptr) *code_point = cp;
  return len;
}

namespace {}  // namespace

void AppendJsonString(std::string* out, std::string_view s) {
  out->push_back('"');
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"':
        out->append("\\\"");
        ++i;
        continue;
      case '\\':
        out->append("\\\\");
        ++i;
        continue;
      case '\n':
        out->append("\\n");
        ++i;
        continue;
      case '\r':
        out->append("\\r");
        ++i;
        continue;
      case '\t':
        out->append("\\t");
        ++i;
        continue;
      default:
        break;
    }
    if (c < 0x20 || c == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out->append(buf);
      ++i;
      continue;
    }
    const size_t len = Utf8Length(s, i);
    if (len == 0) {
      out->append("\\ufffd");
      ++i;
    } else {
      out->append(s.substr(i, len));
      i += len;
    }
  }
  out->push_back('"');
}

void AppendJsonNumber(std::string* out, double v, int digits) {
  if (!std::isfinite(v)) {
    out->push_back('0');
    return;
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  out->append(buf);
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
