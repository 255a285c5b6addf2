// JSON writing for reports: rapidjson's Writer, fed strings made valid
// UTF-8 and numbers rounded as the reports show them (the files go through
// core/file_io.h). Pure; any process.
#ifndef MPRUN_CORE_REPORT_JSON_H_
#define MPRUN_CORE_REPORT_JSON_H_

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>

namespace mprun::core {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

// Length of the valid UTF-8 sequence at s[i] (overlong forms and surrogates
// are invalid), or 0; its code point in `code_point` when not null.
size_t Utf8Length(std::string_view s, size_t i, uint32_t* code_point = nullptr);
// `s` itself when it is valid UTF-8; otherwise a copy in `storage` with
// every invalid byte replaced by U+FFFD. rapidjson copies invalid bytes as
// they are (or, validating, fails the whole string), and any test output
// must yield valid JSON.
std::string_view ValidUtf8(std::string_view s, std::string* storage);
// A finite `v` rounded to 3 decimals, as every report gives its times:
// the number printf("%.3f") writes.
double ReportNumber(double v);

// Writes `s` as a JSON string (through ValidUtf8); with any rapidjson
// writer, compact or pretty.
template <class Writer>
void WriteJsonString(Writer* w, std::string_view s) {
  std::string storage;
  const std::string_view valid = ValidUtf8(s, &storage);
  w->String(valid.data(), static_cast<rapidjson::SizeType>(valid.size()));
}
// Writes ReportNumber(v) as the shortest text that reads back as it (1.5
// rather than 1.500); 0 for what is not finite.
template <class Writer>
void WriteJsonNumber(Writer* w, double v) {
  if (!std::isfinite(v)) {
    w->Int(0);
    return;
  }
  w->Double(ReportNumber(v));
}

// One member of the object being written: the key, then the value.
template <class Writer>
void StringField(Writer* w, const char* key, std::string_view v) {
  w->Key(key);
  WriteJsonString(w, v);
}
template <class Writer>
void NumberField(Writer* w, const char* key, double v) {
  w->Key(key);
  WriteJsonNumber(w, v);
}
template <class Writer>
void IntField(Writer* w, const char* key, int64_t v) {
  w->Key(key);
  w->Int64(v);
}
template <class Writer>
void BoolField(Writer* w, const char* key, bool v) {
  w->Key(key);
  w->Bool(v);
}

// Appends JSON values to a list kept one a line (",\n  " between them), so
// that a report of thousands of tests reads and diffs line by line; the
// writer and its buffer serve every value added through one LineWriter.
class LineWriter {
 public:
  explicit LineWriter(std::string* list) : list_(list), writer_(buffer_) {}
  // Appends the one value that `write` writes through the JsonWriter* it is given.
  template <class Write>
  void Add(Write write) {
    buffer_.Clear();
    writer_.Reset(buffer_);
    write(&writer_);
    *list_ += list_->empty() ? "\n  " : ",\n  ";
    list_->append(buffer_.GetString(), buffer_.GetSize());
  }

 private:
  std::string* list_;
  rapidjson::StringBuffer buffer_;
  JsonWriter writer_;
};
// A list that LineWriter wrote, as the value of `key`: an array, its
// elements one a line.
void LinesField(JsonWriter* w, const char* key, const std::string& lines);

}  // namespace mprun::core

#endif  // MPRUN_CORE_REPORT_JSON_H_
