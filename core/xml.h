// XML text helpers for reports (gtest's own schema now, JUnit later). Pure.
#ifndef MPRUN_CORE_XML_H_
#define MPRUN_CORE_XML_H_

#include <string>
#include <string_view>

namespace mprun::core {

// Escapes for an attribute value (quotes, <, >, &, and line breaks as
// character references, as gtest writes them). Characters XML 1.0 cannot
// hold (most C0 controls, invalid UTF-8) are dropped.
std::string XmlAttribute(std::string_view s);
// A CDATA section holding `s`: "]]>" is split across two sections and
// characters XML cannot hold are dropped.
std::string XmlCData(std::string_view s);
// Only the characters XML 1.0 can hold (valid UTF-8, no C0 controls other
// than tab, newline and carriage return).
std::string XmlValidText(std::string_view s);

}  // namespace mprun::core

#endif  // MPRUN_CORE_XML_H_
