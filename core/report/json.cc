#include "core/report/json.h"

#include <cmath>
#include <cstdint>

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

std::string_view ValidUtf8(std::string_view s, std::string* storage) {
  size_t i = 0;
  for (size_t len; i < s.size() && (len = Utf8Length(s, i)) != 0;) i += len;
  if (i == s.size()) return s;  // the common case: nothing copied
  storage->assign(s.substr(0, i));
  while (i < s.size()) {
    const size_t len = Utf8Length(s, i);
    if (len == 0) {
      storage->append("\xef\xbf\xbd");  // U+FFFD
      ++i;
    } else {
      storage->append(s.substr(i, len));
      i += len;
    }
  }
  return *storage;
}

double ReportNumber(double v) {
  // Rounded as printf's "%.3f" rounds, which the reports used before: the
  // exact binary value, halves to even. The product v * 1000 is rounded
  // once already and can make a half of what was none (1.2345 is
  // 1.23449999...), so at a half its rounding error, exact through fma,
  // says which way the exact product lies.
  const double p = v * 1000;
  double r = std::nearbyint(p);  // halves to even (the default rounding mode)
  const double rest = p - r;
  if (std::fabs(rest) == 0.5) {
    const double error = std::fma(v, 1000, -p);
    if (error > 0 && rest > 0) r += 1;
    if (error < 0 && rest < 0) r -= 1;
  }
  return r / 1000;
}

void LinesField(JsonWriter* w, const char* key, const std::string& lines) {
  const std::string array = "[" + lines + "\n]";
  w->Key(key);
  w->RawValue(array.data(), array.size(), rapidjson::kArrayType);
}

}  // namespace mprun::core
