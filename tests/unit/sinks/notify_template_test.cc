// The message template language: fields, #if/#unless/else, escaping per
// output (JSON, Slack mrkdwn in JSON, HTML), unknown fields refused at
// compile time, and the output bound.

#include <gtest/gtest.h>

#include <map>

#include "sinks/notify/template.h"

namespace alertd::sinks::notify {
namespace {

const std::vector<std::string_view> kKnown = {"title", "owner", "priority", "mention", "missing"};

std::string render(std::string_view text, Escape escape,
                   const std::map<std::string, std::string>& values, size_t max = 1 << 20) {
  auto t = Template::compile(text, escape, kKnown);
  EXPECT_TRUE(t.ok()) << (t.ok() ? "" : t.error().message);
  if (!t.ok()) return "";
  std::string out;
  t->render(
      [&](std::string_view name) {
        auto it = values.find(std::string(name));
        if (it == values.end()) return FieldValue{"", false, false};
        return FieldValue{it->second, name == "mention", true};
      },
      out, max);
  return out;
}

TEST(NotifyTemplate, FieldsAndConditionals) {
  const std::map<std::string, std::string> v = {
      {"title", "Disk full"}, {"priority", "P1"}, {"owner", ""}};
  EXPECT_EQ(render("[{{priority}}] {{ title }}", Escape::text, v), "[P1] Disk full");
  EXPECT_EQ(render("{{#if owner}}owned by {{owner}}{{else}}unowned{{/if}}", Escape::text, v),
            "unowned");
  EXPECT_EQ(render("{{#unless owner}}nobody{{/unless}}{{#if priority}}!{{/if}}", Escape::text, v),
            "nobody!");
  EXPECT_EQ(
      render("{{#if priority}}{{#if owner}}x{{else}}{{title}}{{/if}}{{/if}}", Escape::text, v),
      "Disk full");
  EXPECT_EQ(render("a{{missing}}b", Escape::text, v), "ab");  // known, absent from this message
}

TEST(NotifyTemplate, EscapingFollowsTheOutput) {
  const std::map<std::string, std::string> v = {{"title", "<!channel> \"db\" & co\n"},
                                                {"mention", "<@U01ALICE>"}};
  EXPECT_EQ(render(R"({"text":"{{title}}"})", Escape::json, v),
            R"({"text":"<!channel> \"db\" & co\n"})");
  // Slack: an alert's text cannot ping the channel; alertd's own mention can.
  EXPECT_EQ(render(R"({"text":"{{title}} {{mention}}"})", Escape::slack_json, v),
            R"({"text":"&lt;!channel&gt; \"db\" &amp; co\n <@U01ALICE>"})");
  EXPECT_EQ(render("<b>{{title}}</b>", Escape::html, v),
            "<b>&lt;!channel&gt; &quot;db&quot; &amp; co\n</b>");
  const std::map<std::string, std::string> control = {{"title", std::string("a\x01z")}};
  EXPECT_EQ(render("{{title}}", Escape::json, control), "a\\u0001z");
}

TEST(NotifyTemplate, MistakesAreRefusedWithTheirOffset) {
  auto error_of = [](std::string_view text) {
    auto t = Template::compile(text, Escape::text, kKnown);
    return t.ok() ? std::string("compiled") : t.error().message;
  };
  EXPECT_EQ(error_of("hi {{titel}}"), "template at byte 3: unknown field \"titel\"");
  EXPECT_EQ(error_of("{{title"), "template at byte 0: {{ without }}");
  EXPECT_EQ(error_of("{{#if owner}}x"), "template at byte 14: {{#if}} not closed");
  EXPECT_EQ(error_of("x{{/if}}"), "template at byte 1: {{/if}} closes nothing open");
  EXPECT_EQ(error_of("{{else}}"), "template at byte 0: {{else}} outside {{#if}}");
  EXPECT_EQ(error_of("{{#each owner}}{{/each}}"),
            "template at byte 0: {{#each owner}}: only #if and #unless");
  EXPECT_EQ(error_of("{{#if Title}}{{/if}}"), "template at byte 0: \"Title\" is not a field name");
  std::string deep;
  for (int i = 0; i < 9; ++i) deep += "{{#if owner}}";
  EXPECT_NE(error_of(deep).find("nested deeper than 8"), std::string::npos);
  EXPECT_NE(error_of(std::string(kMaxTemplateBytes + 1, 'x')).find("longer than 64 KiB"),
            std::string::npos);
}

TEST(NotifyTemplate, TheOutputIsBoundedOnWholeCharacters) {
  const std::map<std::string, std::string> v = {{"title", "äää\"ääää"}};  // 2-byte characters
  const std::string out = render("{{title}}", Escape::json, v, 12);
  EXPECT_LE(out.size(), 12u);
  EXPECT_EQ(out, "äää\\\"\xE2\x80\xA6");  // a whole escape, no half character, then …
  EXPECT_EQ(render("{{title}}", Escape::json, v), "äää\\\"ääää");
}

}  // namespace
}  // namespace alertd::sinks::notify
