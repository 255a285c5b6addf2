#include "shm/batch_taker.h"

#include <algorithm>
#include <span>

namespace mprun::shm {

namespace {
// A steal moves at most this many tests at once; larger victims are split
// again by later thieves.
constexpr uint32_t kMaxSteal = 4096;
}  // namespace

BatchTaker::BatchTaker(Segment& segment, uint32_t worker, uint32_t lease, Hook hook)
    : segment_(segment), worker_(worker), lease_(lease), hook_(std::move(hook)) {
  buffer_.resize(std::max<uint32_t>(std::min(segment.tests(), kMaxSteal), 1));
}

void BatchTaker::Claim(const uint32_t* items, uint32_t count, std::vector<uint32_t>* out) {
  ClaimTable claims = segment_.claims();
  for (uint32_t k = 0; k < count; ++k) {
    const uint32_t item = items[k];
    if (item >= segment_.tests()) {  // a wild write; nothing to run
      ++stale_skipped_;
      continue;
    }
    const uint32_t end = segment_.UnitEnd(item);
    for (uint32_t test = item; test < end; ++test) {
      if (claims.TryClaim(test, lease_)) {
        out->push_back(test);
      } else {
        ++stale_skipped_;
      }
    }
  }
}

void BatchTaker::TakeQueued(std::vector<uint32_t>* out, uint32_t max) {
  WorkDeque queued = segment_.deque(segment_.supervisor_deque());
  if (queued.SizeGuess() == 0) return;  // the common case: one load
  uint32_t items[64];
  const uint32_t want = segment_.header().has_units != 0 ? 1 : std::min<uint32_t>(64, max);
  const WorkDeque::Taken t = queued.StealBack(items, want);
  if (t.status != WorkDeque::Status::kTook) return;
  At(Point::kAfterSteal);
  Claim(items, t.count, out);
  At(Point::kAfterClaim);
}

uint32_t BatchTaker::Next(std::vector<uint32_t>* out, uint32_t max) {
  out->clear();
  WorkDeque own = segment_.deque(worker_);
  TakeQueued(out, max);
  while (out->size() < max) {
    // As many items as tests still wanted (one CAS); an item may stand for
    // a whole suite, so with units in the run only one at a time.
    uint32_t items[64];
    const uint32_t want = segment_.header().has_units != 0
                              ? 1
                              : std::min<uint32_t>(64, max - static_cast<uint32_t>(out->size()));
    const WorkDeque::Taken t = own.PopFront(items, want);
    if (t.status == WorkDeque::Status::kContended) continue;
    if (t.status == WorkDeque::Status::kEmpty) {
      if (!out->empty() || !StealIntoOwnDeque()) break;
      continue;
    }
    At(Point::kAfterPop);
    Claim(items, t.count, out);
    At(Point::kAfterClaim);
  }
  return static_cast<uint32_t>(out->size());
}

bool BatchTaker::StealIntoOwnDeque() {
  const uint32_t deques = segment_.deques();  // the supervisor's deque too
  // A contended victim is being emptied by others right now; look again a
  // few times before concluding that there is no work anywhere.
  for (int round = 0; round < 8; ++round) {
    // Victims by size, largest first; sizes are guesses, the CAS decides.
    std::vector<std::pair<uint32_t, uint32_t>> victims;
    for (uint32_t w = 0; w < deques; ++w) {
      if (w == worker_) continue;
      const uint32_t size = segment_.deque(w).SizeGuess();
      if (size > 0) victims.emplace_back(size, w);
    }
    if (victims.empty()) return false;
    std::sort(victims.begin(), victims.end(), std::greater<>());
    for (const auto& [size, victim] : victims) {
      const WorkDeque::Taken t =
          segment_.deque(victim).StealBack(buffer_.data(), static_cast<uint32_t>(buffer_.size()));
      if (t.status != WorkDeque::Status::kTook) continue;
      At(Point::kAfterSteal);
      ++steals_;
      // Our own deque is empty (we only steal then) and only we push into it
      // while we live, so this cannot overflow.
      segment_.deque(worker_).PushBack(std::span<const uint32_t>(buffer_.data(), t.count));
      At(Point::kAfterPushStolen);
      return true;
    }
  }
  return false;
}

}  // namespace mprun::shm
