#include "core/input/ctest_files.h"

#include <cctype>

namespace mprun::core {

namespace {

struct Arg {
  std::string value;
  bool literal = true;  // no ${...}, $ENV{...} or $CACHE{...} in it
};

struct Command {
  std::string name;  // lower case
  std::vector<Arg> args;
  size_t line = 0;
};

bool RefersToAVariable(std::string_view s) {
  for (size_t i = s.find('$'); i != std::string_view::npos; i = s.find('$', i + 1)) {
    const std::string_view rest = s.substr(i + 1);
    if (rest.substr(0, 1) == "{" || rest.substr(0, 4) == "ENV{" || rest.substr(0, 6) == "CACHE{") {
      return true;
    }
  }
  return false;
}

// CMake's language, as far as its generated files use it: commands of
// bracket, quoted and unquoted arguments, comments (line and bracket).
class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  // The next command into `out`; false at the end or on an error (`why`
  // not empty).
  bool Next(Command* out, std::string* why) {
    SkipSpaceAndComments();
    if (at_ >= text_.size()) return false;
    out->line = line_;
    out->name.clear();
    out->args.clear();
    while (at_ < text_.size() && (std::isalnum(Byte()) || text_[at_] == '_')) {
      out->name += static_cast<char>(std::tolower(Byte()));
      ++at_;
    }
    SkipBlanks();
    if (out->name.empty() || at_ >= text_.size() || text_[at_] != '(') {
      *why = "line " + std::to_string(out->line) + ": not a command";
      return false;
    }
    ++at_;
    return Args(out, why);
  }

 private:
  unsigned char Byte() const { return static_cast<unsigned char>(text_[at_]); }
  void Advance() {
    if (text_[at_] == '\n') ++line_;
    ++at_;
  }
  void SkipBlanks() {
    while (at_ < text_.size() && (text_[at_] == ' ' || text_[at_] == '\t')) ++at_;
  }
  // The `=`s of a bracket opening at `at_` ("[==["), or -1.
  int BracketLevel() const {
    if (at_ >= text_.size() || text_[at_] != '[') return -1;
    size_t i = at_ + 1;
    while (i < text_.size() && text_[i] == '=') ++i;
    return i < text_.size() && text_[i] == '[' ? static_cast<int>(i - at_ - 1) : -1;
  }
  // Past a bracket's closing; false when it never closes.
  bool SkipBracket(int level, std::string* content) {
    const std::string close = "]" + std::string(static_cast<size_t>(level), '=') + "]";
    at_ += static_cast<size_t>(level) + 2;
    if (at_ < text_.size() && text_[at_] == '\n') Advance();  // a first newline is dropped
    const size_t end = text_.find(close, at_);
    if (end == std::string_view::npos) return false;
    if (content != nullptr) content->assign(text_.substr(at_, end - at_));
    while (at_ < end) Advance();
    at_ += close.size();
    return true;
  }
  void SkipSpaceAndComments() {
    while (at_ < text_.size()) {
      if (std::isspace(Byte())) {
        Advance();
      } else if (text_[at_] == '#') {
        ++at_;
        const int level = BracketLevel();
        if (level >= 0 && SkipBracket(level, nullptr)) continue;
        while (at_ < text_.size() && text_[at_] != '\n') ++at_;
      } else {
        return;
      }
    }
  }
  bool Args(Command* out, std::string* why) {
    const std::string where = "line " + std::to_string(out->line) + ": ";
    int depth = 0;  // parentheses inside unquoted arguments
    for (;;) {
      SkipSpaceAndComments();
      if (at_ >= text_.size()) return *why = where + "a command that never ends", false;
      const char c = text_[at_];
      if (c == ')' && depth == 0) {
        ++at_;
        return true;
      }
      Arg arg;
      if (const int level = BracketLevel(); level >= 0) {
        if (!SkipBracket(level, &arg.value))
          return *why = where + "a bracket that never ends", false;
      } else if (c == '"') {
        if (!Quoted(&arg)) return *why = where + "a quote that never ends", false;
      } else {
        Unquoted(&arg, &depth);
      }
      out->args.push_back(std::move(arg));
    }
  }
  bool Quoted(Arg* arg) {
    ++at_;
    const size_t begin = at_;
    while (at_ < text_.size() && text_[at_] != '"') {
      if (text_[at_] == '\\' && at_ + 1 < text_.size()) {
        Advance();
        arg->value += text_[at_] == 'n' ? '\n' : text_[at_] == 't' ? '\t' : text_[at_];
      } else {
        arg->value += text_[at_];
      }
      Advance();
    }
    if (at_ >= text_.size()) return false;
    arg->literal = !RefersToAVariable(text_.substr(begin, at_ - begin));
    ++at_;
    return true;
  }
  void Unquoted(Arg* arg, int* depth) {
    const size_t begin = at_;
    while (at_ < text_.size() && !std::isspace(Byte()) && text_[at_] != '"' && text_[at_] != '#') {
      if (text_[at_] == '(') ++*depth;
      if (text_[at_] == ')') {
        if (*depth == 0) break;
        --*depth;
      }
      if (text_[at_] == '\\' && at_ + 1 < text_.size()) ++at_;
      arg->value += text_[at_];
      ++at_;
    }
    arg->literal = !RefersToAVariable(text_.substr(begin, at_ - begin));
  }

  std::string_view text_;
  size_t at_ = 0;
  size_t line_ = 1;
};

bool AllLiteral(const Command& c) {
  for (const Arg& a : c.args) {
    if (!a.literal) return false;
  }
  return true;
}

}  // namespace

bool ReadCtestFileRefs(std::string_view text, CtestFileRefs* out, std::string* why) {
  Lexer lexer(text);
  Command c;
  why->clear();
  while (lexer.Next(&c, why)) {
    const std::string where = "line " + std::to_string(c.line) + ": ";
    if (!AllLiteral(c)) return *why = where + c.name + " refers to a variable", false;
    if (c.name == "add_test" || c.name == "set_tests_properties" ||
        c.name == "set_directory_properties" || c.name == "else" || c.name == "endif") {
      continue;
    }
    // gtest_discover_tests' TEST_LIST: a variable nothing here can read.
    if (c.name == "set" && !c.args.empty() && c.args[0].value.rfind("ENV{", 0) != 0) continue;
    if (c.name == "subdirs") {
      for (const Arg& a : c.args) {
        if (a.value.empty()) return *why = where + "an empty subdirs() folder", false;
        out->subdirs.push_back(a.value);
      }
    } else if (c.name == "include") {
      if (c.args.size() != 1 || c.args[0].value.empty() || c.args[0].value[0] != '/') {
        return *why = where + "an include of anything but one absolute path", false;
      }
      out->includes.push_back(c.args[0].value);
    } else if (c.name == "if") {
      if (c.args.size() != 2 || c.args[0].value != "EXISTS" || c.args[1].value.empty() ||
          c.args[1].value[0] != '/') {
        return *why = where + "an if() that is not if(EXISTS \"/absolute/path\")", false;
      }
      out->exists.push_back(c.args[1].value);
    } else {
      return *why = where + c.name + "() (not one CMake writes into a CTestTestfile)", false;
    }
  }
  return why->empty();
}

}  // namespace mprun::core
