#include "sinks/store/label_json.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>

#include "store_test_util.h"

namespace alertd::sinks {
namespace {

core::LabelSet tricky_labels() {
  return core::LabelSet{
      {"alertname", "DiskFull"},
      {"quote", "say \"hi\""},
      {"backslash", R"(C:\path\to\x)"},
      {"newline", "line1\nline2\r\n\ttabbed"},
      {"unicode", "Grüße, 日本語, emoji 🚨"},
      {"control", std::string("nul\0bell\x07", 9)},
      {"empty", ""},
      {"json-looking", R"({"a":[1,2]})"},
  };
}

TEST(LabelJson, RoundTripsExactValues) {
  auto labels = tricky_labels();
  std::string json;
  write_labels_json(labels, json);
  simdjson::dom::parser parser;
  auto parsed = parse_labels_json(parser, json);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(*parsed, labels);
  EXPECT_EQ(parsed->get("control")->size(), 9u);
}

TEST(LabelJson, EmptySetIsEmptyObject) {
  std::string json = "stale";
  write_labels_json(core::LabelSet{}, json);
  EXPECT_EQ(json, "{}");
  simdjson::dom::parser parser;
  auto parsed = parse_labels_json(parser, json);
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(parsed->empty());
}

TEST(LabelJson, ParsedSetIsSortedByName) {
  simdjson::dom::parser parser;
  auto parsed = parse_labels_json(parser, R"({"b":"2","a":"1"})");
  ASSERT_TRUE(parsed.ok());
  ASSERT_EQ(parsed->size(), 2u);
  EXPECT_EQ(parsed->items()[0].name, "a");
  EXPECT_EQ(parsed->items()[1].name, "b");
}

TEST(LabelJson, RefusesOtherShapesAsCorrupt) {
  simdjson::dom::parser parser;
  for (const char* bad : {"", "[]", R"({"a":1})", R"({"a":null})", R"({"a":"1")", "\"x\""}) {
    auto parsed = parse_labels_json(parser, bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.error().reason, "store_corrupt") << bad;
  }
}

TEST(LabelJson, Utf8Check) {
  EXPECT_TRUE(labels_are_utf8(tricky_labels()));
  EXPECT_FALSE(labels_are_utf8(core::LabelSet{{"a", "\xff\xfe"}}));
  EXPECT_FALSE(labels_are_utf8(core::LabelSet{{"\xc3", "ok"}}));
}

}  // namespace
}  // namespace alertd::sinks
