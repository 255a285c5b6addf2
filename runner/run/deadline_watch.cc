#include "runner/run/deadline_watch.h"

#include <algorithm>

namespace mprun::runner {

namespace {

using core::WorkerPhase;

WorkerPhase PhaseOf(uint32_t word) { return static_cast<WorkerPhase>(word); }

}  // namespace

DeadlineWatch::DeadlineWatch(shm::Segment& segment, const core::TimeoutRules& rules,
                             bool neighbours, Hands& hands)
    : seg_(segment),
      rules_(rules),
      neighbours_(neighbours),
      hands_(hands),
      watch_(segment.workers()) {}

void DeadlineWatch::Check(uint32_t slot, uint64_t now, double mean_test_ns, uint64_t* next_event) {
  Watch& w = watch_[slot];
  if (w.killed_for_timeout) return;
  shm::WorkerSlot& s = seg_.slot(slot);
  // acquire: pairs with the worker's release of `state`.
  if (s.state.load(std::memory_order_acquire) <=
      static_cast<uint32_t>(shm::WorkerState::kStarting)) {
    CheckStartup(slot, now, next_event);
    return;
  }
  if (w.timeout_word != 0) {
    KillAfterTimeout(slot, now, next_event);
    return;
  }
  // acquire: pairs with the worker's release of `current`.
  const uint64_t packed = s.current.load(std::memory_order_acquire);
  if (shm::CurrentTest(packed) == shm::kNoTest) return;
  // Without a time limit the deadline below is never reached, but a long
  // test still hands its batch-mates back.
  const uint64_t started = shm::CurrentStartMicros(packed) * 1000;
  const uint64_t hand_back_at = rules_.HandBackAt(started);
  if (w.took_back_for != packed) {
    if (now >= hand_back_at) {
      if (hands_.TakeBackUnstarted(slot)) w.took_back_for = packed;
    } else {
      *next_event = std::min(*next_event, hand_back_at);
    }
  }
  // relaxed: written before the word's release store, read after its acquire.
  const WorkerPhase phase = PhaseOf(s.phase.load(std::memory_order_relaxed));
  if (phase == WorkerPhase::kTest && w.slow_word != packed) {
    CheckSlow(slot, packed, now, next_event);
  }
  if (phase == WorkerPhase::kTest && neighbours_ && w.long_word != packed) {
    CheckNeighbours(slot, packed, now, mean_test_ns, next_event);
  }
  const uint64_t deadline =
      rules_.DeadlineOf(shm::CurrentTest(packed), phase, started, w.PausedFor(packed));
  if (now >= deadline) {
    DecideTimeout(slot, packed, now, next_event);
  } else {
    *next_event = std::min(*next_event, deadline);
  }
}

void DeadlineWatch::CheckNeighbours(uint32_t slot, uint64_t packed, uint64_t now,
                                    double mean_test_ns, uint64_t* next_event) {
  Watch& w = watch_[slot];
  const uint64_t long_at =
      core::LongTestAt(shm::CurrentStartMicros(packed) * 1000, w.PausedFor(packed), mean_test_ns);
  if (now < long_at) {
    *next_event = std::min(*next_event, long_at);
    return;
  }
  w.long_word = packed;
  hands_.QueueNeighbours(shm::CurrentTest(packed));
}

void DeadlineWatch::CheckSlow(uint32_t slot, uint64_t packed, uint64_t now, uint64_t* next_event) {
  Watch& w = watch_[slot];
  if (!rules_.announces_slow()) return;
  const uint64_t started = shm::CurrentStartMicros(packed) * 1000;
  const uint64_t slow_at = rules_.SlowAt(started, w.PausedFor(packed));
  if (now < slow_at) {
    *next_event = std::min(*next_event, slow_at);
    return;
  }
  w.slow_word = packed;
  hands_.AnnounceSlow(slot, shm::CurrentTest(packed), now);
}

void DeadlineWatch::CheckStartup(uint32_t slot, uint64_t now, uint64_t* next_event) {
  const uint64_t deadline = rules_.StartupDeadline(watch_[slot].launched_ns);
  if (now >= deadline) {
    Kill(slot);
  } else {
    *next_event = std::min(*next_event, deadline);
  }
}

void DeadlineWatch::KillAfterTimeout(uint32_t slot, uint64_t now, uint64_t* next_event) {
  Watch& w = watch_[slot];
  // acquire: pairs with the handler's release after the backtrace.
  const bool dumped =
      seg_.slot(slot).timeout.load(std::memory_order_acquire) == shm::kTimeoutDumped;
  if (rules_.KillNow(dumped, now, w.kill_at_ns)) {
    Kill(slot);
  } else {
    *next_event = std::min(*next_event, w.kill_at_ns);
  }
}

void DeadlineWatch::DecideTimeout(uint32_t slot, uint64_t packed, uint64_t now,
                                  uint64_t* next_event) {
  Watch& w = watch_[slot];
  shm::WorkerSlot& s = seg_.slot(slot);
  // The facts, read after draining the ring: the worker publishes a result
  // before it moves `current` on, so an unchanged word after the drain
  // means the test has no result yet.
  hands_.Drain(slot);
  core::DeadlineFacts facts;
  // acquire: as in Check.
  facts.current_moved = s.current.load(std::memory_order_acquire) != packed;
  const uint32_t test = shm::CurrentTest(packed);
  facts.names_a_test = test < seg_.tests();
  facts.test_open = hands_.HeldOpen(slot, test);
  facts.rechecked = w.recheck_word == packed;
  // relaxed: as in Check.
  const uint32_t phase = s.phase.load(std::memory_order_relaxed);
  facts.phase = PhaseOf(phase);
  const core::DeadlineJudgement judged = rules_.AtDeadline(facts);
  if (judged.action == core::DeadlineAction::kMovedOn) {
    *next_event = now;  // the new word is judged at once
    return;
  }
  if (judged.action == core::DeadlineAction::kLookAgain) {
    w.recheck_word = packed;
    *next_event = std::min(*next_event, rules_.RecheckAt(now));
    return;
  }
  w.timeout_word = packed;
  w.timeout_phase = phase;
  w.timed_out_test = judged.blames_test ? test : shm::kNoTest;
  // release: the worker reads it (acquire) before it starts any test; the
  // dump signal below is sent after it.
  s.timeout.store(shm::kTimeoutDecided, std::memory_order_release);
  hands_.AnnounceTimeout(slot, test, now);
  if (!rules_.wants_backtrace()) {  // driver mode: kill now
    Kill(slot);
    return;
  }
  w.kill_at_ns = rules_.KillAt(now);
  hands_.SignalDump(slot);
  *next_event = std::min(*next_event, w.kill_at_ns);
}

void DeadlineWatch::Resumed(uint32_t slot, uint64_t paused_ns) {
  Watch& w = watch_[slot];
  // acquire: pairs with the worker's release of `current`.
  const uint64_t packed = seg_.slot(slot).current.load(std::memory_order_acquire);
  if (w.paused_word != packed) {
    w.paused_word = packed;
    w.paused_ns = 0;
  }
  w.paused_ns += paused_ns;
  w.launched_ns += paused_ns;
  if (w.kill_at_ns != 0) w.kill_at_ns += paused_ns;
}

void DeadlineWatch::Kill(uint32_t slot) {
  hands_.Kill(slot);
  watch_[slot].killed_for_timeout = true;
}

}  // namespace mprun::runner
