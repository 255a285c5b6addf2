// Minimal JSON writing helpers for reports. Pure; any process.
#ifndef MPRUN_CORE_JSON_H_
#define MPRUN_CORE_JSON_H_

#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <string_view>

namespace mprun::core {

// Appends `s` as a JSON string literal (with quotes). Control characters are
// escaped, and bytes that are not valid UTF-8 become U+FFFD, so any test
// output yields valid JSON.
void AppendJsonString(std::string* out, std::string_view s);

// Length of the valid UTF-8 sequence at s[i] (overlong forms and surrogates
// are invalid), or 0; its code point in `code_point` when not null.
size_t Utf8Length(std::string_view s, size_t i, uint32_t* code_point = nullptr);
// Appends a finite number with up to `digits` decimals ("0" for NaN/inf).
void AppendJsonNumber(std::string* out, double v, int digits = 3);

// Writes `content` to `path` through a temporary file in the same directory
// and rename(2), so readers never see a half-written file. False with `err`.
bool WriteFileAtomically(const std::string& path, std::string_view content, std::string* err);
// The same, with the content streamed by `write` into the temporary file
// (false from it abandons the file).
bool WriteFileAtomicallyWith(const std::string& path, const std::function<bool(std::FILE*)>& write,
                             std::string* err);

}  // namespace mprun::core

#endif  // MPRUN_CORE_JSON_H_
