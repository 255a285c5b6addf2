#include "runner/framework/xml_stream.h"

#include <algorithm>
#include <cstdint>

namespace mprun::runner {

namespace {

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == ':' || c == '.' || c == '?';
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    *out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    *out += static_cast<char>(0xC0 | (cp >> 6));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *out += static_cast<char>(0xE0 | (cp >> 12));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    *out += static_cast<char>(0xF0 | ((cp >> 18) & 0x07));
    *out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// The entity at text[0] ('&'): what it stands for and its length; false
// when it is none (the '&' is then itself).
bool Entity(std::string_view text, std::string* out, size_t* length) {
  const size_t semi = text.find(';');
  if (semi == std::string_view::npos || semi > 10) return false;
  const std::string_view body = text.substr(1, semi - 1);
  *length = semi + 1;
  static constexpr std::pair<std::string_view, char> kNamed[] = {
      {"lt", '<'}, {"gt", '>'}, {"amp", '&'}, {"quot", '"'}, {"apos", '\''}};
  for (auto [name, c] : kNamed) {
    if (body == name) {
      *out += c;
      return true;
    }
  }
  if (body.size() < 2 || body[0] != '#') return false;
  const bool hex = body[1] == 'x' || body[1] == 'X';
  const std::string_view digits = body.substr(hex ? 2 : 1);
  if (digits.empty()) return false;
  uint32_t cp = 0;
  for (char c : digits) {
    uint32_t d = 0;
    if (c >= '0' && c <= '9') {
      d = static_cast<uint32_t>(c - '0');
    } else if (hex && c >= 'a' && c <= 'f') {
      d = static_cast<uint32_t>(c - 'a' + 10);
    } else if (hex && c >= 'A' && c <= 'F') {
      d = static_cast<uint32_t>(c - 'A' + 10);
    } else {
      return false;
    }
    cp = cp * (hex ? 16 : 10) + d;
    if (cp > 0x10FFFF) return false;
  }
  AppendUtf8(cp, out);
  return true;
}

}  // namespace

std::string XmlDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    size_t length = 0;
    if (text[i] == '&' && Entity(text.substr(i), &out, &length)) {
      i += length;
    } else {
      out += text[i++];
    }
  }
  return out;
}

bool XmlTag::HasAttribute(std::string_view key) const {
  for (size_t at = 0; (at = attributes.find(key, at)) != std::string_view::npos; at += key.size()) {
    const bool starts = at == 0 || attributes[at - 1] == ' ' || attributes[at - 1] == '\t' ||
                        attributes[at - 1] == '\n';
    if (starts && attributes.substr(at + key.size(), 2) == "=\"") return true;
  }
  return false;
}

std::string XmlTag::Attribute(std::string_view key) const {
  // Values are quoted with '"' (both reporters escape it inside), so the
  // next '"' ends one: a key is found only outside values.
  bool in_value = false;
  for (size_t i = 0; i < attributes.size(); ++i) {
    if (attributes[i] == '"') {
      in_value = !in_value;
      continue;
    }
    if (in_value || (i > 0 && IsNameChar(attributes[i - 1]))) continue;
    if (attributes.substr(i, key.size()) != key || attributes.substr(i + key.size(), 2) != "=\"") {
      continue;
    }
    const size_t from = i + key.size() + 2;
    const size_t to = attributes.find('"', from);
    if (to == std::string_view::npos) return {};
    return XmlDecode(attributes.substr(from, to - from));
  }
  return {};
}

size_t XmlStream::TagEnd(size_t at) const {
  size_t i = at + 1;
  if (i < pending_.size() && pending_[i] == '/') ++i;
  const size_t name_from = i;
  while (i < pending_.size() && IsNameChar(pending_[i])) ++i;
  if (i == pending_.size()) return pending_.size() - at > kMaxTag ? 0 : std::string::npos;
  const std::string_view name(pending_.data() + name_from, i - name_from);
  if (std::find(names_.begin(), names_.end(), name) == names_.end()) return 0;
  const char after = pending_[i];
  if (after != ' ' && after != '>' && after != '/' && after != '\n' && after != '\t') return 0;
  bool in_value = false;
  for (; i < pending_.size(); ++i) {
    if (i - at > kMaxTag) return 0;
    if (pending_[i] == '"') in_value = !in_value;
    if (!in_value && pending_[i] == '>') return i + 1;
  }
  return std::string::npos;
}

void XmlStream::Emit(size_t at, size_t end) {
  XmlTag tag;
  size_t i = at + 1;
  if (pending_[i] == '/') {
    tag.closing = true;
    ++i;
  }
  const size_t name_from = i;
  while (IsNameChar(pending_[i])) ++i;
  tag.name = std::string_view(pending_.data() + name_from, i - name_from);
  size_t attr_end = end - 1;  // the '>'
  if (attr_end > i && (pending_[attr_end - 1] == '/' || pending_[attr_end - 1] == '?')) {
    tag.self_closing = true;
    --attr_end;
  }
  tag.attributes = std::string_view(pending_.data() + i, attr_end - i);
  handler_.Element(tag);
}

void XmlStream::Feed(std::string_view chunk) {
  pending_.append(chunk);
  size_t text_from = 0;
  size_t at = 0;
  while ((at = pending_.find('<', at)) != std::string::npos) {
    const size_t end = TagEnd(at);
    if (end == std::string::npos) break;  // the rest of this tag is still coming
    if (end == 0) {
      ++at;
      continue;
    }
    if (at > text_from) handler_.Text(std::string_view(pending_).substr(text_from, at - text_from));
    Emit(at, end);
    text_from = at = end;
  }
  const size_t hold = at == std::string::npos ? pending_.size() : at;
  if (hold > text_from)
    handler_.Text(std::string_view(pending_).substr(text_from, hold - text_from));
  pending_.erase(0, hold);
}

void XmlStream::Close() {
  if (!pending_.empty()) handler_.Text(pending_);
  pending_.clear();
}

namespace {

class Forward : public XmlStream::Handler {
 public:
  Forward(std::string_view root, const std::function<void(const XmlTag&)>& element,
          const std::function<void(std::string_view)>& text)
      : root_(root), element_(element), text_(text) {}
  void Element(const XmlTag& tag) override {
    saw_root = saw_root || (tag.name == root_ && !tag.closing);
    element_(tag);
  }
  void Text(std::string_view text) override {
    if (text_) text_(text);
  }
  bool saw_root = false;

 private:
  std::string_view root_;
  const std::function<void(const XmlTag&)>& element_;
  const std::function<void(std::string_view)>& text_;
};

}  // namespace

bool ReadXmlListing(std::string_view text, std::vector<std::string_view> names,
                    std::string_view root, const std::string& whose,
                    const std::function<void(const XmlTag&)>& element,
                    const std::function<void(std::string_view)>& text_seen, const size_t* count,
                    std::string* err) {
  names.push_back(root);
  Forward forward(root, element, text_seen);
  XmlStream xml(forward, std::move(names));
  xml.Feed(text);
  xml.Close();
  if (!forward.saw_root) {
    *err = "not " + whose + " XML listing";
    return false;
  }
  if (*count == 0) {
    *err = "lists no test case";
    return false;
  }
  return true;
}

}  // namespace mprun::runner
