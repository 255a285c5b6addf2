#include "core/json_fields.h"

#include <rapidjson/document.h>

namespace mprun::core {

std::string JsonString(const rapidjson::Value& v) {
  return v.IsString() ? std::string(v.GetString(), v.GetStringLength()) : std::string();
}

double JsonNumber(const rapidjson::Value& v) { return v.IsNumber() ? v.GetDouble() : 0; }

std::string StringMember(const rapidjson::Value& obj, const char* key) {
  const auto it = obj.FindMember(key);
  return it == obj.MemberEnd() ? std::string() : JsonString(it->value);
}

double NumberMember(const rapidjson::Value& obj, const char* key) {
  const auto it = obj.FindMember(key);
  return it == obj.MemberEnd() ? 0 : JsonNumber(it->value);
}

bool MemberIs(const rapidjson::Value& obj, const char* key, bool value) {
  const auto it = obj.FindMember(key);
  return it != obj.MemberEnd() && it->value.IsBool() && it->value.GetBool() == value;
}

}  // namespace mprun::core
