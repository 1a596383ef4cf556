#include "telemetry/exposition.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "telemetry/metrics.h"

namespace alertd::telemetry {
namespace {

std::string fmt_double(double v) {
  std::string out;
  append_double(out, v);
  return out;
}

std::string escaped(std::string_view s, bool quote) {
  std::string out;
  append_escaped(out, s, quote);
  return out;
}

// Expected strings are what Go's strconv.FormatFloat(v, 'g', -1, 64) prints,
// which is what client_golang writes into /metrics.
TEST(AppendDouble, IntegersHaveNoFraction) {
  EXPECT_EQ(fmt_double(0), "0");
  EXPECT_EQ(fmt_double(1), "1");
  EXPECT_EQ(fmt_double(-1), "-1");
  EXPECT_EQ(fmt_double(100), "100");
  EXPECT_EQ(fmt_double(123456), "123456");
}

TEST(AppendDouble, NegativeZeroIsZero) {
  EXPECT_EQ(fmt_double(-0.0), "0");
}

TEST(AppendDouble, ShortestRoundTripDigits) {
  EXPECT_EQ(fmt_double(0.1), "0.1");
  EXPECT_EQ(fmt_double(0.25), "0.25");
  EXPECT_EQ(fmt_double(2.5), "2.5");
  EXPECT_EQ(fmt_double(123456.7), "123456.7");
  EXPECT_EQ(fmt_double(0.0001), "0.0001");
  EXPECT_EQ(fmt_double(0.1 + 0.2), "0.30000000000000004");
}

TEST(AppendDouble, ExponentFormLikeGo) {
  EXPECT_EQ(fmt_double(1e6), "1e+06");
  EXPECT_EQ(fmt_double(1234567), "1.234567e+06");
  EXPECT_EQ(fmt_double(-2.5e7), "-2.5e+07");
  EXPECT_EQ(fmt_double(0.00001), "1e-05");
  EXPECT_EQ(fmt_double(1.5e-5), "1.5e-05");
  EXPECT_EQ(fmt_double(1e300), "1e+300");
  EXPECT_EQ(fmt_double(5e-324), "5e-324");
}

TEST(AppendDouble, NonFiniteSpelledAsPrometheus) {
  EXPECT_EQ(fmt_double(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(fmt_double(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(fmt_double(std::nan("")), "NaN");
}

TEST(AppendDouble, RoundTripsThroughStrtod) {
  for (double v : {3.141592653589793, 1e-7, 9.999999e5, 1e5 + 0.5, 7e22, -4.2e-3}) {
    auto s = fmt_double(v);
    EXPECT_EQ(std::strtod(s.c_str(), nullptr), v) << s;
  }
}

TEST(AppendUint, ExactAboveDoublePrecision) {
  std::string out;
  append_uint(out, 18446744073709551615ull);
  EXPECT_EQ(out, "18446744073709551615");
}

TEST(AppendEscaped, LabelValueEscapesBackslashQuoteNewline) {
  EXPECT_EQ(escaped("a\\b\"c\nd", true), "a\\\\b\\\"c\\nd");
  EXPECT_EQ(escaped("tab\tstays", true), "tab\tstays");
}

TEST(AppendEscaped, HelpKeepsQuotes) {
  EXPECT_EQ(escaped("say \"hi\"\\\n", false), "say \"hi\"\\\\\\n");
}

TEST(SanitizeUtf8, KeepsValidText) {
  for (std::string s : {"plain", "h\xc3\xa9llo", "\xe2\x82\xac", "\xf0\x9f\x98\x80", ""}) {
    EXPECT_EQ(sanitize_utf8(s), s);
  }
}

TEST(SanitizeUtf8, ReplacesInvalidBytes) {
  const std::string kFffd = "\xef\xbf\xbd";
  EXPECT_EQ(sanitize_utf8("a\xff"
                          "b"),
            "a" + kFffd + "b");
  EXPECT_EQ(sanitize_utf8("\xe2\x82"), kFffd + kFffd);                          // truncated
  EXPECT_EQ(sanitize_utf8("\xc0\xaf"), kFffd + kFffd);                          // overlong '/'
  EXPECT_EQ(sanitize_utf8("\xed\xa0\x80"), kFffd + kFffd + kFffd);              // surrogate
  EXPECT_EQ(sanitize_utf8("\xf4\x90\x80\x80"), kFffd + kFffd + kFffd + kFffd);  // > U+10FFFF
}

TEST(Names, MetricNames) {
  EXPECT_TRUE(is_valid_metric_name("alertd_ingested_total"));
  EXPECT_TRUE(is_valid_metric_name("job:rate5m"));
  EXPECT_TRUE(is_valid_metric_name("_x9"));
  EXPECT_FALSE(is_valid_metric_name(""));
  EXPECT_FALSE(is_valid_metric_name("9x"));
  EXPECT_FALSE(is_valid_metric_name("a-b"));
  EXPECT_FALSE(is_valid_metric_name("a b"));
}

TEST(Names, LabelNames) {
  EXPECT_TRUE(is_valid_label_name("source"));
  EXPECT_TRUE(is_valid_label_name("_x1"));
  EXPECT_FALSE(is_valid_label_name(""));
  EXPECT_FALSE(is_valid_label_name("__name__"));
  EXPECT_FALSE(is_valid_label_name("a:b"));
  EXPECT_FALSE(is_valid_label_name("1a"));
}

TEST(Buckets, Exponential) {
  EXPECT_EQ(exponential_buckets(0.001, 2, 4), (std::vector<double>{0.001, 0.002, 0.004, 0.008}));
  EXPECT_THROW(exponential_buckets(0, 2, 3), std::invalid_argument);
  EXPECT_THROW(exponential_buckets(1, 1, 3), std::invalid_argument);
  EXPECT_THROW(exponential_buckets(1, 2, 0), std::invalid_argument);
}

TEST(Buckets, Linear) {
  EXPECT_EQ(linear_buckets(10, 5, 3), (std::vector<double>{10, 15, 20}));
  EXPECT_THROW(linear_buckets(0, 0, 3), std::invalid_argument);
}

TEST(HistogramMetric, BucketsAreUpperInclusiveAndNanGoesToInf) {
  Histogram h({1, 2});
  for (double v : {0.5, 1.0, 1.5, 2.0, 3.0, std::nan("")}) h.observe(v);
  EXPECT_EQ(h.bucket_counts(), (std::vector<uint64_t>{2, 2, 2}));
  EXPECT_EQ(h.count(), 6u);
  EXPECT_TRUE(std::isnan(h.sum()));
}

}  // namespace
}  // namespace alertd::telemetry
