#include "runner/run/work_source.h"

namespace mprun::runner {

std::vector<std::vector<uint32_t>> LocalDeal::Take(int repetition) {
  std::optional<uint32_t> seed = spec_.shuffle_seed;
  if (seed) *seed += static_cast<uint32_t>(repetition);
  if (seed || spec_.expected == nullptr) {
    return core::DealUnits(*spec_.plan, spec_.workers, seed, spec_.order);
  }
  return core::DealByHistory(*spec_.plan, spec_.workers, *spec_.expected, spec_.order);
}

}  // namespace mprun::runner
