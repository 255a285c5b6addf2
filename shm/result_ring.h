// ResultRing: one single-producer single-consumer ring per worker. The worker
// owning the ring is its only producer (RingProducer); the supervisor is its
// only consumer (RingConsumer).
//
// Fixed-size records (64 bytes) go in a record ring; the variable-length text
// of a record (failure messages) goes in a byte ring beside it, and the record
// carries its position and length. The algorithm is the classic Lamport SPSC
// queue with cached indices (as in rigtorp/SPSCQueue and folly's
// ProducerConsumerQueue), twice, published by one release store of `head`.
//
// Killed at any instruction: a producer publishes a record by one store of
// `head` after writing the record and its text, so a producer killed
// mid-write leaves nothing visible: garbage beyond `head` and beyond the last
// published text, never a half record. The consumer never waits for the
// producer, so a dead producer cannot wedge it. A consumer that dies leaves
// the producer blocked on a full ring, which is fine: the consumer is the
// supervisor, and the workers die with it (PR_SET_PDEATHSIG).
//
// Back-pressure: a producer facing a full ring sets `producer_waiting`, asks
// the consumer to drain (through a callback, normally the doorbell) and
// sleeps on the `consumer_seq` futex with a timeout; the consumer bumps the
// futex word after freeing space when a producer waits. Both sides swap the
// flag with acq_rel exchanges, which order them: either the producer sees the
// freed space or the consumer sees the waiting flag.
#ifndef MPRUN_SHM_RESULT_RING_H_
#define MPRUN_SHM_RESULT_RING_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "shm/atomic.h"

namespace mprun::shm {

// What the record says. Test results carry the outcome in `outcome`, whose
// values are core::Outcome's (shm does not depend on core).
enum class RecordKind : uint8_t {
  kTestResult = 1,
  // A failure outside any test (a suite's SetUp/TearDownTestSuite, a global
  // environment), attributed to `test` for context.
  kRunError = 2,
  // Driver mode: a launch whose tests all ended, and the program's exit
  // says otherwise. `outcome` is the program's word (core::Outcome's
  // kFailed: it failed though its tests passed; kPassed: it exited 0 though
  // one failed); `test` is the launch's last test, naming the binary.
  kProgramDisagrees = 3,
};

struct ResultRecord {
  uint32_t test;           // test index in the segment's table
  uint8_t kind;            // RecordKind
  uint8_t outcome;         // core::Outcome
  uint16_t flags;          // kRecordTextTruncated
  uint32_t text_len;       // bytes of text stored
  uint32_t text_full_len;  // bytes before truncation
  uint64_t text_pos;       // absolute position of the text in the byte ring
  uint64_t start_ns;       // since the segment's epoch
  uint64_t duration_ns;
  uint64_t output_begin;  // slice of the worker's output file
  uint64_t output_end;
  // Driver mode, with kRecordSuiteSetUp: the time from its suite's heading
  // to this test's start (the suite's SetUpTestSuite) in microseconds; 0
  // when the test did not begin its suite in its launch.
  uint32_t suite_set_up_us;
  uint32_t signal;  // driver mode: the signal that ended the test binary in this test
};
MPRUN_SHARED_STRUCT(ResultRecord);
static_assert(sizeof(ResultRecord) == 64, "records are one cache line");

inline constexpr uint16_t kRecordTextTruncated = 1;
inline constexpr uint16_t kRecordSuiteSetUp = 2;  // suite_set_up_us holds a time seen

struct alignas(kCacheLine) RingControl {
  // Producer's line.
  Atomic<uint64_t> head;       // records published
  Atomic<uint64_t> text_head;  // text bytes written (producer-only, kept here for Reset)
  Atomic<uint32_t> producer_waiting;
  uint8_t pad0[kCacheLine - 20];
  // Consumer's line.
  Atomic<uint64_t> tail;          // records consumed
  Atomic<uint64_t> text_tail;     // text bytes released
  Atomic<uint32_t> consumer_seq;  // futex word, bumped when space was freed for a waiter
};
MPRUN_SHARED_STRUCT(RingControl);
static_assert(sizeof(RingControl) == 2 * kCacheLine);
static_assert(offsetof(RingControl, tail) == kCacheLine, "producer and consumer lines apart");

// Where one ring lives; both sides build their view from it.
struct RingView {
  RingControl* control;
  ResultRecord* records;
  uint32_t record_capacity;
  char* text;
  uint32_t text_capacity;
};

class RingProducer {
 public:
  // `ask_drain` is called when the ring is full, before sleeping.
  RingProducer(RingView view, std::function<void()> ask_drain);

  // Publishes `record` with `text` (truncated to the text capacity, with
  // kRecordTextTruncated set). Blocks while the ring is full. Returns the fill
  // level afterwards, in records (exact when it is a quarter or more), so the
  // caller can decide to wake the consumer.
  uint32_t Write(const ResultRecord& record, std::string_view text);

 private:
  bool HasRoom(uint32_t text_bytes);
  void WaitForRoom(uint32_t text_bytes);

  RingView v_;
  std::function<void()> ask_drain_;
  uint64_t head_;
  uint64_t text_head_;
  uint64_t cached_tail_ = 0;
  uint64_t cached_text_tail_ = 0;
};

class RingConsumer {
 public:
  explicit RingConsumer(RingView view) : v_(view) {}

  // Hands every published record to `sink` (text valid during the call only)
  // and frees its space. Records that fail validation (only a wild write can
  // make one) are dropped and counted. Returns the number handed over.
  using Sink = std::function<void(const ResultRecord&, std::string_view text)>;
  size_t Drain(const Sink& sink);
  // Racy hint: records waiting.
  uint32_t SizeGuess() const;
  // Supervisor, no producer attached: empties the ring.
  void Reset();

  uint64_t dropped() const { return dropped_; }

 private:
  bool Valid(const ResultRecord& r, uint64_t text_tail) const;
  void WakeProducerIfWaiting();

  RingView v_;
  std::string scratch_;
  uint64_t dropped_ = 0;
};

}  // namespace mprun::shm

#endif  // MPRUN_SHM_RESULT_RING_H_
