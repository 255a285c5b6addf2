#include "core/json_fields.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <string>

namespace mprun::core {
namespace {

rapidjson::Document Parse(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.c_str(), text.size());
  EXPECT_FALSE(doc.HasParseError()) << text;
  return doc;
}

TEST(JsonFieldsTest, WhatIsMissingOrOfAnotherTypeReadsAsEmptyOrZero) {
  const rapidjson::Document doc = Parse(R"({"s": 7, "n": "7", "b": 1})");
  EXPECT_EQ(StringMember(doc, "s"), "");
  EXPECT_EQ(StringMember(doc, "absent"), "");
  EXPECT_EQ(NumberMember(doc, "n"), 0);
  EXPECT_EQ(NumberMember(doc, "absent"), 0);
  EXPECT_FALSE(MemberIs(doc, "b", true)) << "1 is no JSON true";
  EXPECT_FALSE(MemberIs(doc, "b", false));
  EXPECT_EQ(JsonString(doc["s"]), "");
  EXPECT_EQ(JsonNumber(doc["n"]), 0);
}

TEST(JsonFieldsTest, ReadsStringsWholeAndNumbersOfEitherKind) {
  const rapidjson::Document doc = Parse(R"({"s": "a\u0000b", "i": 3, "d": 2.5, "u": 1e300})");
  EXPECT_EQ(StringMember(doc, "s"), std::string("a\0b", 3));
  EXPECT_EQ(NumberMember(doc, "i"), 3);
  EXPECT_EQ(NumberMember(doc, "d"), 2.5);
  EXPECT_EQ(NumberMember(doc, "u"), 1e300);
}

TEST(JsonFieldsTest, AMissingFlagIsNeitherTrueNorFalse) {
  const rapidjson::Document doc = Parse(R"({"yes": true, "no": false})");
  EXPECT_TRUE(MemberIs(doc, "yes", true));
  EXPECT_FALSE(MemberIs(doc, "yes", false));
  EXPECT_TRUE(MemberIs(doc, "no", false));
  EXPECT_FALSE(MemberIs(doc, "no", true));
  EXPECT_FALSE(MemberIs(doc, "absent", true));
  EXPECT_FALSE(MemberIs(doc, "absent", false));
}

}  // namespace
}  // namespace mprun::core
