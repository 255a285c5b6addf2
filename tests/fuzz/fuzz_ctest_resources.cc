// A ctest resource spec file as any project may hold one, and the
// allocation of a few fixed groups on it: whatever the bytes, an answer; a
// refusal says why; an allocation never gives a resource more slots than
// the spec has.
#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/input/ctest_resources.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  mprun::core::ResourceSpec spec;
  std::string err;
  if (!mprun::core::ParseResourceSpec(text, &spec, &err)) {
    if (err.empty()) std::abort();
    return 0;
  }
  const std::vector<std::vector<std::pair<std::string, int>>> groups = {
      {{"gpus", 2}, {"gpus", 1}}, {{"gpus", 1}, {"crypto", 1}}, {{"a", 3}}};
  std::vector<std::string> env;
  std::string why;
  if (!mprun::core::AllocateResources(spec, groups, &env, &why)) {
    if (why.empty()) std::abort();
    return 0;
  }
  // "CTEST_RESOURCE_GROUP_<n>_<TYPE>=id:X,slots:N;...": total per (type, id).
  std::map<std::string, int> used;
  for (const std::string& e : env) {
    const size_t eq = e.find('=');
    const std::string name = e.substr(0, eq);
    if (name.size() < 22 || name.find('_', 21) == std::string::npos) continue;
    std::string type = name.substr(name.find('_', 21) + 1);
    for (char& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string rest = e.substr(eq + 1);
    for (size_t at = 0; at < rest.size();) {
      const size_t end = std::min(rest.find(';', at), rest.size());
      const std::string one = rest.substr(at, end - at);
      const size_t comma = one.find(",slots:");
      if (one.rfind("id:", 0) != 0 || comma == std::string::npos) std::abort();
      used[type + "/" + one.substr(3, comma - 3)] += std::atoi(one.c_str() + comma + 7);
      at = end + 1;
    }
  }
  for (const auto& [key, slots] : used) {
    const std::string type = key.substr(0, key.find('/'));
    const std::string id = key.substr(key.find('/') + 1);
    int have = -1;
    for (const auto& [rid, rslots] : spec.types[type]) {
      if (rid == id) have = rslots;
    }
    if (slots > have) std::abort();
  }
  return 0;
}
