// SPDX-License-Identifier: Apache-2.0
// KmsProbe: declared custody of an external KMS, and errors for bad endpoints.
#include <chrono>

#include <gtest/gtest.h>

#include "probes/keys/keys_probe.h"
#include "tests/probes/keys/test_util.h"

namespace sov::probes::keys {
namespace {

using model::Json;

ProbeResult probe(const Json& spec) {
  KmsProbe p;
  SystemClock clock;
  model::Target t;
  t.id = "kms-1";
  t.kind = "kms";
  t.spec = spec;
  return probe_once(p, t, std::chrono::milliseconds(5000), clock);
}

TEST(KmsProbe, ReportsDeclaredCustody) {
  auto r = probe({{"endpoint", "https://kms.example.eu:8443/v1"},
                  {"holder", "customer"},
                  {"origin", "hyok"},
                  {"rotation", "90d"}});
  ASSERT_TRUE(r.ok) << r.error;
  const Json& k = r.facts.doc().at("key");
  EXPECT_EQ(k["custody"], "kms");
  EXPECT_EQ(k["kms"]["endpoint"], "https://kms.example.eu:8443/v1");
  EXPECT_EQ(k["kms"]["host"], "kms.example.eu");
  EXPECT_EQ(k["kms"]["port"], 8443);
  EXPECT_EQ(k["kms"]["holder"], "customer");
  EXPECT_EQ(k["kms"]["origin"], "hyok");
  EXPECT_EQ(k["kms"]["rotation_days"], 90.0);
  EXPECT_TRUE(k["kms"]["jurisdiction"].is_null());
  ASSERT_EQ(k["unknown"].size(), 1u);
  EXPECT_EQ(k["unknown"][0]["path"], "key.kms.jurisdiction");
  const auto* src = r.facts.source_for("key.kms.holder");
  ASSERT_NE(src, nullptr);
  EXPECT_EQ(src->kind, model::SourceKind::kDeclared);
  EXPECT_TRUE(test::unknown_schema_paths(r, kms_fact_schema()).empty());
}

TEST(KmsProbe, UndeclaredCustodyIsNullWithReason) {
  auto r = probe({{"endpoint", "https://[2001:db8::1]/"}});
  ASSERT_TRUE(r.ok) << r.error;
  const Json& k = r.facts.doc().at("key");
  EXPECT_EQ(k["kms"]["host"], "2001:db8::1");
  EXPECT_EQ(k["kms"]["port"], 443);
  EXPECT_TRUE(k["kms"]["holder"].is_null());
  EXPECT_TRUE(k["kms"]["origin"].is_null());
  EXPECT_TRUE(k["kms"]["rotation_days"].is_null());
  EXPECT_EQ(k["unknown"].size(), 4u);
}

TEST(KmsProbe, RefusesBadEndpoints) {
  EXPECT_EQ(probe({{"endpoint", "http://kms.example.eu"}}).error,
            "kms-1 (http://kms.example.eu): the endpoint must be https, not http");
  EXPECT_EQ(probe({{"endpoint", "kms.example.eu"}}).error,
            "kms-1 (kms.example.eu): not a URL (expected https://HOST[:PORT][/PATH])");
  EXPECT_EQ(probe(Json::object()).error, "kms-1 (kms): spec: `endpoint` is required for kind kms");
  auto r = probe({{"endpoint", "https://user:secret@kms.example.eu/"}});
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.error.find("secret@"), std::string::npos) << r.error;
}

}  // namespace
}  // namespace sov::probes::keys
