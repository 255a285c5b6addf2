#include "core/report/xml.h"

#include <cstdint>

#include "core/report/json.h"

namespace mprun::core {

namespace {

// Length of a valid UTF-8 sequence at s[i] whose code point XML allows, or 0.
size_t XmlCharLength(std::string_view s, size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) return (b0 >= 0x20 || b0 == '\t' || b0 == '\n' || b0 == '\r') ? 1 : 0;
  uint32_t cp = 0;
  const size_t len = Utf8Length(s, i, &cp);
  return cp == 0xFFFE || cp == 0xFFFF ? 0 : len;
}

}  // namespace

std::string XmlValidText(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const size_t len = XmlCharLength(s, i);
    if (len == 0) {
      ++i;
      continue;
    }
    out.append(s.substr(i, len));
    i += len;
  }
  return out;
}

std::string XmlAttribute(std::string_view s) {
  std::string out;
  for (char c : XmlValidText(s)) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      case '\n':
        out += "&#x0A;";
        break;
      case '\r':
        out += "&#x0D;";
        break;
      case '\t':
        out += "&#x09;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string XmlCData(std::string_view s) {
  std::string text = XmlValidText(s);
  std::string out = "<![CDATA[";
  size_t from = 0;
  for (size_t at; (at = text.find("]]>", from)) != std::string::npos; from = at + 2) {
    out.append(text, from, at + 2 - from);
    out += "]]><![CDATA[";
  }
  out.append(text, from, std::string::npos);
  out += "]]>";
  return out;
}

}  // namespace mprun::core
