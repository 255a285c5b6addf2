#include "core/file_io.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "tests/e2e/e2e_util.h"

namespace mprun::core {
namespace {

TEST(FileIoTest, FilesAreReplacedAtomically) {
  testing_util::ScratchDir dir;
  std::string err;
  ASSERT_TRUE(WriteFileAtomically(dir.File("r.json"), "first", &err)) << err;
  ASSERT_TRUE(WriteFileAtomically(dir.File("r.json"), "second", &err)) << err;
  EXPECT_EQ(ReadWholeFile(dir.File("r.json")), "second");
  EXPECT_EQ(dir.List().size(), 1u) << "no temporary file left";
  EXPECT_FALSE(WriteFileAtomically(dir.File("missing/r.json"), "x", &err));
  EXPECT_NE(err.find("missing/r.json"), std::string::npos) << err;
}

TEST(FileIoTest, ReadsALargeFileWhole) {
  testing_util::ScratchDir dir;
  std::string content;
  for (int i = 0; content.size() < (size_t{3} << 20); ++i) content += std::to_string(i) + '\n';
  content.push_back('\0');  // binary-safe
  std::string err;
  ASSERT_TRUE(WriteFileAtomically(dir.File("big"), content, &err)) << err;
  std::string text = "stale";
  ASSERT_TRUE(ReadFile(dir.File("big"), &text, &err)) << err;
  EXPECT_EQ(text, content);
}

TEST(FileIoTest, ReadsAnEmptyFileAsEmpty) {
  testing_util::ScratchDir dir;
  std::string err;
  ASSERT_TRUE(WriteFileAtomically(dir.File("empty"), "", &err)) << err;
  std::string text = "stale";
  EXPECT_TRUE(ReadFile(dir.File("empty"), &text, &err)) << err;
  EXPECT_EQ(text, "");
}

// /proc files say they are empty: the size fstat gives is only a hint.
TEST(FileIoTest, ReadsProcFilesThatClaimNoSize) {
  const std::string stat = ReadWholeFile("/proc/self/stat");
  EXPECT_EQ(stat.rfind(std::to_string(getpid()) + " (", 0), 0u) << stat;
  EXPECT_EQ(stat.back(), '\n');
}

TEST(FileIoTest, SaysWhyAFileCannotBeRead) {
  testing_util::ScratchDir dir;
  std::string text = "stale";
  std::string err;
  EXPECT_FALSE(ReadFile(dir.File("absent"), &text, &err));
  EXPECT_EQ(err, dir.File("absent") + ": cannot be read: No such file or directory");
  EXPECT_EQ(text, "");
  EXPECT_FALSE(ReadFile(dir.path(), &text, &err));
  EXPECT_EQ(err, dir.path() + ": cannot be read: Is a directory");
  EXPECT_EQ(ReadWholeFile(dir.File("absent")), "");
}

}  // namespace
}  // namespace mprun::core
