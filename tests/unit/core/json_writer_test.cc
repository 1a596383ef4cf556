#include "core/json_writer.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <utility>

namespace alertd::core {
namespace {

TEST(JsonWriter, NestingAndCommas) {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.key("a").begin_array();
  w.value(1).begin_object().field("b", true).end_object().null();
  w.begin_array().end_array();
  w.end_array();
  w.key("c").begin_object().end_object();
  w.field("d", "x");
  w.end_object();
  EXPECT_EQ(out, R"({"a":[1,{"b":true},null,[]],"c":{},"d":"x"})");
}

TEST(JsonWriter, AppendsToExistingString) {
  std::string out = "prefix:";
  JsonWriter(out).begin_array().value(int64_t{-3}).value(uint64_t{4}).end_array();
  EXPECT_EQ(out, "prefix:[-3,4]");
}

TEST(JsonWriter, IntegerExtremes) {
  std::string out;
  JsonWriter(out)
      .begin_array()
      .value(std::numeric_limits<int64_t>::min())
      .value(std::numeric_limits<uint64_t>::max())
      .value(0)
      .value(7u)
      .end_array();
  EXPECT_EQ(out, "[-9223372036854775808,18446744073709551615,0,7]");
}

TEST(JsonWriter, StringEscaping) {
  std::string out;
  JsonWriter(out).value(std::string_view("q\"b\\s/\n\r\t\x01\x1f\x7f caf\xc3\xa9", 18));
  EXPECT_EQ(out, "\"q\\\"b\\\\s/\\n\\r\\t\\u0001\\u001f\x7f caf\xc3\xa9\"");
}

TEST(JsonWriter, InvalidUtf8BecomesReplacementCharacters) {
  // Each byte outside a well-formed sequence is one \ufffd; valid ones stay.
  const std::pair<std::string_view, std::string_view> cases[] = {
      {"\xff\xfe", R"("\ufffd\ufffd")"},
      {"id \"\xff\"\n", R"("id \"\ufffd\"\n")"},              // among escapes and plain runs
      {"a\xc3", R"("a\ufffd")"},                              // truncated at the end
      {"\xc3(", R"("\ufffd(")"},                              // bad continuation
      {"\xc0\xaf", R"("\ufffd\ufffd")"},                      // overlong '/'
      {"\xed\xa0\x80", R"("\ufffd\ufffd\ufffd")"},            // a UTF-16 surrogate
      {"\xf4\x90\x80\x80", R"("\ufffd\ufffd\ufffd\ufffd")"},  // past U+10FFFF
      {"\xe2\x82\xac \xf0\x9f\x94\xa5", "\"\xe2\x82\xac \xf0\x9f\x94\xa5\""},  // kept
  };
  for (const auto& [in, want] : cases) {
    std::string out;
    JsonWriter(out).value(in);
    EXPECT_EQ(out, want);
  }
}

TEST(JsonWriter, EmbeddedNulIsEscaped) {
  std::string out;
  JsonWriter(out).value(std::string_view("a\0b", 3));
  EXPECT_EQ(out, "\"a\\u0000b\"");
}

TEST(JsonWriter, KeysAreEscapedToo) {
  std::string out;
  JsonWriter(out).begin_object().field("k\"\n", 1).end_object();
  EXPECT_EQ(out, "{\"k\\\"\\n\":1}");
}

TEST(JsonWriter, Doubles) {
  std::string out;
  JsonWriter(out)
      .begin_array()
      .value(1.5)
      .value(-0.25)
      .value(std::numeric_limits<double>::quiet_NaN())
      .value(std::numeric_limits<double>::infinity())
      .value(-std::numeric_limits<double>::infinity())
      .end_array();
  EXPECT_EQ(out, "[1.5,-0.25,null,null,null]");
}

TEST(JsonWriter, TimeIsRfc3339OrNull) {
  std::string out;
  JsonWriter(out)
      .begin_object()
      .key("opened_at")
      .time(from_unix_millis(1767225912345))
      .key("resolved_at")
      .time(kNoTime)
      .end_object();
  EXPECT_EQ(out, R"({"opened_at":"2026-01-01T00:05:12.345Z","resolved_at":null})");
}

TEST(JsonWriter, LabelsAsObject) {
  std::string out;
  JsonWriter(out)
      .begin_object()
      .key("labels")
      .labels(LabelSet{{"b", "2"}, {"a", "\"1\""}})
      .end_object();
  EXPECT_EQ(out, R"({"labels":{"a":"\"1\"","b":"2"}})");
}

TEST(JsonWriter, RawValueGetsSeparators) {
  std::string out;
  JsonWriter(out).begin_array().value(1).raw(R"({"x":[1,2]})").value(2).end_array();
  EXPECT_EQ(out, R"([1,{"x":[1,2]},2])");
  out.clear();
  JsonWriter(out).begin_object().key("detail").raw("{}").field("n", 1).end_object();
  EXPECT_EQ(out, R"({"detail":{},"n":1})");
}

TEST(AppendJsonString, Standalone) {
  std::string out;
  append_json_string(out, "tab\there");
  EXPECT_EQ(out, "\"tab\\there\"");
}

}  // namespace
}  // namespace alertd::core
