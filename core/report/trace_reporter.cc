#include "core/report/trace_reporter.h"

#include <algorithm>
#include <cstdio>

#include "core/file_io.h"
#include "core/report/json.h"

namespace mprun::core {

namespace {

double Micros(uint64_t ns) { return static_cast<double>(ns) / 1e3; }

// The members every event on the tracks has.
void WriteTrack(JsonWriter* w, std::string_view name, const char* category, const char* phase,
                int tid) {
  StringField(w, "name", name);
  if (category != nullptr) StringField(w, "cat", category);
  StringField(w, "ph", phase);
  IntField(w, "pid", 1);
  IntField(w, "tid", tid);
}

// A metadata event: the name of the process or of a worker's track.
void AppendNameEvent(std::string* events, const char* what, int tid, const std::string& name) {
  LineWriter(events).Add([&](JsonWriter* w) {
    w->StartObject();
    WriteTrack(w, what, nullptr, "M", tid);
    w->Key("args");
    w->StartObject();
    StringField(w, "name", name);
    w->EndObject();
    w->EndObject();
  });
}

}  // namespace

void TraceReporter::OnRunStart(const RunInfo& run) {
  ++iteration_;
  offset_ns_ = end_ns_;
  if (iteration_ > 1) return;  // tracks are named once
  AppendNameEvent(&events_, "process_name", 0, "mprun");
  for (int w = 0; w < run.workers; ++w) {
    AppendNameEvent(&events_, "thread_name", w, "worker " + std::to_string(w));
  }
  steals_.assign(static_cast<size_t>(run.workers), 0);
}

void TraceReporter::Instant(int worker, uint64_t at_ns, const char* name,
                            const std::function<void(JsonWriter*)>& args) {
  at_ns += offset_ns_;
  end_ns_ = std::max(end_ns_, at_ns);
  LineWriter(&events_).Add([&](JsonWriter* w) {
    w->StartObject();
    WriteTrack(w, name, "worker", "i", worker);
    StringField(w, "s", "t");
    NumberField(w, "ts", Micros(at_ns));
    w->Key("args");
    w->StartObject();
    if (args) args(w);
    w->EndObject();
    w->EndObject();
  });
}

void TraceReporter::OnWorkerStarted(int worker, uint64_t at_ns) {
  Instant(worker, at_ns, "worker started");
}

void TraceReporter::OnTestFinished(const RunInfo& run, uint32_t test, const TestResult& r) {
  if (r.worker < 0 || r.outcome == Outcome::kNotRun) return;  // never ran on a track
  const TestName& name = run.tests[test];
  const uint64_t start = r.start_ns + offset_ns_;
  end_ns_ = std::max(end_ns_, start + r.duration_ns);
  LineWriter(&events_).Add([&](JsonWriter* w) {
    w->StartObject();
    WriteTrack(w, name.FullName(), "test", "X", r.worker);
    NumberField(w, "ts", Micros(start));
    NumberField(w, "dur", Micros(r.duration_ns));
    w->Key("args");
    w->StartObject();
    StringField(w, "binary", run.binaries.empty() ? "" : run.binaries[name.binary]);
    StringField(w, "outcome", OutcomeName(r.outcome));
    IntField(w, "attempt", r.attempts);
    IntField(w, "iteration", iteration_);
    w->EndObject();
    w->EndObject();
  });
}

void TraceReporter::OnTestRetried(const RunInfo& run, uint32_t test, const TestResult& attempt) {
  OnTestFinished(run, test, attempt);  // every attempt is a slice on its worker's track
}

void TraceReporter::OnTimeout(int worker, uint32_t test, uint64_t at_ns) {
  Instant(worker, at_ns, "timeout", [&](JsonWriter* w) { IntField(w, "test", test); });
}

void TraceReporter::OnWorkerEnded(int worker, const ProcessEnd& end, bool normal, uint64_t at_ns) {
  Instant(worker, at_ns, normal ? "worker done" : "worker died",
          [&](JsonWriter* w) { StringField(w, "end", DescribeEnd(end)); });
}

void TraceReporter::OnTick(const RunInfo&, const Ledger&, const Progress& progress) {
  for (size_t w = 0; w < progress.steals.size() && w < steals_.size(); ++w) {
    if (progress.steals[w] > steals_[w]) {
      Instant(static_cast<int>(w), progress.elapsed_ns, "steal",
              [&](JsonWriter* jw) { IntField(jw, "steals", progress.steals[w]); });
    }
    steals_[w] = progress.steals[w];
  }
}

std::string TraceReporter::Render() const {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  StringField(&w, "displayTimeUnit", "ms");
  LinesField(&w, "traceEvents", events_);
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

void TraceReporter::OnRunEnd(const RunInfo&, const Ledger&, const RunSummary&) {
  if (!WriteFileAtomically(path_, Render(), &error_)) {
    std::fprintf(stderr, "mprun: error: --trace: %s\n", error_.c_str());
  }
}

}  // namespace mprun::core
