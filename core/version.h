// The version of mprun, from CMake's project(VERSION): what --version
// prints and the JSON report's "mprun_version". Any process.
#ifndef MPRUN_CORE_VERSION_H_
#define MPRUN_CORE_VERSION_H_

namespace mprun::core {

inline constexpr char kMprunVersion[] = MPRUN_VERSION_STRING;

}  // namespace mprun::core

#endif  // MPRUN_CORE_VERSION_H_
