// SPDX-License-Identifier: Apache-2.0
// KeyFileProbe against key files generated at test time with OpenSSL: RSA and EC, plain and
// encrypted (PKCS#8 and traditional), with good and bad permissions, and a directory scan.
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>

#include "probes/keys/keys_probe.h"
#include "probes/storage/storage_probe.h"
#include "tests/probes/keys/test_util.h"
#include "tests/support/softhsm.h"
#include "tests/support/temp_dir.h"

namespace sov::probes::keys {
namespace {

using model::Json;
using sov::testing::TempDir;

constexpr std::chrono::milliseconds kTimeout{20000};
constexpr const char* kPassphrase = "passphrase-3be0d2f1";

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

Pkey rsa_key() { return Pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048})); }
Pkey ec_key() { return Pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384")); }

enum class Form { kPlain, kPkcs8Encrypted, kTraditionalEncrypted };

// Writes `key` to dir/name in `form` with `mode` and returns the path.
std::string write_key(const TempDir& dir, const std::string& name, EVP_PKEY* key, Form form,
                      mode_t mode) {
  std::string path = dir.file(name);
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  BIO* bio = BIO_new_file(path.c_str(), "w");
  EXPECT_NE(bio, nullptr);
  auto* pass = reinterpret_cast<const unsigned char*>(kPassphrase);
  int len = static_cast<int>(std::string(kPassphrase).size());
  int ok = 0;
  switch (form) {
    case Form::kPlain:
      ok = PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
      break;
    case Form::kPkcs8Encrypted:
      ok = PEM_write_bio_PrivateKey(bio, key, EVP_aes_256_cbc(), pass, len, nullptr, nullptr);
      break;
    case Form::kTraditionalEncrypted:
      ok = PEM_write_bio_PrivateKey_traditional(bio, key, EVP_aes_256_cbc(), pass, len, nullptr,
                                                nullptr);
      break;
  }
  EXPECT_EQ(ok, 1);
  BIO_free(bio);
  ::chmod(path.c_str(), mode);
  return path;
}

model::Target file_target(const std::string& path) {
  model::Target t;
  t.id = "keys-1";
  t.kind = "key_file";
  t.spec = {{"path", path}};
  return t;
}

ProbeResult probe(const std::string& path) {
  KeyFileProbe p;
  SystemClock clock;
  return probe_once(p, file_target(path), kTimeout, clock);
}

TEST(KeyFileProbe, ReportsPlainRsaKeyWithTightPermissions) {
  TempDir dir;
  auto key = rsa_key();
  auto path = write_key(dir, "server.key", key.get(), Form::kPlain, 0600);
  auto r = probe(path);
  ASSERT_TRUE(r.ok) << r.error;
  const Json& k = r.facts.doc().at("key");
  const Json& f = k["file"];
  EXPECT_EQ(f["path"], path);
  EXPECT_EQ(f["owner"], "root");
  EXPECT_EQ(f["group"], "root");
  EXPECT_EQ(f["mode"], "0600");
  EXPECT_EQ(f["group_readable"], false);
  EXPECT_EQ(f["world_readable"], false);
  EXPECT_EQ(f["private_key"], true);
  EXPECT_EQ(f["format"], "pem");
  EXPECT_EQ(f["pem_label"], "PRIVATE KEY");
  EXPECT_EQ(f["encrypted"], false);
  EXPECT_EQ(f["type"], "RSA");
  EXPECT_EQ(f["bits"], 2048);
  EXPECT_TRUE(f["curve"].is_null());
  // The volume: what the path probe says of this machine's temporary directory (a CI machine's
  // disk may or may not be encrypted; the fixture trees of tests/probes/storage cover LUKS).
  auto at_rest = probes::storage::encryption_of(path);
  if (at_rest.encrypted) {
    EXPECT_EQ(f["on_encrypted_volume"], *at_rest.encrypted);
    EXPECT_TRUE(k["unknown"].empty()) << k["unknown"].dump();
  } else {
    EXPECT_TRUE(f["on_encrypted_volume"].is_null());
    ASSERT_EQ(k["unknown"].size(), 1u);
    EXPECT_EQ(k["unknown"][0]["path"], "key.file.on_encrypted_volume");
    EXPECT_EQ(k["unknown"][0]["reason"], at_rest.reason);
  }
  EXPECT_EQ(k["type"], "RSA");
  EXPECT_EQ(k["bits"], 2048);
  ASSERT_EQ(k["files"].size(), 1u);
  EXPECT_TRUE(test::unknown_schema_paths(r, key_file_fact_schema()).empty());
}

TEST(KeyFileProbe, ReportsWorldReadableEcKeyAndCurve) {
  TempDir dir;
  auto key = ec_key();
  auto path = write_key(dir, "ec.key", key.get(), Form::kPlain, 0644);
  auto r = probe(path);
  ASSERT_TRUE(r.ok) << r.error;
  const Json& f = r.facts.doc().at("key").at("file");
  EXPECT_EQ(f["mode"], "0644");
  EXPECT_EQ(f["group_readable"], true);
  EXPECT_EQ(f["world_readable"], true);
  EXPECT_EQ(f["type"], "EC");
  EXPECT_EQ(f["curve"], "secp384r1");
  EXPECT_EQ(f["bits"], 384);
}

TEST(KeyFileProbe, ReportsGroupReadableKey) {
  TempDir dir;
  auto key = ec_key();
  auto path = write_key(dir, "ec.key", key.get(), Form::kPlain, 0640);
  auto r = probe(path);
  ASSERT_TRUE(r.ok) << r.error;
  const Json& f = r.facts.doc().at("key").at("file");
  EXPECT_EQ(f["group_readable"], true);
  EXPECT_EQ(f["world_readable"], false);
}

TEST(KeyFileProbe, DetectsPkcs8EncryptedKeyWithoutDecrypting) {
  TempDir dir;
  auto key = rsa_key();
  auto path = write_key(dir, "enc.key", key.get(), Form::kPkcs8Encrypted, 0600);
  auto r = probe(path);
  ASSERT_TRUE(r.ok) << r.error;
  const Json& f = r.facts.doc().at("key").at("file");
  EXPECT_EQ(f["pem_label"], "ENCRYPTED PRIVATE KEY");
  EXPECT_EQ(f["encrypted"], true);
  EXPECT_TRUE(f["type"].is_null());
  EXPECT_TRUE(f["bits"].is_null());
}

TEST(KeyFileProbe, DetectsTraditionalEncryptedKeyAndItsType) {
  TempDir dir;
  auto key = rsa_key();
  auto path = write_key(dir, "enc-rsa.key", key.get(), Form::kTraditionalEncrypted, 0600);
  auto r = probe(path);
  ASSERT_TRUE(r.ok) << r.error;
  const Json& f = r.facts.doc().at("key").at("file");
  EXPECT_EQ(f["pem_label"], "RSA PRIVATE KEY");
  EXPECT_EQ(f["encrypted"], true);
  EXPECT_EQ(f["type"], "RSA");
  EXPECT_TRUE(f["bits"].is_null());
}

TEST(KeyFileProbe, ScansADirectoryForStrayPrivateKeys) {
  TempDir dir;
  auto rsa = rsa_key();
  auto ec = ec_key();
  write_key(dir, "a/one.pem", rsa.get(), Form::kPlain, 0644);
  dir.write("a/readme.txt", "nothing here\n");
  write_key(dir, "b/c/two.key", ec.get(), Form::kPkcs8Encrypted, 0600);
  {
    BIO* bio = BIO_new_file(dir.file("pub.pem").c_str(), "w");
    ASSERT_EQ(PEM_write_bio_PUBKEY(bio, rsa.get()), 1);
    BIO_free(bio);
  }
  auto r = probe(dir.path());
  ASSERT_TRUE(r.ok) << r.error;
  const Json& k = r.facts.doc().at("key");
  EXPECT_EQ(k["scan"]["path"], dir.path());
  EXPECT_EQ(k["scan"]["private_keys"], 2);
  EXPECT_EQ(k["scan"]["unreadable"], 0);
  EXPECT_TRUE(k["file"].is_null());
  ASSERT_EQ(k["files"].size(), 2u);
  int world = 0;
  int encrypted = 0;
  for (const auto& f : k["files"]) {
    if (f["world_readable"] == true) ++world;
    if (f["encrypted"] == true) ++encrypted;
  }
  EXPECT_EQ(world, 1);
  EXPECT_EQ(encrypted, 1);
  EXPECT_TRUE(test::unknown_schema_paths(r, key_file_fact_schema()).empty());
}

TEST(KeyFileProbe, FollowsASymlinkedTargetButNotSymlinksInAScan) {
  TempDir dir;
  auto key = ec_key();
  auto real = write_key(dir, "archive/privkey1.pem", key.get(), Form::kPlain, 0600);
  std::filesystem::create_directories(dir.file("live"));
  std::filesystem::create_symlink(real, dir.file("live/privkey.pem"));
  auto r = probe(dir.file("live/privkey.pem"));
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.facts.doc()["key"]["file"]["type"], "EC");
  EXPECT_EQ(r.facts.doc()["key"]["file"]["mode"], "0600");
  auto scan = probe(dir.path());
  ASSERT_TRUE(scan.ok) << scan.error;
  EXPECT_EQ(scan.facts.doc()["key"]["scan"]["private_keys"], 1);  // the file, not the link
}

TEST(KeyFileProbe, MissingFileIsAnErrorNamingThePath) {
  auto r = probe("/nonexistent/key.pem");
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.error, "keys-1 (/nonexistent/key.pem): cannot stat: No such file or directory");
}

TEST(KeyFileProbe, FileWithoutKeyIsAnError) {
  TempDir dir;
  auto path = dir.write("notes.txt", "hello\n");
  auto r = probe(path);
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.error, "keys-1 (" + path + "): holds no private key in PEM or OpenSSH form");
}

TEST(KeyFileProbe, BadSpecNamesTheField) {
  KeyFileProbe p;
  SystemClock clock;
  model::Target t;
  t.id = "keys-2";
  t.kind = "key_file";
  auto r = probe_once(p, t, kTimeout, clock);
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.error, "keys-2: spec: `path` is required for kind key_file");
}

// The planted PIN and key passphrase appear in no fact and no error, whatever the outcome.
TEST(KeySecrets, PlantedPinAndPassphraseNeverAppear) {
  const std::string planted_pin = "planted-pin-51ab0c";
  sov::testing::SoftHsmToken token("sov-secrets", planted_pin);
  TempDir dir;
  auto key = rsa_key();
  auto enc = write_key(dir, "enc.key", key.get(), Form::kPkcs8Encrypted, 0600);
  auto plain = write_key(dir, "plain.key", key.get(), Form::kPlain, 0644);

  std::vector<ProbeResult> results;
  Pkcs11Probe p11;
  KeyFileProbe files;
  SystemClock clock;
  model::Target t;
  t.id = "secrets";
  t.kind = "pkcs11";
  t.spec = {{"module", sov::testing::SoftHsmToken::module_path()},
            {"token", "sov-secrets"},
            {"pin_file", token.pin_file()}};
  results.push_back(probe_once(p11, t, kTimeout, clock));  // right PIN, every key
  ASSERT_TRUE(results.back().ok) << results.back().error;
  t.spec["key"] = "sealed-rsa";
  results.push_back(probe_once(p11, t, kTimeout, clock));
  t.spec["pin_file"] = dir.write("wrong.pin", planted_pin + "x");
  results.push_back(probe_once(p11, t, kTimeout, clock));  // wrong PIN
  ASSERT_FALSE(results.back().ok);
  t.spec["token"] = "absent";
  results.push_back(probe_once(p11, t, kTimeout, clock));  // missing token
  results.push_back(probe_once(files, file_target(enc), kTimeout, clock));
  results.push_back(probe_once(files, file_target(plain), kTimeout, clock));
  results.push_back(probe_once(files, file_target(dir.path()), kTimeout, clock));
  for (const auto& r : results) {
    std::string text = r.facts.doc().dump() + "\n" + r.error;
    EXPECT_EQ(text.find(planted_pin), std::string::npos) << text;
    EXPECT_EQ(text.find(kPassphrase), std::string::npos) << text;
    EXPECT_EQ(text.find("BEGIN"), std::string::npos) << "no PEM in facts";
  }
}

}  // namespace
}  // namespace sov::probes::keys
