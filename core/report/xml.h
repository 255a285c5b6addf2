// XML text helpers for the JUnit and gtest XML reports. Pure; any process.
//
// Written here rather than with pugixml (measured for issue 16): pugixml
// writes what XML 1.0 cannot hold as it is (a C0 control as "&#01;",
// invalid UTF-8 byte for byte), so XmlValidText, the part that needs care,
// would stay ours; it would replace only the five entities and the CDATA
// split, and building its tree made the JUnit report of 10,000 tests 1.2x
// slower than these strings (median of 9 interleaved pairs, for a
// prototype that wrote fewer attributes than the real report).
#ifndef MPRUN_CORE_REPORT_XML_H_
#define MPRUN_CORE_REPORT_XML_H_

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

#endif  // MPRUN_CORE_REPORT_XML_H_
