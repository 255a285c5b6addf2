#include "core/input/history_file.h"

#include <fcntl.h>
#include <rapidjson/error/en.h>
#include <rapidjson/filewritestream.h>
#include <rapidjson/reader.h>
#include <rapidjson/writer.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string_view>
#include <unordered_map>

#include "core/file_io.h"

namespace mprun::core {

namespace {

constexpr char kFormat[] = "mprun-history";
constexpr size_t kKeep = History::kKeep;

// Which file was read, to tell at Save whether another run wrote since.
struct FileId {
  uint64_t inode = 0, size = 0, mtime_ns = 0;
  bool operator==(const FileId&) const = default;
};

bool Identify(const std::string& path, FileId* id) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return false;
  *id = {static_cast<uint64_t>(st.st_ino), static_cast<uint64_t>(st.st_size),
         static_cast<uint64_t>(st.st_mtim.tv_sec) * 1'000'000'000u +
             static_cast<uint64_t>(st.st_mtim.tv_nsec)};
  return true;
}

bool ParseOutcome(std::string_view s, Outcome* out) {
  for (int i = 1; i <= kOutcomeCount; ++i) {
    if (OutcomeName(static_cast<Outcome>(i)) == s) {
      *out = static_cast<Outcome>(i);
      return true;
    }
  }
  return false;
}

bool IsNamed(std::string_view full, const TestName& t) {
  return full.size() == t.suite.size() + 1 + t.name.size() &&
         full.compare(0, t.suite.size(), t.suite) == 0 && full[t.suite.size()] == '.' &&
         full.compare(t.suite.size() + 1, t.name.size(), t.name) == 0;
}

std::string BaseName(const std::string& binary) {
  const size_t slash = binary.rfind('/');
  return slash == std::string::npos ? binary : binary.substr(slash + 1);
}

// Reads from memory and says where it is. The reader copies rapidjson's own
// string streams into locals, so their position cannot be asked mid-parse;
// this one (copyOptimization 0) it uses in place.
struct TextStream {
  using Ch = char;
  const char* begin;
  const char* cur;
  const char* end;
  Ch Peek() const { return cur < end ? *cur : '\0'; }
  Ch Take() { return cur < end ? *cur++ : '\0'; }
  size_t Tell() const { return static_cast<size_t>(cur - begin); }
  Ch* PutBegin() { return nullptr; }
  void Put(Ch) {}
  void Flush() {}
  size_t PutEnd(Ch*) { return 0; }
};

enum Column { kTests, kDurations, kOutcomes, kFlaky, kSetUps, kColumns, kNoColumn = kColumns };
constexpr const char* kColumnNames[kColumns] = {"tests", "durations_us", "last_outcomes",
                                                "flaky_counts", "suite_set_ups_us"};
// Columns a file may leave out (written only where not all 0).
constexpr bool Optional(int column) { return column == kSetUps; }

}  // namespace

struct History::File {
  struct Entry {
    uint32_t name_at = 0, name_len = 0;            // in its Part's `names`
    uint32_t durations_at = 0, durations_len = 0;  // the array's text, in `text`
    Outcome outcome = Outcome::kNotRun;
    uint32_t flaky = 0;
    uint32_t suite_set_up_us = 0;
  };
  struct Other {  // another binary's section, left as text
    std::string binary;
    size_t at, len;
  };
  // The section of one of this history's binaries.
  struct Part {
    std::string names;              // its test names, end to end
    std::vector<Entry> entries;     // its tests, in the file's order
    std::vector<int32_t> entry_of;  // by this run's test: its entry, or -1
    std::vector<bool> matched;      // by entry: a test of this run

    std::string_view Name(const Entry& e) const {
      return std::string_view(names).substr(e.name_at, e.name_len);
    }
    // Pairs this run's tests with entries: by position while the names
    // agree (the common case: the same suite as last time), by name after.
    void Match(const std::vector<TestName>& tests) {
      entry_of.assign(tests.size(), -1);
      matched.assign(entries.size(), false);
      size_t t = 0;
      for (; t < tests.size() && t < entries.size() && IsNamed(Name(entries[t]), tests[t]); ++t) {
        entry_of[t] = static_cast<int32_t>(t);
        matched[t] = true;
      }
      if (t == tests.size() || t == entries.size()) return;
      std::unordered_map<std::string_view, uint32_t> index(entries.size() - t);
      for (size_t e = t; e < entries.size(); ++e) index.emplace(Name(entries[e]), e);
      for (; t < tests.size(); ++t) {
        const auto it = index.find(tests[t].FullName());
        if (it == index.end() || matched[it->second]) continue;
        entry_of[t] = static_cast<int32_t>(it->second);
        matched[it->second] = true;
      }
    }
  };

  std::string text;
  FileId id;
  std::vector<Other> others;
  std::vector<Part> parts;  // by the history's section

  std::string_view DurationsText(const Entry& e) const {
    return std::string_view(text).substr(e.durations_at, e.durations_len);
  }
  // The last `keep` (at most kKeep) durations of `e` into out; how many.
  size_t Durations(const Entry& e, size_t keep, uint32_t* out) const {
    std::array<uint32_t, kKeep> ring{};
    size_t total = 0;
    uint64_t v = 0;
    bool in_number = false;
    for (const char c : DurationsText(e)) {  // validated by Parse: [d, d, ...]
      if (c >= '0' && c <= '9') {
        v = v * 10 + static_cast<uint64_t>(c - '0');
        in_number = true;
      } else if (in_number) {
        ring[total++ % kKeep] = static_cast<uint32_t>(v);
        v = 0;
        in_number = false;
      }
    }
    const size_t n = std::min({total, kKeep, keep});
    for (size_t k = 0; k < n; ++k) out[k] = ring[(total - n + k) % kKeep];
    return n;
  }

  // `binaries`: the file names of the sections to read into `parts`.
  bool Parse(const std::vector<std::string>& binaries, std::string* why);
};

namespace {

// Event handler for rapidjson's reader: fills a File's entries for the
// sections of its binaries and notes where the others' sections lie,
// keeping no tree.
class FileReader : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, FileReader> {
 public:
  using Entry = History::File::Entry;
  FileReader(History::File* file, const std::vector<std::string>& binaries, const TextStream* in)
      : file_(file), in_(in), seen_section_(binaries.size(), false) {
    for (size_t b = 0; b < binaries.size(); ++b) part_of_.emplace(binaries[b], b);
  }

  const std::string& why() const { return why_; }
  // After a parse without error: whether it was a whole history.
  bool Complete() {
    if (!format_) return Fail("not an mprun history file");
    if (!version_) return Fail("unreadable: no version");
    if (!binaries_) return Fail("unreadable: no \"binaries\"");
    return true;
  }

  bool StartObject() {
    if (skip_ > 0) return Nest();
    switch (depth_) {
      case 0:
        depth_ = 1;
        return true;
      case 1:
        if (key_ != "binaries") return Nest();  // something a later mprun added
        if (!format_) return Fail("not an mprun history file");
        if (!version_) return Fail("unreadable: no version");
        binaries_ = true;
        depth_ = 2;
        return true;
      case 2: {
        const auto it = part_of_.find(section_);
        if (it == part_of_.end()) {
          section_at_ = in_->Tell() - 1;  // just past the '{'
          return Nest();
        }
        if (seen_section_[it->second])
          return Fail("unreadable: \"" + section_ + "\" appears twice");
        seen_section_[it->second] = true;
        part_ = &file_->parts[it->second];
        seen_ = {};
        counts_ = {};
        depth_ = 3;
        return true;
      }
      default:
        if (depth_ == 3 && column_ == kNoColumn) return Nest();
        return Scalar(Kind::kOther, {}, 0);
    }
  }
  bool StartArray() {
    if (skip_ > 0) return Nest();
    if (depth_ == 3 && column_ != kNoColumn) {
      if (seen_[column_]) return Fail("unreadable: a column appears twice");
      depth_ = 4;
      row_ = 0;
      return true;
    }
    if (depth_ == 4 && column_ == kDurations) {
      depth_ = 5;
      Row().durations_at = static_cast<uint32_t>(in_->Tell() - 1);
      return true;
    }
    if (depth_ == 1 || (depth_ == 3 && column_ == kNoColumn)) return Nest();
    return Scalar(Kind::kOther, {}, 0);
  }
  bool EndObject(rapidjson::SizeType) {
    if (skip_ > 0) return Unnest();
    if (depth_ == 3 && !SectionComplete()) return false;
    --depth_;
    return true;
  }
  bool EndArray(rapidjson::SizeType) {
    if (skip_ > 0) return Unnest();
    if (depth_ == 5) {
      Entry& e = Row();
      e.durations_len = static_cast<uint32_t>(in_->Tell() - e.durations_at);
      ++row_;
      depth_ = 4;
      return true;
    }
    seen_[column_] = true;  // depth 4: a column ends
    counts_[column_] = row_;
    depth_ = 3;
    return true;
  }
  bool Key(const char* s, rapidjson::SizeType n, bool) {
    if (skip_ > 0) return true;
    const std::string_view key(s, n);
    if (depth_ == 1) key_ = key;
    if (depth_ == 2) section_ = key;
    if (depth_ == 3) {
      column_ = kNoColumn;
      for (int c = 0; c < kColumns; ++c) {
        if (key == kColumnNames[c]) column_ = static_cast<Column>(c);
      }
    }
    return true;
  }
  bool String(const char* s, rapidjson::SizeType n, bool) {
    return Scalar(Kind::kString, {s, n}, 0);
  }
  bool Uint(unsigned u) { return Scalar(Kind::kUint, {}, u); }
  bool Default() { return Scalar(Kind::kOther, {}, 0); }

 private:
  enum class Kind { kString, kUint, kOther };

  bool Fail(std::string why) {
    why_ = std::move(why);
    return false;
  }
  // At the end of one of ours: every column there, all of one length.
  bool SectionComplete() {
    for (int c = 0; c < kColumns; ++c) {
      if (!seen_[c] && Optional(c)) continue;
      if (!seen_[c]) return Fail(std::string("unreadable: no column \"") + kColumnNames[c] + "\"");
      if (counts_[c] != part_->entries.size()) {
        return Fail("unreadable: columns of different lengths");
      }
    }
    return true;
  }
  Entry& Row() {
    if (part_->entries.size() <= row_) part_->entries.resize(row_ + 1);
    return part_->entries[row_];
  }
  // Inside a value that is passed over (or copied through as text).
  bool Nest() {
    ++skip_;
    return true;
  }
  bool Unnest() {
    if (--skip_ == 0 && depth_ == 2) {
      file_->others.push_back({section_, section_at_, in_->Tell() - section_at_});
    }
    return true;
  }

  bool Scalar(Kind kind, std::string_view s, unsigned u) {
    if (skip_ > 0) return true;
    auto at = [&] { return " at test " + std::to_string(row_); };
    switch (depth_) {
      case 0:
        return Fail("unreadable: not a JSON object");
      case 1:
        if (key_ == "format") {
          if (kind != Kind::kString || s != kFormat) return Fail("not an mprun history file");
          format_ = true;
        } else if (key_ == "version") {
          if (kind != Kind::kUint) return Fail("unreadable: the version is not a number");
          if (u > static_cast<unsigned>(History::kVersion)) {
            return Fail("written by a newer mprun (version " + std::to_string(u) + ")");
          }
          version_ = true;
        } else if (key_ == "binaries") {
          return Fail("unreadable: \"binaries\" is not an object");
        }
        return true;  // something a later mprun added
      case 2:
        return Fail("unreadable: the section of \"" + section_ + "\" is not an object");
      case 3:
        if (column_ == kNoColumn) return true;
        return Fail(std::string("unreadable: \"") + kColumnNames[column_] + "\" is not a list");
      case 4:
        switch (column_) {
          case kTests:
            if (kind != Kind::kString)
              return Fail("unreadable: a test name that is not a string" + at());
            Row().name_at = static_cast<uint32_t>(part_->names.size());
            Row().name_len = static_cast<uint32_t>(s.size());
            part_->names.append(s);
            break;
          case kOutcomes:
            if (kind != Kind::kString || !ParseOutcome(s, &Row().outcome)) {
              return Fail("unreadable: an unknown outcome" + at());
            }
            break;
          case kFlaky:
            if (kind != Kind::kUint)
              return Fail("unreadable: a flaky count that is not a whole number" + at());
            Row().flaky = u;
            break;
          case kSetUps:
            if (kind != Kind::kUint)
              return Fail("unreadable: a set-up time that is not a whole number" + at());
            Row().suite_set_up_us = u;
            break;
          default:
            return Fail("unreadable: durations that are not a list" + at());
        }
        ++row_;
        return true;
      default:  // 5: one duration
        if (kind != Kind::kUint)
          return Fail("unreadable: a duration that is not a whole number" + at());
        return true;
    }
  }

  History::File* file_;
  const TextStream* in_;
  std::unordered_map<std::string_view, size_t> part_of_;  // by section name
  std::vector<bool> seen_section_;                        // by part
  History::File::Part* part_ = nullptr;                   // the section being read
  std::string why_;
  int depth_ = 0;  // 1: the top object, 2: "binaries", 3: this binary's, 4: a column, 5: durations
  int skip_ = 0;   // nesting inside a value passed over
  std::string key_, section_;
  Column column_ = kNoColumn;
  size_t row_ = 0, section_at_ = 0;
  bool format_ = false, version_ = false, binaries_ = false;
  std::array<bool, kColumns> seen_{};
  std::array<size_t, kColumns> counts_{};
};

}  // namespace

bool History::File::Parse(const std::vector<std::string>& binaries, std::string* why) {
  if (text.size() >= UINT32_MAX) {
    *why = "unreadable: larger than 4 GiB";
    return false;
  }
  parts.assign(binaries.size(), {});
  if (parts.size() == 1) {
    // Room for every entry the text could hold: what is never used is never
    // touched, while growing by copying would touch it all again. (Not for
    // each of many sections: that room would be reserved many times over.)
    parts[0].names.reserve(text.size());
    parts[0].entries.reserve(text.size() / 16);
  }
  TextStream in{text.data(), text.data(), text.data() + text.size()};
  FileReader handler(this, binaries, &in);
  rapidjson::Reader reader;
  const rapidjson::ParseResult result = reader.Parse(in, handler);
  if (result.IsError() && result.Code() == rapidjson::kParseErrorTermination) {
    *why = handler.why();
    return false;
  }
  if (result.IsError()) {
    *why = std::string("unreadable: ") + rapidjson::GetParseError_En(result.Code()) + " at byte " +
           std::to_string(result.Offset());
    return false;
  }
  if (!handler.Complete()) {
    *why = handler.why();
    return false;
  }
  return true;
}

History::History() = default;
History::History(History&&) noexcept = default;
History& History::operator=(History&&) noexcept = default;
History::~History() = default;

double TestHistory::EstimateMs() const {
  std::array<uint32_t, kKeep> d{};
  const size_t n = std::min(durations_us.size(), d.size());
  if (n == 0) return 0;
  std::copy(durations_us.end() - static_cast<long>(n), durations_us.end(), d.begin());
  std::nth_element(d.begin(), d.begin() + static_cast<long>(n / 2),
                   d.begin() + static_cast<long>(n));
  return std::max(d[n / 2], 1u) / 1e3;  // never 0: 0 means "never seen"
}

double TestHistory::LongestMs() const {
  uint32_t longest = 0;
  const size_t n =
      durations_us.size() - (last_outcome == Outcome::kTimedOut && !durations_us.empty());
  for (size_t i = 0; i < n; ++i) longest = std::max(longest, durations_us[i]);
  return longest / 1e3;
}

bool History::ParseFile(File* file, std::string* why) const {
  std::vector<std::string> names;
  for (const Section& sec : sections_) names.push_back(sec.binary);
  if (!file->Parse(names, why)) return false;
  for (size_t b = 0; b < sections_.size(); ++b) file->parts[b].Match(*sections_[b].tests);
  return true;
}

History History::Load(const std::string& path, const std::vector<Binary>& binaries,
                      std::string* warning) {
  warning->clear();
  History h;
  for (const Binary& b : binaries) h.sections_.push_back({BaseName(b.name), b.tests, {}});
  FileId id;
  if (!Identify(path, &id)) return h;  // no history yet
  auto file = std::make_unique<File>();
  file->id = id;
  file->text = ReadWholeFile(path);
  std::string why;
  if (!h.ParseFile(file.get(), &why)) {
    *warning = "ignoring history " + path + ": " + why;
    return h;
  }
  h.file_ = std::move(file);
  return h;
}

bool History::Find(size_t binary, size_t test, TestHistory* out) const {
  if (!file_ || binary >= file_->parts.size()) return false;
  const File::Part& part = file_->parts[binary];
  if (test >= part.entry_of.size() || part.entry_of[test] < 0) return false;
  const File::Entry& e = part.entries[static_cast<size_t>(part.entry_of[test])];
  std::array<uint32_t, kKeep> d;
  const size_t n = file_->Durations(e, kKeep, d.data());
  out->durations_us.assign(d.begin(), d.begin() + static_cast<long>(n));
  out->last_outcome = e.outcome;
  out->flaky_count = e.flaky;
  out->suite_set_up_us = e.suite_set_up_us;
  return true;
}

size_t History::size(size_t binary) const {
  return file_ && binary < file_->parts.size() ? file_->parts[binary].entries.size() : 0;
}

void History::Record(size_t binary, size_t test, double duration_ms, Outcome outcome, bool flaky,
                     double suite_set_up_ms) {
  if (binary >= sections_.size() || sections_[binary].tests == nullptr) return;
  Section& sec = sections_[binary];
  if (sec.recorded.empty()) sec.recorded.resize(sec.tests->size());
  Recorded& r = sec.recorded.at(test);
  if (outcome != Outcome::kNotRun && outcome != Outcome::kSkipped) {
    if (r.durations == kKeep) {
      std::copy(r.durations_us.begin() + 1, r.durations_us.end(), r.durations_us.begin());
      --r.durations;
    }
    r.durations_us[r.durations++] = static_cast<uint32_t>(std::clamp(duration_ms * 1e3, 0.0, 4e9));
  }
  r.any = true;
  r.outcome = outcome;
  r.flaky += flaky ? 1 : 0;
  if (suite_set_up_ms >= 0) {
    r.suite_set_up_us = static_cast<int64_t>(std::min(suite_set_up_ms * 1e3, 4e9));
  }
}

namespace {

// Held while a run re-reads the history, merges and renames its new copy
// over it: without it two runs that save at once both merge with the same
// file, and the rename of the later one drops what the earlier one added
// (ctest -j runs several test binaries sharing one history). A lock file of
// its own, beside the history, since the history is replaced by rename. The
// kernel releases the lock of a run that dies.
class SaveLock {
 public:
  SaveLock(const std::string& path, std::string* err) {
    const std::string lock = path + ".lock";
    fd_ = open(lock.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd_ < 0) {
      *err = lock + ": " + std::strerror(errno);
      return;
    }
    // A run stopped while it holds the lock (^Z) must not hold up the others
    // for ever: after a minute they give up saving, with the reason.
    for (int waited_ms = 0; flock(fd_, LOCK_EX | LOCK_NB) != 0; waited_ms += 5) {
      if ((errno != EWOULDBLOCK && errno != EINTR) || waited_ms >= 60'000) {
        *err = lock + ": " +
               (errno == EWOULDBLOCK ? std::string("another run held it for a minute")
                                     : std::strerror(errno));
        close(fd_);
        fd_ = -1;
        return;
      }
      const struct timespec five_ms = {0, 5'000'000};
      nanosleep(&five_ms, nullptr);
    }
  }
  ~SaveLock() {
    if (fd_ >= 0) close(fd_);  // releases the lock
  }
  bool held() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

}  // namespace

// Streams the merged file: the other binaries' sections as they were, then
// the columns of each of this history's binaries. Their rows: this run's
// tests that ran or ran before, then the file's tests this run did not
// select, as they were.
class History::Writer {
 public:
  Writer(const History& history, const File* base, std::FILE* out)
      : h_(history), base_(base), stream_(out, buffer_, sizeof buffer_), w_(stream_) {}

  bool Write() {
    w_.StartObject();
    w_.Key("format");
    w_.String(kFormat);
    w_.Key("version");
    w_.Int(kVersion);
    w_.Key("binaries");
    w_.StartObject();
    if (base_) {
      for (const File::Other& o : base_->others) {
        String(o.binary);
        w_.RawValue(base_->text.data() + o.at, o.len, rapidjson::kObjectType);
      }
    }
    for (sec_ = 0; sec_ < h_.sections_.size(); ++sec_) {
      part_ = base_ ? &base_->parts[sec_] : nullptr;
      String(h_.sections_[sec_].binary);
      w_.StartObject();
      Names();
      Durations();
      Outcomes();
      Flaky();
      SetUps();
      w_.EndObject();
    }
    w_.EndObject();
    w_.EndObject();
    stream_.Put('\n');
    stream_.Flush();
    return w_.IsComplete();
  }

 private:
  const File::Entry* EntryOf(size_t t) const {
    return part_ && part_->entry_of[t] >= 0
               ? &part_->entries[static_cast<size_t>(part_->entry_of[t])]
               : nullptr;
  }
  const Recorded* RecordOf(size_t t) const {
    const std::vector<Recorded>& recorded = h_.sections_[sec_].recorded;
    return !recorded.empty() && recorded[t].any ? &recorded[t] : nullptr;
  }
  // One column: `test_row` for each of this run's rows, `kept_row` for
  // each of the file's rows kept as they were.
  // (kNoColumn: only visits the rows, writing nothing.)
  template <typename TestRow, typename KeptRow>
  void Rows(Column c, TestRow&& test_row, KeptRow&& kept_row) {
    const bool write = c != kNoColumn;
    if (write) {
      w_.Key(kColumnNames[c]);
      w_.StartArray();
    }
    for (size_t t = 0; t < h_.sections_[sec_].tests->size(); ++t) {
      const File::Entry* e = EntryOf(t);
      const Recorded* r = RecordOf(t);
      if (e || r) test_row(t, e, r);
    }
    if (part_) {
      for (size_t i = 0; i < part_->entries.size(); ++i) {
        if (!part_->matched[i]) kept_row(part_->entries[i]);
      }
    }
    if (write) w_.EndArray();
  }
  void Names() {
    std::string name;
    Rows(
        kTests,
        [&](size_t t, const File::Entry*, const Recorded*) {
          const TestName& test = (*h_.sections_[sec_].tests)[t];
          name.assign(test.suite).append(1, '.').append(test.name);
          String(name);
        },
        [&](const File::Entry& e) { String(part_->Name(e)); });
  }
  // The file's durations then this run's, the last kKeep of them.
  void Durations() {
    Rows(
        kDurations,
        [&](size_t, const File::Entry* e, const Recorded* r) {
          const size_t mine = r ? r->durations : 0;
          std::array<uint32_t, kKeep> old;
          const size_t n = e ? base_->Durations(*e, kKeep - mine, old.data()) : 0;
          w_.StartArray();
          for (size_t k = 0; k < n; ++k) w_.Uint(old[k]);
          for (size_t k = 0; k < mine; ++k) w_.Uint(r->durations_us[k]);
          w_.EndArray();
        },
        [&](const File::Entry& e) {
          const std::string_view text = base_->DurationsText(e);
          w_.RawValue(text.data(), text.size(), rapidjson::kArrayType);
        });
  }
  void Outcomes() {
    Rows(
        kOutcomes,
        [&](size_t, const File::Entry* e, const Recorded* r) {
          String(OutcomeName(r ? r->outcome : e->outcome));
        },
        [&](const File::Entry& e) { String(OutcomeName(e.outcome)); });
  }
  void Flaky() {
    Rows(
        kFlaky,
        [&](size_t, const File::Entry* e, const Recorded* r) {
          w_.Uint((e ? e->flaky : 0) + (r ? r->flaky : 0));
        },
        [&](const File::Entry& e) { w_.Uint(e.flaky); });
  }
  // This run's figure where it saw one, else the file's; the column only
  // where one is not 0.
  void SetUps() {
    auto set_up = [](const File::Entry* e, const Recorded* r) -> uint32_t {
      if (r && r->suite_set_up_us >= 0) return static_cast<uint32_t>(r->suite_set_up_us);
      return e ? e->suite_set_up_us : 0;
    };
    bool any = false;
    Rows(
        kNoColumn,
        [&](size_t, const File::Entry* e, const Recorded* r) { any |= set_up(e, r) > 0; },
        [&](const File::Entry& e) { any |= e.suite_set_up_us > 0; });
    if (!any) return;
    Rows(
        kSetUps, [&](size_t, const File::Entry* e, const Recorded* r) { w_.Uint(set_up(e, r)); },
        [&](const File::Entry& e) { w_.Uint(e.suite_set_up_us); });
  }
  void String(std::string_view s) {
    w_.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  }

  const History& h_;
  const File* base_;
  size_t sec_ = 0;                    // the section being written
  const File::Part* part_ = nullptr;  // its part of base_
  char buffer_[1 << 16];
  rapidjson::FileWriteStream stream_;
  rapidjson::Writer<rapidjson::FileWriteStream> w_;
};

const History::File* History::Current(const std::string& path,
                                      std::unique_ptr<File>* reread) const {
  FileId now;
  if (!Identify(path, &now)) return nullptr;
  if (file_ != nullptr && now == file_->id) return file_.get();
  *reread = std::make_unique<File>();
  (*reread)->text = ReadWholeFile(path);
  std::string ignored;  // an unreadable file is replaced
  if (!ParseFile(reread->get(), &ignored)) return nullptr;
  return reread->get();
}

bool History::Save(const std::string& path, std::string* err) const {
  if (sections_.empty()) {
    *err = "no history was loaded";
    return false;
  }
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  std::error_code no_dir;  // a directory that cannot be made fails the lock below
  if (!dir.empty()) std::filesystem::create_directories(dir, no_dir);
  const SaveLock lock(path, err);
  if (!lock.held()) return false;
  // Merge with the file as it is now: another run may have written since we
  // loaded it (while it is still the file we loaded, it need not be read).
  std::unique_ptr<File> reread;
  const File* base = Current(path, &reread);
  return WriteFileAtomicallyWith(
      path, [&](std::FILE* out) { return Writer(*this, base, out).Write(); }, err);
}

}  // namespace mprun::core
