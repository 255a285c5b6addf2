// XmlStream: reads, chunk by chunk, the XML a test framework's streaming
// reporter writes to stdout while the tests' own prints (printf, a
// thread's logging) land in the same pipe between its elements, even in
// the middle of a line. Only elements whose names the caller knows count
// as markup; any other '<' is text. A tag split across chunks waits for the
// rest (up to kMaxTag, past which it is text). Worker processes only; a
// parser of outside input, fuzzed through the followers that use it.
#ifndef MPRUN_RUNNER_FRAMEWORK_XML_STREAM_H_
#define MPRUN_RUNNER_FRAMEWORK_XML_STREAM_H_

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace mprun::runner {

struct XmlTag {
  std::string_view name;
  bool closing = false;         // </name>
  bool self_closing = false;    // <name .../>
  std::string_view attributes;  // raw, between the name and the end

  // The value of attribute `key`, entities decoded; "" when absent.
  std::string Attribute(std::string_view key) const;
  bool HasAttribute(std::string_view key) const;
};

class XmlStream {
 public:
  class Handler {
   public:
    virtual ~Handler() = default;
    virtual void Element(const XmlTag& tag) = 0;
    // Text between elements, still encoded (XmlDecode), in pieces.
    virtual void Text(std::string_view text) = 0;
  };

  XmlStream(Handler& handler, std::vector<std::string_view> names)
      : handler_(handler), names_(std::move(names)) {}

  void Feed(std::string_view chunk);
  // The stream ended: what is held back goes out as text.
  void Close();

  static constexpr size_t kMaxTag = 1 << 20;

 private:
  // Where the tag that starts at pending_[at] ends (one past its '>'), 0
  // when it is no known element, npos when more input is needed.
  size_t TagEnd(size_t at) const;
  void Emit(size_t at, size_t end);

  Handler& handler_;
  const std::vector<std::string_view> names_;
  std::string pending_;
};

// "&lt;" and the other four entities, "&#NN;" and "&#xNN;" as UTF-8.
std::string XmlDecode(std::string_view text);

// A framework's whole XML listing (Catch2 v3's, doctest's): `element` is
// told each of `names`' elements; false with `err` when the text holds no
// `root` element (it is not `whose` XML listing) or `element` found no
// test (`*count` stayed 0).
bool ReadXmlListing(std::string_view text, std::vector<std::string_view> names,
                    std::string_view root, const std::string& whose,
                    const std::function<void(const XmlTag&)>& element,
                    const std::function<void(std::string_view)>& text_seen, const size_t* count,
                    std::string* err);

}  // namespace mprun::runner

#endif  // MPRUN_RUNNER_FRAMEWORK_XML_STREAM_H_
