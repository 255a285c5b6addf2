#include "shm/work_deque.h"

#include <algorithm>
#include <cassert>

namespace mprun::shm {

namespace {
constexpr uint64_t kPositionMask = (1u << 24) - 1;
constexpr uint64_t kTagMask = (1u << 16) - 1;
}  // namespace

uint64_t WorkDeque::Pack(Word w) {
  return (uint64_t{w.tag & kTagMask} << 48) | (uint64_t{w.front & kPositionMask} << 24) |
         uint64_t{w.back & kPositionMask};
}

WorkDeque::Word WorkDeque::Unpack(uint64_t raw) {
  return Word{static_cast<uint32_t>((raw >> 48) & kTagMask),
              static_cast<uint32_t>((raw >> 24) & kPositionMask),
              static_cast<uint32_t>(raw & kPositionMask)};
}

uint32_t WorkDeque::ItemAt(uint32_t position) const {
  // relaxed: the acquire load of the word that made this position visible
  // orders this read after the pusher's item stores (see PushBack).
  return items_[position % capacity_].load(std::memory_order_relaxed);
}

bool WorkDeque::PushBack(std::span<const uint32_t> items) {
  if (items.empty()) return true;
  if (items.size() > capacity_) return false;
  const auto n = static_cast<uint32_t>(items.size());
  // acquire: pairs with takers' acq_rel CAS, so every item read a taker made
  // from a slot happens before our store into that slot.
  uint64_t raw = control_->word.load(std::memory_order_acquire);
  for (;;) {
    Word w = Unpack(raw);
    if (w.front > w.back || w.back - w.front > capacity_) return false;  // corrupt: Repair()
    Word next = w;
    if (w.front == w.back) {  // empty: restart positions so they never run out
      next.front = next.back = 0;
    }
    if (next.back - next.front + n > capacity_ || next.back + n > kMaxItems) return false;
    for (uint32_t k = 0; k < n; ++k) {
      // release (a plain store on x86): takers are ordered by the CAS below;
      // Snapshot's acquire item loads need this to tell a reused slot apart.
      items_[(next.back + k) % capacity_].store(items[k], std::memory_order_release);
    }
    next.back += n;
    next.tag = w.tag + 1;  // every push changes the word: no ABA for takers
    // acq_rel on success: release publishes the item stores above to any
    // taker that acquires this word. Only the owner pushes, so a failure
    // means a thief took items; we reread and write again.
    if (control_->word.compare_exchange_strong(raw, Pack(next), std::memory_order_acq_rel,
                                               std::memory_order_acquire)) {
      return true;
    }
  }
}

WorkDeque::Taken WorkDeque::Take(uint32_t* out, uint32_t max, bool from_front) {
  assert(max > 0);
  // acquire: synchronises with the push that published the items we read.
  uint64_t raw = control_->word.load(std::memory_order_acquire);
  for (int attempt = 0; attempt < kMaxCasRetries; ++attempt) {
    const Word w = Unpack(raw);
    if (w.front > w.back || w.back - w.front > capacity_) return {Status::kEmpty, 0};  // corrupt
    const uint32_t size = w.back - w.front;
    if (size == 0 || max == 0) return {Status::kEmpty, 0};
    const uint32_t n = from_front ? std::min(size, max) : std::min((size + 1) / 2, max);
    const uint32_t first = from_front ? w.front : w.back - n;
    // Read before the CAS: once it succeeds the slots may be reused by a push.
    for (uint32_t k = 0; k < n; ++k) out[k] = ItemAt(first + k);
    Word next = w;
    if (from_front) {
      next.front += n;
    } else {
      next.back -= n;
    }
    // acq_rel on success: release keeps the item reads above before the CAS
    // (a pusher that later acquires our word cannot overwrite what we read);
    // acquire on failure: we reread items under the new word.
    if (control_->word.compare_exchange_strong(raw, Pack(next), std::memory_order_acq_rel,
                                               std::memory_order_acquire)) {
      return {Status::kTook, n};
    }
  }
  return {Status::kContended, 0};
}

WorkDeque::Taken WorkDeque::PopFront(uint32_t* out, uint32_t max) { return Take(out, max, true); }

WorkDeque::Taken WorkDeque::StealBack(uint32_t* out, uint32_t max) { return Take(out, max, false); }

uint32_t WorkDeque::SizeGuess() const {
  // relaxed: a hint for choosing a victim; the CAS in Take decides.
  const Word w = Unpack(control_->word.load(std::memory_order_relaxed));
  if (w.front > w.back || w.back - w.front > capacity_) return 0;
  return w.back - w.front;
}

uint32_t WorkDeque::Snapshot(uint32_t* out, uint32_t max) const {
  for (;;) {
    // Like a seqlock reader: if the word is unchanged after the copy (the tag
    // rules out ABA), the copy was exact. acquire on the first load pairs with
    // the pushes; acquire on the item loads keeps the second word load after
    // them.
    const uint64_t raw = control_->word.load(std::memory_order_acquire);
    const Word w = Unpack(raw);
    if (w.front > w.back || w.back - w.front > capacity_) return 0;
    const uint32_t n = std::min(w.back - w.front, max);
    for (uint32_t k = 0; k < n; ++k) {
      out[k] = items_[(w.front + k) % capacity_].load(std::memory_order_acquire);
    }
    if (control_->word.load(std::memory_order_relaxed) == raw) return n;
  }
}

bool WorkDeque::Repair(std::string* err) {
  // acquire: the owner is dead; its last CAS is visible to us after we reaped
  // it, and this load orders our later pushes after it.
  const uint64_t raw = control_->word.load(std::memory_order_acquire);
  const Word w = Unpack(raw);
  if (w.front <= w.back && w.back - w.front <= capacity_) return true;
  if (err) {
    *err = "work deque word corrupt (front " + std::to_string(w.front) + ", back " +
           std::to_string(w.back) + ", capacity " + std::to_string(capacity_) +
           "): a test wrote into mprun's shared memory";
  }
  // release: thieves that acquire the new word see an empty deque.
  control_->word.store(Pack(Word{w.tag + 1, 0, 0}), std::memory_order_release);
  return false;
}

void WorkDeque::Reset() { control_->word.store(0, std::memory_order_release); }

}  // namespace mprun::shm
