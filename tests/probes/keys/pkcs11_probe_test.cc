// SPDX-License-Identifier: Apache-2.0
// Pkcs11Probe against SoftHSM2: each test builds its own token (tests/support/softhsm.h) with keys
// whose attributes it chose through the PKCS#11 API, then asserts every fact.
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <gtest/gtest.h>

#include "probes/keys/keys_probe.h"
#include "tests/probes/keys/test_util.h"
#include "tests/support/softhsm.h"
#include "tests/support/temp_dir.h"

namespace sov::probes::keys {
namespace {

using model::Json;
using sov::testing::SoftHsmToken;

constexpr std::chrono::milliseconds kTimeout{20000};

model::Target pkcs11_target(const SoftHsmToken& token, const std::string& key) {
  model::Target t;
  t.id = "hsm-1";
  t.kind = "pkcs11";
  t.spec = {{"module", SoftHsmToken::module_path()},
            {"token", token.label()},
            {"pin_file", token.pin_file()}};
  if (!key.empty()) t.spec["key"] = key;
  return t;
}

ProbeResult probe(const model::Target& t) {
  Pkcs11Probe p;
  SystemClock clock;
  return probe_once(p, t, kTimeout, clock);
}

const Json& key_of(const ProbeResult& r) { return r.facts.doc().at("key"); }

TEST(Pkcs11Probe, ReportsSealedAesKeyAndSoftwareCustody) {
  SoftHsmToken token;
  auto r = probe(pkcs11_target(token, "sealed-aes"));
  ASSERT_TRUE(r.ok) << r.error;
  const Json& k = key_of(r);
  EXPECT_EQ(k["custody"], "software_token");
  EXPECT_EQ(k["custody_reason"], "the token's manufacturer or model names SoftHSM");
  EXPECT_EQ(k["token"]["label"], "sov-test");
  EXPECT_EQ(k["token"]["manufacturer"], "SoftHSM project");
  EXPECT_EQ(k["token"]["model"], "SoftHSM v2");
  EXPECT_TRUE(k["token"]["serial"].is_string());
  EXPECT_FALSE(k["token"]["serial"].get<std::string>().empty());
  EXPECT_EQ(k["token"]["hardware"], false);
  EXPECT_EQ(k["count"], 1);
  EXPECT_EQ(k["label"], "sealed-aes");
  EXPECT_EQ(k["class"], "secret");
  EXPECT_EQ(k["type"], "AES");
  EXPECT_EQ(k["bits"], 256);
  EXPECT_TRUE(k["curve"].is_null());
  EXPECT_EQ(k["extractable"], false);
  EXPECT_EQ(k["sensitive"], true);
  EXPECT_EQ(k["never_extractable"], true);
  EXPECT_EQ(k["always_sensitive"], true);
  EXPECT_EQ(k["local"], true);
  EXPECT_EQ(k["modifiable"], true);
  ASSERT_EQ(k["keys"].size(), 1u);
  EXPECT_EQ(k["keys"][0]["label"], "sealed-aes");
  EXPECT_TRUE(k["unknown"].empty()) << k["unknown"].dump();
  const auto* src = r.facts.source_for("key.extractable");
  ASSERT_NE(src, nullptr);
  EXPECT_EQ(src->kind, model::SourceKind::kObserved);
  EXPECT_TRUE(test::unknown_schema_paths(r, pkcs11_fact_schema()).empty());
}

TEST(Pkcs11Probe, ReportsRsaPrivateKeySizeAndFlags) {
  SoftHsmToken token;
  auto r = probe(pkcs11_target(token, "sealed-rsa"));
  ASSERT_TRUE(r.ok) << r.error;
  const Json& k = key_of(r);
  EXPECT_EQ(k["class"], "private");
  EXPECT_EQ(k["type"], "RSA");
  EXPECT_EQ(k["bits"], 3072);
  EXPECT_TRUE(k["curve"].is_null());
  EXPECT_EQ(k["extractable"], false);
  EXPECT_EQ(k["sensitive"], true);
  EXPECT_EQ(k["never_extractable"], true);
  EXPECT_EQ(k["always_sensitive"], true);
  EXPECT_EQ(k["local"], true);
}

TEST(Pkcs11Probe, ReportsEcCurveAndOrderBits) {
  SoftHsmToken token;
  auto r = probe(pkcs11_target(token, "sealed-ec"));
  ASSERT_TRUE(r.ok) << r.error;
  const Json& k = key_of(r);
  EXPECT_EQ(k["type"], "EC");
  EXPECT_EQ(k["curve"], "prime256v1");
  EXPECT_EQ(k["bits"], 256);
  EXPECT_EQ(k["local"], true);
}

TEST(Pkcs11Probe, ReportsExtractableKey) {
  SoftHsmToken token;
  auto r = probe(pkcs11_target(token, "exportable-aes"));
  ASSERT_TRUE(r.ok) << r.error;
  const Json& k = key_of(r);
  EXPECT_EQ(k["extractable"], true);
  EXPECT_EQ(k["sensitive"], false);
  EXPECT_EQ(k["never_extractable"], false);
  EXPECT_EQ(k["always_sensitive"], false);
  EXPECT_EQ(k["local"], true);
}

TEST(Pkcs11Probe, ReportsImportedKeyAsNotLocal) {
  SoftHsmToken token;
  auto r = probe(pkcs11_target(token, "imported-aes"));
  ASSERT_TRUE(r.ok) << r.error;
  const Json& k = key_of(r);
  EXPECT_EQ(k["local"], false);
  EXPECT_EQ(k["extractable"], false);
  EXPECT_EQ(k["sensitive"], true);
  EXPECT_EQ(k["never_extractable"], false);
  EXPECT_EQ(k["always_sensitive"], false);
}

TEST(Pkcs11Probe, ListsEveryKeyWhenNoLabelIsGiven) {
  SoftHsmToken token;
  auto r = probe(pkcs11_target(token, ""));
  ASSERT_TRUE(r.ok) << r.error;
  const Json& k = key_of(r);
  EXPECT_EQ(k["count"], 5);
  EXPECT_EQ(k["keys"].size(), 5u);
  EXPECT_TRUE(k["type"].is_null());
  EXPECT_TRUE(k["extractable"].is_null());
  ASSERT_EQ(k["unknown"].size(), 1u);
  EXPECT_EQ(k["unknown"][0]["path"], "key.type");
  EXPECT_TRUE(test::unknown_schema_paths(r, pkcs11_fact_schema()).empty());
}

TEST(Pkcs11Probe, ReadsThePinFromTheEnvironment) {
  SoftHsmToken token;
  auto t = pkcs11_target(token, "sealed-aes");
  t.spec.erase("pin_file");
  t.spec["pin_env"] = "SOV_TEST_HSM_PIN";
  ::setenv("SOV_TEST_HSM_PIN", token.pin().c_str(), 1);
  auto r = probe(t);
  ::unsetenv("SOV_TEST_HSM_PIN");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(key_of(r)["label"], "sealed-aes");
}

TEST(Pkcs11Probe, WrongPinIsAClearErrorWithoutThePin) {
  SoftHsmToken token;
  sov::testing::TempDir dir;
  const std::string planted = "wrong-pin-9c1e77";
  auto t = pkcs11_target(token, "sealed-aes");
  t.spec["pin_file"] = dir.write("pin", planted);
  auto r = probe(t);
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.error, "hsm-1 (token 'sov-test' via " + SoftHsmToken::module_path() +
                         "): login refused: wrong PIN (CKR_PIN_INCORRECT)");
  EXPECT_EQ(r.error.find(planted), std::string::npos);
  EXPECT_EQ(r.facts.doc().dump().find(planted), std::string::npos);
  // The token was found before the login failed: its facts are kept.
  EXPECT_EQ(r.facts.doc()["key"]["token"]["label"], "sov-test");
  EXPECT_EQ(r.facts.doc()["key"]["custody"], "software_token");
}

TEST(Pkcs11Probe, MissingTokenNamesTheLabel) {
  SoftHsmToken token;
  auto t = pkcs11_target(token, "sealed-aes");
  t.spec["token"] = "no-such-token";
  auto r = probe(t);
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.error, "hsm-1 (token 'no-such-token' via " + SoftHsmToken::module_path() +
                         "): token not found (tokens present: 'sov-test')");
}

TEST(Pkcs11Probe, MissingKeyNamesTheLabel) {
  SoftHsmToken token;
  auto r = probe(pkcs11_target(token, "nope"));
  ASSERT_FALSE(r.ok);
  EXPECT_NE(r.error.find("no private or secret key labelled 'nope' on the token"),
            std::string::npos)
      << r.error;
}

TEST(Pkcs11Probe, FindsAKeyByIdAloneOrWithItsLabel) {
  SoftHsmToken token;
  model::Target t = pkcs11_target(token, "");
  t.spec.erase("key");
  t.spec["key_id"] = "5e:a1";
  auto r = probe(t);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(key_of(r)["count"], 1);
  EXPECT_EQ(key_of(r)["label"], "sealed-rsa");
  EXPECT_EQ(key_of(r)["id"], "5ea1");
  EXPECT_EQ(key_of(r)["bits"], 3072);

  t.spec["key"] = "sealed-ec";  // both must match: no such key
  auto none = probe(t);
  ASSERT_FALSE(none.ok);
  EXPECT_NE(none.error.find("no private or secret key labelled 'sealed-ec' and with id 5ea1 on "
                            "the token"),
            std::string::npos)
      << none.error;

  t.spec.erase("key");
  t.spec["key_id"] = "5e:z1";
  auto bad = probe(t);
  ASSERT_FALSE(bad.ok);
  EXPECT_NE(bad.error.find("`key_id` must be hexadecimal bytes"), std::string::npos) << bad.error;
}

TEST(Pkcs11Probe, MissingModuleIsAClearError) {
  model::Target t;
  t.id = "hsm-2";
  t.kind = "pkcs11";
  t.spec = {{"module", "/nonexistent/libpkcs11.so"}, {"token", "x"}, {"pin_env", "NOPE"}};
  auto r = probe(t);
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.error,
            "hsm-2 (token 'x' via /nonexistent/libpkcs11.so): module /nonexistent/libpkcs11.so "
            "cannot be read: No such file or directory");
}

TEST(Pkcs11Probe, LibraryWithoutPkcs11EntryPointIsRefused) {
  // A real shared library that is not a PKCS#11 module: the C library's libm.
  std::string libm;
  for (const char* p : {"/lib/x86_64-linux-gnu/libm.so.6", "/usr/lib/x86_64-linux-gnu/libm.so.6",
                        "/lib/aarch64-linux-gnu/libm.so.6"}) {
    if (std::filesystem::exists(p)) libm = p;
  }
  ASSERT_FALSE(libm.empty());
  model::Target t;
  t.id = "hsm-3";
  t.kind = "pkcs11";
  t.spec = {{"module", libm}, {"token", "x"}};
  auto r = probe(t);
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.error, "hsm-3 (token 'x' via " + libm + "): module " + libm +
                         " is not a PKCS#11 module (no C_GetFunctionList)");
}

TEST(Pkcs11Probe, FileThatIsNotALibraryIsRefused) {
  sov::testing::TempDir dir;
  auto path = dir.write("fake.so", "not an ELF file\n");
  model::Target t;
  t.id = "hsm-4";
  t.kind = "pkcs11";
  t.spec = {{"module", path}, {"token", "x"}};
  auto r = probe(t);
  ASSERT_FALSE(r.ok);
  EXPECT_NE(
      r.error.find("hsm-4 (token 'x' via " + path + "): module " + path + " cannot be loaded: "),
      std::string::npos)
      << r.error;
}

TEST(Pkcs11Probe, BadSpecNamesTheField) {
  model::Target t;
  t.id = "hsm-5";
  t.kind = "pkcs11";
  auto r = probe(t);
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.error, "hsm-5: spec: `module` and `token` are required for kind pkcs11");
}

TEST(Pkcs11Probe, DeadlineAlreadyPassedReportsTimeout) {
  SoftHsmToken token;
  Pkcs11Probe p;
  SystemClock clock;
  ProbeResult out;
  int calls = 0;
  ProbeContext ctx{nullptr, &clock, std::chrono::steady_clock::now() - std::chrono::seconds(1)};
  p.run(pkcs11_target(token, "sealed-aes"), ctx, [&](ProbeResult r) {
    ++calls;
    out = std::move(r);
  });
  EXPECT_EQ(calls, 1);
  ASSERT_FALSE(out.ok);
  EXPECT_NE(out.error.find("hsm-1: token 'sov-test' via "), std::string::npos) << out.error;
  EXPECT_NE(out.error.find("timed out"), std::string::npos) << out.error;
}

TEST(Pkcs11Probe, RunsOffTheLoopAndPostsDoneOnce) {
  SoftHsmToken token;
  Pkcs11Probe p;
  SystemClock clock;
  boost::asio::io_context io;
  std::atomic<int> calls{0};
  ProbeResult out;
  std::thread::id done_thread;
  ProbeContext ctx{&io, &clock, std::chrono::steady_clock::now() + kTimeout};
  p.run(pkcs11_target(token, "sealed-rsa"), ctx, [&](ProbeResult r) {
    ++calls;
    done_thread = std::this_thread::get_id();
    out = std::move(r);
  });
  EXPECT_EQ(calls, 0);  // run() returned before the worker finished: nothing ran on this loop
  io.run();
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(done_thread, std::this_thread::get_id());
  ASSERT_TRUE(out.ok) << out.error;
  EXPECT_EQ(key_of(out)["bits"], 3072);
}

TEST(Pkcs11Probe, ConcurrentRunsOnOneModuleAllSucceed) {
  SoftHsmToken token;
  Pkcs11Probe p;
  SystemClock clock;
  boost::asio::io_context io;
  int ok = 0;
  int calls = 0;
  ProbeContext ctx{&io, &clock, std::chrono::steady_clock::now() + kTimeout};
  for (const char* label : {"sealed-aes", "sealed-rsa", "sealed-ec", "exportable-aes"}) {
    p.run(pkcs11_target(token, label), ctx, [&](ProbeResult r) {
      ++calls;
      if (r.ok) ++ok;
    });
  }
  io.run();
  EXPECT_EQ(calls, 4);
  EXPECT_EQ(ok, 4);
}

// The engine merges all schemas into one map where the last entry for a path wins: a path two key
// probes share must be described identically by both.
TEST(KeySchemas, SharedPathsAreIdentical) {
  std::map<std::string, model::FactSchemaEntry> seen;
  for (const auto& list : {pkcs11_fact_schema(), key_file_fact_schema(), kms_fact_schema()}) {
    std::set<std::string> in_list;
    for (const auto& e : list) {
      EXPECT_TRUE(in_list.insert(e.path).second) << "listed twice: " << e.path;
      auto [it, fresh] = seen.emplace(e.path, e);
      if (fresh) continue;
      EXPECT_EQ(it->second.description, e.description) << e.path;
      EXPECT_EQ(it->second.type, e.type) << e.path;
      EXPECT_EQ(it->second.producer, e.producer) << e.path;
    }
  }
}

TEST(Pkcs11Probe, SchemaListsEveryPathWithTypeAndMeaning) {
  Pkcs11Probe p;
  auto schema = p.fact_schema();
  EXPECT_EQ(p.kind(), "pkcs11");
  for (const auto& e : schema) {
    EXPECT_FALSE(e.description.empty()) << e.path;
    EXPECT_TRUE(e.producer == "pkcs11" || e.producer == "keys") << e.path;
    EXPECT_EQ(e.path.rfind("key", 0), 0u) << e.path;
  }
}

}  // namespace
}  // namespace sov::probes::keys

namespace sov::probes::keys {
namespace {

// A module that hangs (tests/probes/keys/hanging_module.cc): the run reports a timeout by its
// deadline and the event loop keeps serving other work meanwhile.
TEST(Pkcs11Probe, HungModuleTimesOutWithoutBlockingTheLoop) {
  Pkcs11Probe p;
  SystemClock clock;
  boost::asio::io_context io;
  model::Target t;
  t.id = "hsm-hung";
  t.kind = "pkcs11";
  t.spec = {{"module", SOV_HANGING_PKCS11}, {"token", "x"}};
  int calls = 0;
  ProbeResult out;
  auto started = std::chrono::steady_clock::now();
  ProbeContext ctx{&io, &clock, started + std::chrono::milliseconds(300)};
  p.run(t, ctx, [&](ProbeResult r) {
    ++calls;
    out = std::move(r);
  });
  bool loop_served = false;
  boost::asio::post(io, [&] { loop_served = true; });
  io.run();
  auto elapsed = std::chrono::steady_clock::now() - started;
  EXPECT_TRUE(loop_served);
  EXPECT_EQ(calls, 1);
  ASSERT_FALSE(out.ok);
  EXPECT_EQ(out.error, std::string("hsm-hung: token 'x' via ") + SOV_HANGING_PKCS11 +
                           ": timed out before the deadline (the module or file system did not "
                           "answer)");
  EXPECT_LT(elapsed, std::chrono::seconds(10));  // bounded by the deadline, not by the module
}

}  // namespace
}  // namespace sov::probes::keys

namespace sov::probes::keys {
namespace {

// A second run on a module whose earlier call never returned gives up at its own deadline
// instead of queueing a thread forever behind the hung one.
TEST(Pkcs11Probe, RunQueuedBehindAHungModuleTimesOut) {
  Pkcs11Probe p;
  SystemClock clock;
  model::Target t;
  t.id = "hsm-hung";
  t.kind = "pkcs11";
  t.spec = {{"module", SOV_HANGING_PKCS11}, {"token", "x"}};
  auto first = probe_once(p, t, std::chrono::milliseconds(200), clock);
  EXPECT_NE(first.error.find("timed out"), std::string::npos) << first.error;
  // The queued run gives up at its own deadline. Which of two equal deadlines fires first (the
  // probe's, or the wait for the module's lock) is a race; both end the run with an error that
  // names the cause, and neither blocks.
  auto started = std::chrono::steady_clock::now();
  auto second = probe_once(p, t, std::chrono::milliseconds(200), clock);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
  EXPECT_FALSE(second.ok);
  EXPECT_TRUE(second.error.find("timed out") != std::string::npos ||
              second.error.find("still busy with an earlier run") != std::string::npos)
      << second.error;
}

TEST(Pkcs11Probe, UnsetDeadlineTimesOutAtOnce) {
  Pkcs11Probe p;
  SystemClock clock;
  model::Target t;
  t.id = "hsm-6";
  t.kind = "pkcs11";
  t.spec = {{"module", "/nonexistent.so"}, {"token", "x"}};
  ProbeResult out;
  p.run(t, ProbeContext{nullptr, &clock, {}}, [&](ProbeResult r) { out = std::move(r); });
  EXPECT_NE(out.error.find("timed out"), std::string::npos) << out.error;
}

}  // namespace
}  // namespace sov::probes::keys
