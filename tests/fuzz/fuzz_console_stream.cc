// A test binary's console stream as driver mode follows it (GoogleTest).
#include "runner/framework/gtest_console_follower.h"
#include "tests/fuzz/follower_harness.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using mprun::runner::ConsoleFollower;
  return mprun::fuzz::FuzzFollower(
      data, size,
      [](mprun::runner::FollowerSink& sink, const std::vector<uint32_t>& group,
         std::vector<std::string> names) {
        return std::make_unique<ConsoleFollower>(sink, group, std::move(names));
      },
      {ConsoleFollower::kMaxMessage, ConsoleFollower::kStrayKept}, "Suite.Test");
}
