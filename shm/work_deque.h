// WorkDeque: a bounded work-stealing deque of uint32 test indices in the shared
// segment. Callers: the owning worker (PushBack, PopFront), any other worker as
// a thief (StealBack), the supervisor (PushBack onto its own deque or onto a
// dead owner's, Repair, Snapshot for its sweep).
//
// Algorithm: the whole state is one 64-bit word {tag:16, front:24, back:24}
// changed only by compare-and-swap; items live in a ring of Atomic<uint32_t>.
// Every taker (owner pop or thief steal, any batch size) reads its items and
// then swaps the word from the exact value it read, so two takers can never
// both succeed on overlapping ranges: a textbook Chase-Lev "steal half", where
// the owner's bottom and the thieves' top are separate words, double-takes
// items (measured; docs/design.md). The tag changes on every push, so a word
// that returns to an earlier {front, back} after a steal and a push is still
// a different value (no ABA).
//
// Killed at any instruction: every operation is a single CAS, so the word is
// never half-updated. A taker killed after its CAS holds items nobody can see
// in any deque; a pusher killed before its CAS leaves items written past the
// back, also invisible. The deque cannot tell who holds such items, which is
// why ownership of a test is decided by its claim word (claims.h), not here:
// the supervisor's sweep finds unclaimed tests that are in no deque and queues
// them again. Repair() only checks the word for corruption (a wild write by a
// test into the segment), since no interrupted operation can corrupt it.
#ifndef MPRUN_SHM_WORK_DEQUE_H_
#define MPRUN_SHM_WORK_DEQUE_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "shm/atomic.h"

namespace mprun::shm {

struct alignas(kCacheLine) DequeControl {
  Atomic<uint64_t> word;
};
MPRUN_SHARED_STRUCT(DequeControl);
static_assert(sizeof(DequeControl) == kCacheLine);

class WorkDeque {
 public:
  // Positions are 24-bit, so a deque holds at most this many items and the
  // segment accepts at most this many tests.
  static constexpr uint32_t kMaxItems = (1u << 24) - 2;
  // A CAS that keeps failing means other processes keep succeeding (the
  // deque is lock-free); after this many the caller gets kContended and can
  // try elsewhere instead of spinning.
  static constexpr int kMaxCasRetries = 256;

  enum class Status { kTook, kEmpty, kContended };
  struct Taken {
    Status status;
    uint32_t count;
  };

  WorkDeque(DequeControl* control, Atomic<uint32_t>* items, uint32_t capacity)
      : control_(control), items_(items), capacity_(capacity) {}

  // Owner, or the supervisor while the owner is dead (or on its own deque).
  // Appends all of `items` or nothing; false when they would not fit (the
  // capacity, or positions past kMaxItems) or the word is corrupt (Repair).
  bool PushBack(std::span<const uint32_t> items);
  // Owner: takes up to `max` items from the front, in order.
  Taken PopFront(uint32_t* out, uint32_t max);
  // Thief: takes ceil(size/2) items, at most `max`, from the back, in order.
  Taken StealBack(uint32_t* out, uint32_t max);
  // Racy by nature: the size at some moment during the call.
  uint32_t SizeGuess() const;
  // Copies the items present at one moment (for the supervisor's sweep). Racy
  // like SizeGuess: an item may leave right after; none is invented.
  uint32_t Snapshot(uint32_t* out, uint32_t max) const;
  // Supervisor, owner dead: true when the word is sane. A corrupt word (only
  // a wild write can make one) is reset to empty, its items left to the sweep,
  // and `err` says what was wrong.
  bool Repair(std::string* err);
  // Supervisor, before any process uses the deque.
  void Reset();

  uint32_t capacity() const { return capacity_; }

 private:
  struct Word {
    uint32_t tag;
    uint32_t front;
    uint32_t back;
  };
  static uint64_t Pack(Word w);
  static Word Unpack(uint64_t raw);
  uint32_t ItemAt(uint32_t position) const;
  // PopFront (from_front) and StealBack: reads the word, copies the items it
  // would take into `out` (up to `max` from the front, or ceil(size/2), at
  // most `max`, from the back), then CASes the word from the value it read;
  // a failed CAS rereads and tries again, up to kMaxCasRetries (then
  // kContended). A corrupt word reads as kEmpty.
  Taken Take(uint32_t* out, uint32_t max, bool from_front);

  DequeControl* control_;
  Atomic<uint32_t>* items_;
  uint32_t capacity_;
};

}  // namespace mprun::shm

#endif  // MPRUN_SHM_WORK_DEQUE_H_
