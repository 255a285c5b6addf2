// A Catch2 v2 binary's XML reporter stream, with the tests' own prints in
// it, as driver mode follows it.
#include "runner/framework/catch2_follower.h"
#include "tests/fuzz/follower_harness.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using mprun::runner::Catch2Follower;
  return mprun::fuzz::FuzzFollower(
      data, size,
      [](mprun::runner::FollowerSink& sink, const std::vector<uint32_t>& group,
         std::vector<std::string> names) {
        return std::make_unique<Catch2Follower>(sink, group, std::move(names));
      },
      {Catch2Follower::kMaxMessage, Catch2Follower::kStrayKept}, "a case");
}
