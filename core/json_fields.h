// Reading fields of JSON from outside (reports, ctest's listing, the HTML
// report's input): the one set of getters over rapidjson values, for JSON
// that may lack anything or hold any type anywhere. A shared piece of core/
// (report/ and input/ both read such JSON). Pure; any process.
#ifndef MPRUN_CORE_JSON_FIELDS_H_
#define MPRUN_CORE_JSON_FIELDS_H_

#include <rapidjson/fwd.h>

#include <string>

namespace mprun::core {

// What is of another type reads as "" or 0, never a crash: the callers
// check what must be there. Strings keep every byte (a \u0000 too).
std::string JsonString(const rapidjson::Value& v);
double JsonNumber(const rapidjson::Value& v);

// The member `key` of the object `obj`, read as above ("" or 0 when it is
// missing).
std::string StringMember(const rapidjson::Value& obj, const char* key);
double NumberMember(const rapidjson::Value& obj, const char* key);
// Whether `obj` has the member `key` and it is the JSON `value` itself: a
// member that is missing (an older report) is neither true nor false.
bool MemberIs(const rapidjson::Value& obj, const char* key, bool value);

}  // namespace mprun::core

#endif  // MPRUN_CORE_JSON_FIELDS_H_
