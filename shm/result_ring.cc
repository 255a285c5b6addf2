#include "shm/result_ring.h"

#include <algorithm>
#include <chrono>
#include <cstring>

#include "shm/futex.h"

namespace mprun::shm {

namespace {
// A waiting producer looks again at least this often, so a lost wake-up (a
// killed consumer, which cannot happen while the run lives) costs latency only.
constexpr std::chrono::milliseconds kProducerNap{20};
}  // namespace

RingProducer::RingProducer(RingView view, std::function<void()> ask_drain)
    : v_(view), ask_drain_(std::move(ask_drain)) {
  // relaxed: only this process writes these; the supervisor's Reset happened
  // before this process was forked.
  head_ = v_.control->head.load(std::memory_order_relaxed);
  text_head_ = v_.control->text_head.load(std::memory_order_relaxed);
}

bool RingProducer::HasRoom(uint32_t text_bytes) {
  // acquire: pairs with the consumer's release of tail/text_tail, so its reads
  // of the slots we are about to reuse happened before our writes.
  if (head_ - cached_tail_ >= v_.record_capacity) {
    cached_tail_ = v_.control->tail.load(std::memory_order_acquire);
  }
  if (text_head_ + text_bytes - cached_text_tail_ > v_.text_capacity) {
    cached_text_tail_ = v_.control->text_tail.load(std::memory_order_acquire);
  }
  return head_ - cached_tail_ < v_.record_capacity &&
         text_head_ + text_bytes - cached_text_tail_ <= v_.text_capacity;
}

void RingProducer::WaitForRoom(uint32_t text_bytes) {
  for (;;) {
    const uint32_t seq = v_.control->consumer_seq.load(std::memory_order_acquire);
    // acq_rel exchange: the flag word is a meeting point. If the consumer's
    // exchange in WakeProducerIfWaiting comes later, it sees our 1 and wakes
    // us; if it came earlier, ours reads from it and its tail stores happen
    // before our HasRoom check, which then sees the room.
    v_.control->producer_waiting.exchange(1, std::memory_order_acq_rel);
    if (HasRoom(text_bytes)) {
      v_.control->producer_waiting.store(0, std::memory_order_relaxed);
      return;
    }
    if (ask_drain_) ask_drain_();
    FutexWait(&v_.control->consumer_seq, seq, kProducerNap);
  }
}

uint32_t RingProducer::Write(const ResultRecord& record, std::string_view text) {
  const auto len = static_cast<uint32_t>(std::min<size_t>(text.size(), v_.text_capacity));
  if (!HasRoom(len)) WaitForRoom(len);

  const auto pos = static_cast<uint32_t>(text_head_ % v_.text_capacity);
  const uint32_t first = std::min(len, v_.text_capacity - pos);
  std::memcpy(v_.text + pos, text.data(), first);
  std::memcpy(v_.text, text.data() + first, len - first);

  ResultRecord r = record;
  r.text_pos = text_head_;
  r.text_len = len;
  r.text_full_len = static_cast<uint32_t>(std::min<size_t>(text.size(), UINT32_MAX));
  if (len < text.size()) r.flags |= kRecordTextTruncated;
  std::memcpy(&v_.records[head_ % v_.record_capacity], &r, sizeof r);

  text_head_ += len;
  ++head_;
  // relaxed: text_head is read only by a later producer of this ring, after
  // the supervisor reset it.
  v_.control->text_head.store(text_head_, std::memory_order_relaxed);
  // release: publishes the record and its text to the consumer's acquire.
  v_.control->head.store(head_, std::memory_order_release);
  // The cached tail only moves when the ring looks full; refresh it once the
  // fill looks high, so callers deciding to wake the consumer see the truth.
  if (head_ - cached_tail_ >= v_.record_capacity / 4) {
    cached_tail_ = v_.control->tail.load(std::memory_order_acquire);
  }
  return static_cast<uint32_t>(head_ - cached_tail_);
}

bool RingConsumer::Valid(const ResultRecord& r, uint64_t text_tail) const {
  // Producers write text contiguously, so a record's text starts exactly
  // where the previous one's ended.
  return r.text_pos == text_tail && r.text_len <= v_.text_capacity && r.text_len <= r.text_full_len;
}

size_t RingConsumer::Drain(const Sink& sink) {
  // relaxed: tail and text_tail are written by this process only.
  uint64_t tail = v_.control->tail.load(std::memory_order_relaxed);
  uint64_t text_tail = v_.control->text_tail.load(std::memory_order_relaxed);
  // acquire: pairs with the producer's release of head; records and text
  // below head are complete.
  const uint64_t head = v_.control->head.load(std::memory_order_acquire);
  if (head <= tail) return 0;
  if (head - tail > v_.record_capacity) {  // only a wild write makes this
    ++dropped_;
    return 0;
  }
  size_t handed = 0;
  for (; tail < head; ++tail) {
    ResultRecord r;
    std::memcpy(&r, &v_.records[tail % v_.record_capacity], sizeof r);
    if (!Valid(r, text_tail)) {
      ++dropped_;
      continue;
    }
    const auto pos = static_cast<uint32_t>(r.text_pos % v_.text_capacity);
    std::string_view text;
    if (pos + r.text_len <= v_.text_capacity) {
      text = std::string_view(v_.text + pos, r.text_len);
    } else {
      const uint32_t first = v_.text_capacity - pos;
      scratch_.assign(v_.text + pos, first);
      scratch_.append(v_.text, r.text_len - first);
      text = scratch_;
    }
    sink(r, text);
    text_tail = r.text_pos + r.text_len;
    ++handed;
  }
  // release: our reads of the slots happen before the producer reuses them.
  v_.control->text_tail.store(text_tail, std::memory_order_release);
  v_.control->tail.store(tail, std::memory_order_release);
  WakeProducerIfWaiting();
  return handed;
}

void RingConsumer::WakeProducerIfWaiting() {
  // acq_rel exchange: see RingProducer::WaitForRoom. One RMW per Drain call.
  if (v_.control->producer_waiting.exchange(0, std::memory_order_acq_rel) == 0) return;
  // release: orders our tail stores before the producer's wake-up.
  v_.control->consumer_seq.fetch_add(1, std::memory_order_release);
  FutexWakeAll(&v_.control->consumer_seq);
}

uint32_t RingConsumer::SizeGuess() const {
  // relaxed: a hint only.
  const uint64_t head = v_.control->head.load(std::memory_order_relaxed);
  const uint64_t tail = v_.control->tail.load(std::memory_order_relaxed);
  return head > tail ? static_cast<uint32_t>(head - tail) : 0;
}

void RingConsumer::Reset() {
  // relaxed: no producer is attached; the next one is forked after this.
  v_.control->head.store(0, std::memory_order_relaxed);
  v_.control->text_head.store(0, std::memory_order_relaxed);
  v_.control->producer_waiting.store(0, std::memory_order_relaxed);
  v_.control->tail.store(0, std::memory_order_relaxed);
  v_.control->text_tail.store(0, std::memory_order_relaxed);
}

}  // namespace mprun::shm
