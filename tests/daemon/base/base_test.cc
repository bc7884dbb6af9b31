// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include "daemon/base/diag.h"
#include "daemon/base/redact.h"
#include "daemon/base/result.h"
#include "daemon/base/time.h"

namespace sov {
namespace {

Result<int> half(int x) {
  if (x % 2 != 0) return fail(ErrorCode::kInvalidInput, "odd: " + std::to_string(x));
  return x / 2;
}

TEST(Result, CarriesValueOrError) {
  auto ok = half(4);
  ASSERT_TRUE(ok);
  EXPECT_EQ(*ok, 2);
  auto bad = half(3);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidInput);
  EXPECT_EQ(bad.error().message(), "odd: 3");
  EXPECT_EQ(bad.value_or(7), 7);
}

TEST(Error, PrintsCauseChain) {
  Error inner(ErrorCode::kIo, "open /x: No such file");
  Error outer(ErrorCode::kInvalidInput, "config /etc/s.yaml", inner);
  EXPECT_EQ(outer.to_string(), "config /etc/s.yaml: open /x: No such file");
  ASSERT_NE(outer.cause(), nullptr);
  EXPECT_EQ(outer.cause()->code(), ErrorCode::kIo);
}

TEST(Diagnostics, FormatsPositionLineAndCaret) {
  Diagnostics d;
  d.set_source("r.yaml", "a: 1\n  chek: 2\n");
  d.error(2, 3, "unknown key 'chek' (did you mean 'check'?)");
  EXPECT_EQ(d.to_string(),
            "r.yaml:2:3: error: unknown key 'chek' (did you mean 'check'?)\n"
            "    chek: 2\n"
            "    ^");
  EXPECT_TRUE(d.has_errors());
}

TEST(Diagnostics, WarningsPromotedUnderStrict) {
  Diagnostics d;
  d.set_source("r.yaml", "x\n");
  d.warning(1, 1, "w");
  EXPECT_FALSE(d.has_errors());
  EXPECT_EQ(d.warning_count(), 1u);
  d.promote_warnings();
  EXPECT_TRUE(d.has_errors());
  EXPECT_EQ(d.to_string(), "r.yaml:1:1: error: w\n  x\n  ^");
}

TEST(Diagnostics, WholeFileErrorHasNoPosition) {
  Diagnostics d;
  d.set_source("r.yaml", "");
  d.error(0, 0, "file is empty");
  EXPECT_EQ(d.to_string(), "r.yaml: error: file is empty");
}

TEST(DidYouMean, FindsCloseCandidateOnly) {
  std::vector<std::string> keys = {"check", "when", "severity"};
  EXPECT_EQ(did_you_mean("chek", keys), "check");
  EXPECT_EQ(did_you_mean("severty", keys), "severity");
  EXPECT_EQ(did_you_mean("zzzzzz", keys), "");
  EXPECT_EQ(did_you_mean_suffix("wehn", keys), " (did you mean 'when'?)");
}

TEST(Time, ParsesDatesAndRfc3339) {
  auto d = parse_time("2026-09-26");
  ASSERT_TRUE(d);
  EXPECT_EQ(format_rfc3339(*d), "2026-09-26T00:00:00Z");
  auto t = parse_time("2026-09-26T10:20:30+02:00");
  ASSERT_TRUE(t);
  EXPECT_EQ(format_rfc3339(*t), "2026-09-26T08:20:30Z");
  auto z = parse_time("2026-09-26T10:20:30.5Z");
  ASSERT_TRUE(z);
  EXPECT_EQ(format_rfc3339(*z), "2026-09-26T10:20:30Z");
  EXPECT_TRUE(is_calendar_date("2024-02-29"));
}

TEST(Time, RejectsImpossibleOrMalformedDates) {
  EXPECT_FALSE(parse_time("2026-02-30"));
  EXPECT_FALSE(parse_time("2025-02-29"));
  EXPECT_FALSE(parse_time("2026-13-01"));
  EXPECT_FALSE(parse_time("2026-1-01"));
  EXPECT_FALSE(parse_time("2026-01-01T10:00:00"));  // no offset
  EXPECT_FALSE(parse_time("2026-01-01T25:00:00Z"));
  EXPECT_FALSE(parse_time("yesterday"));
  EXPECT_FALSE(parse_time(""));
  EXPECT_FALSE(parse_time("9999-01-01"));  // beyond what a nanosecond TimePoint holds
  EXPECT_FALSE(parse_time("0001-01-01"));
}

TEST(Time, ParsesAndFormatsDurations) {
  using namespace std::chrono;
  EXPECT_EQ(parse_duration("30d"), duration_cast<Duration>(days(30)));
  EXPECT_EQ(parse_duration("1h30m"), duration_cast<Duration>(minutes(90)));
  EXPECT_EQ(parse_duration("250ms"), duration_cast<Duration>(milliseconds(250)));
  EXPECT_EQ(parse_duration("1y"), duration_cast<Duration>(days(365)));
  EXPECT_FALSE(parse_duration("10"));
  EXPECT_FALSE(parse_duration("d"));
  EXPECT_FALSE(parse_duration("5 days"));
  EXPECT_FALSE(parse_duration("-5s"));
  EXPECT_FALSE(parse_duration("999999999y"));  // would overflow
  EXPECT_FALSE(parse_duration("150y100y"));
  EXPECT_EQ(format_duration(duration_cast<Duration>(hours(48))), "2d");
  EXPECT_EQ(format_duration(duration_cast<Duration>(seconds(10))), "10s");
  EXPECT_EQ(format_duration(duration_cast<Duration>(milliseconds(1500))), "1500ms");
}

TEST(FakeClock, AdvancesOnlyWhenTold) {
  FakeClock c(from_unix_seconds(1000));
  EXPECT_EQ(to_unix_seconds(c.now()), 1000);
  c.advance(std::chrono::seconds(5));
  EXPECT_EQ(to_unix_seconds(c.now()), 1005);
}

TEST(Redact, MasksUrlUserInfoAndSecretPairs) {
  EXPECT_EQ(redact("https://user:hunter2@s3.example.fr/b"), "https://<redacted>@s3.example.fr/b");
  EXPECT_EQ(redact("password=hunter2 host=x"), "password=<redacted> host=x");
  EXPECT_EQ(redact("Authorization: Bearer abc.def"), "Authorization: <redacted>");
  EXPECT_EQ(redact("endpoint=s3.fr-par.scw.cloud:443"), "endpoint=s3.fr-par.scw.cloud:443");
  EXPECT_TRUE(looks_secret("secret_access_key"));
  EXPECT_TRUE(looks_secret("pin_file"));
  EXPECT_FALSE(looks_secret("endpoint"));
}

}  // namespace
}  // namespace sov
