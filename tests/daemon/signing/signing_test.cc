// SPDX-License-Identifier: Apache-2.0
// Signed exports: round trip with keys generated at test time, and every kind of tampering (a
// byte of the export, of the manifest, of the signature; another key) named in the error.
#include "daemon/signing/signing.h"

#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "tests/support/temp_dir.h"

namespace {

using sov::ErrorCode;
using sov::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;
namespace signing = sov::signing;

void flip_byte(const std::string& path, size_t offset) {
  std::string data = sov::testing::read_file(path);
  ASSERT_LT(offset, data.size());
  data[offset] = static_cast<char>(data[offset] ^ 0x01);
  std::ofstream(path, std::ios::binary | std::ios::trunc) << data;
}

signing::ManifestInput input() {
  signing::ManifestInput in;
  in.sovereignd_version = "0.1.0";
  in.rulesets = {{"fr-secnumcloud-3.2", "2026.1", std::string(64, 'a')}};
  in.chain_head = std::string(64, 'b');
  in.created = *sov::parse_time("2026-11-29T12:00:00Z");
  return in;
}

struct Signed {
  TempDir dir;
  std::string export_path, key, pub;
  signing::SignedFiles files;
};

std::unique_ptr<Signed> sign_sample() {
  auto s = std::make_unique<Signed>();
  s->export_path = s->dir.write("report.json", "{\"findings\": [\"é\", 1, 2, 3]}\n");
  auto kp = signing::generate_key_pair(s->dir.file("key.pem"));
  EXPECT_TRUE(kp) << kp.error().to_string();
  s->key = kp->private_key;
  s->pub = kp->public_key;
  auto files = signing::sign_file(s->export_path, s->key, input());
  EXPECT_TRUE(files) << files.error().to_string();
  s->files = *files;
  return s;
}

TEST(Signing, RoundTripVerifiesAndReturnsTheManifest) {
  auto s = sign_sample();
  EXPECT_EQ(s->files.manifest_path, s->export_path + ".manifest.json");
  EXPECT_EQ(s->files.signature_path, s->export_path + ".sig");
  auto m = signing::verify_file(s->export_path, s->pub);
  ASSERT_TRUE(m) << m.error().to_string();
  EXPECT_EQ(m->file, "report.json");
  EXPECT_EQ(m->export_size, 30u);
  EXPECT_EQ(m->sovereignd_version, "0.1.0");
  ASSERT_EQ(m->rulesets.size(), 1u);
  EXPECT_EQ(m->rulesets[0].id, "fr-secnumcloud-3.2");
  EXPECT_EQ(m->chain_head, std::string(64, 'b'));
  EXPECT_EQ(m->created, input().created);
  auto fp = signing::key_fingerprint(s->pub);
  ASSERT_TRUE(fp);
  EXPECT_EQ(m->key_fingerprint, *fp);
  EXPECT_EQ(fp->size(), 7u + 64u);
  // The private key verifies too (its public half is derived), with the same fingerprint.
  EXPECT_TRUE(signing::verify_file(s->export_path, s->key));
  EXPECT_EQ(*signing::key_fingerprint(s->key), *fp);
}

TEST(Signing, ManifestHoldsTheExportHashAndParsesBack) {
  auto s = sign_sample();
  std::string text = sov::testing::read_file(s->files.manifest_path);
  auto digest = signing::sha256_file(s->export_path);
  ASSERT_TRUE(digest);
  EXPECT_THAT(text, HasSubstr("\"export_sha256\": \"" + *digest + "\""));
  EXPECT_THAT(text, HasSubstr("\"format\": \"sovereignd-export-manifest/1\""));
  auto again = signing::Manifest::parse(text, "m");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->to_json(), text);  // canonical: what is signed is what parses back
}

TEST(Signing, PrivateKeyIsWrittenOwnerOnlyAndNeverOverwritten) {
  auto s = sign_sample();
  struct stat st {};
  ASSERT_EQ(::stat(s->key.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto again = signing::generate_key_pair(s->key);
  ASSERT_FALSE(again);
  EXPECT_THAT(again.error().message(), HasSubstr("refusing to overwrite a key"));
}

TEST(Signing, FlippedByteInExportFailsNamingTheExport) {
  auto s = sign_sample();
  flip_byte(s->export_path, 5);
  auto m = signing::verify_file(s->export_path, s->pub);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code(), ErrorCode::kCorrupt);
  EXPECT_THAT(m.error().message(),
              HasSubstr("export " + s->export_path + " does not match its signed manifest"));
}

TEST(Signing, AppendedByteInExportFails) {
  auto s = sign_sample();
  std::ofstream(s->export_path, std::ios::app) << " ";
  auto m = signing::verify_file(s->export_path, s->pub);
  ASSERT_FALSE(m);
  EXPECT_THAT(m.error().message(), HasSubstr("(31 bytes), the manifest says"));
}

TEST(Signing, FlippedByteInManifestFailsTheSignature) {
  auto s = sign_sample();
  std::string text = sov::testing::read_file(s->files.manifest_path);
  flip_byte(s->files.manifest_path, text.find("0.1.0"));  // "0.1.0" -> "1.1.0": still JSON
  auto m = signing::verify_file(s->export_path, s->pub);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code(), ErrorCode::kCorrupt);
  EXPECT_THAT(m.error().message(), HasSubstr("does not match manifest " + s->files.manifest_path));
  EXPECT_THAT(m.error().message(), HasSubstr("the manifest or the signature was changed"));
}

TEST(Signing, FlippedByteInSignatureFails) {
  auto s = sign_sample();
  // The signature file is base64: change one character into another base64 character (flipping
  // a bit could make it no base64 at all, a different failure), so it still decodes to 64 bytes.
  std::string sig = sov::testing::read_file(s->files.signature_path);
  ASSERT_GT(sig.size(), 10u);
  sig[10] = sig[10] == 'A' ? 'B' : 'A';
  std::ofstream(s->files.signature_path, std::ios::binary | std::ios::trunc) << sig;
  auto m = signing::verify_file(s->export_path, s->pub);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code(), ErrorCode::kCorrupt);
  EXPECT_THAT(m.error().message(), HasSubstr("signature " + s->files.signature_path));
}

TEST(Signing, TruncatedSignatureIsNotASignature) {
  auto s = sign_sample();
  std::ofstream(s->files.signature_path, std::ios::trunc) << "AAAA\n";
  auto m = signing::verify_file(s->export_path, s->pub);
  ASSERT_FALSE(m);
  EXPECT_THAT(m.error().message(), HasSubstr("not an Ed25519 signature"));
}

TEST(Signing, WrongKeyFailsNamingBothFingerprints) {
  auto s = sign_sample();
  auto other = signing::generate_key_pair(s->dir.file("other.pem"));
  ASSERT_TRUE(other);
  auto m = signing::verify_file(s->export_path, other->public_key);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code(), ErrorCode::kCorrupt);
  EXPECT_THAT(m.error().message(),
              HasSubstr("the manifest names key " + s->files.manifest.key_fingerprint +
                        ", the key given is " + other->fingerprint));
}

TEST(Signing, NonEd25519OrGarbageKeyIsRefusedWithoutQuotingIt) {
  TempDir dir;
  std::string garbage = dir.write("k.pem",
                                  "-----BEGIN PRIVATE KEY-----\nSECRETSECRETSECRET\n"
                                  "-----END PRIVATE KEY-----\n");
  std::string exp = dir.write("e.txt", "x");
  auto r = signing::sign_file(exp, garbage, input());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidInput);
  EXPECT_THAT(r.error().to_string(), Not(HasSubstr("SECRET")));
  auto missing = signing::sign_file(exp, dir.file("absent.pem"), input());
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), ErrorCode::kIo);
}

TEST(Signing, MissingManifestOrSignatureIsAnIoError) {
  auto s = sign_sample();
  std::filesystem::remove(s->files.signature_path);
  auto m = signing::verify_file(s->export_path, s->pub);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code(), ErrorCode::kIo);
  EXPECT_THAT(m.error().message(), HasSubstr("cannot read signature"));
}

TEST(Signing, ManifestParseNamesTheBadKey) {
  auto r = signing::Manifest::parse(R"({"format": "sovereignd-export-manifest/1"})", "m.json");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message(), "m.json: 'file' is missing or not a string");
  EXPECT_FALSE(signing::Manifest::parse("[", "m.json"));
  EXPECT_THAT(signing::Manifest::parse(R"({"format": "x"})", "m.json").error().message(),
              HasSubstr("format 'x' is not"));
}

}  // namespace
