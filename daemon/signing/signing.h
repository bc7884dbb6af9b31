// SPDX-License-Identifier: Apache-2.0
#pragma once
// Signed evidence: an export (any file) gets a manifest and a detached Ed25519 signature.
//
//   FILE                 the export, unchanged
//   FILE.manifest.json   what the export is: its SHA-256 and size, the sovereignd version, the
//                        rule sets (id, version, sha256), the store's chain head, when, and the
//                        fingerprint of the signing key
//   FILE.sig             base64 of the Ed25519 signature over the manifest's exact bytes
//
// The signature covers the manifest and the manifest covers the export, so one check of each
// proves the export is what the key holder signed. Whether the chain head is still in the
// store's hash chain is the caller's check (this module sees no store; see
// `sovereignctl verify`).
//
// Keys are PEM files as OpenSSL writes them (`openssl genpkey -algorithm ed25519`, or
// generate_key_pair()). Key material stays inside OpenSSL: no function here returns, logs or puts
// in an error message any byte of a key; only the fingerprint (SHA-256 of the raw public key) is
// shown. Errors: kIo (a file cannot be read or written), kInvalidInput (not an Ed25519 PEM key,
// a manifest that is not ours), kCorrupt (signature or hash mismatch: the message names what
// does not match), kInternal (OpenSSL failed; its error queue is in the message).
//
// Stateless and reentrant: any thread.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "daemon/base/result.h"
#include "daemon/base/time.h"

namespace sov::signing {

inline constexpr const char* kManifestFormat = "sovereignd-export-manifest/1";
inline constexpr const char* kSignatureSuffix = ".sig";
inline constexpr const char* kManifestSuffix = ".manifest.json";

struct RuleSetDigest {
  std::string id;
  std::string version;
  std::string sha256;
};

struct Manifest {
  std::string format = kManifestFormat;
  std::string file;  // base name of the export
  std::string export_sha256;
  uint64_t export_size = 0;
  std::string sovereignd_version;
  std::vector<RuleSetDigest> rulesets;
  std::optional<std::string> chain_head;  // hex; nullopt when no store was involved
  TimePoint created{};
  std::string key_fingerprint;  // "sha256:<hex of the raw public key's SHA-256>"

  // Pretty-printed JSON with sorted keys; what the signature covers, byte for byte.
  std::string to_json() const;
  // Errors (kInvalidInput) name `name` and the key that is missing or mistyped.
  static Result<Manifest> parse(std::string_view json, const std::string& name);
};

// What the caller knows about the export's origin; the rest of the manifest is computed.
struct ManifestInput {
  std::string sovereignd_version;
  std::vector<RuleSetDigest> rulesets;
  std::optional<std::string> chain_head;
  TimePoint created{};
};

struct KeyPairPaths {
  std::string private_key;  // written mode 0600
  std::string public_key;
  std::string fingerprint;
};

// Writes a new Ed25519 key pair: `private_path` (PKCS#8 PEM, unencrypted, mode 0600; refused if
// it exists) and `private_path`.pub (SubjectPublicKeyInfo PEM).
Result<KeyPairPaths> generate_key_pair(const std::string& private_path);

// The fingerprint of the key in a PEM file (private or public).
Result<std::string> key_fingerprint(const std::string& pem_path);

struct SignedFiles {
  std::string manifest_path;
  std::string signature_path;
  Manifest manifest;
};

// Hashes `export_path`, writes FILE.manifest.json, signs it with the private key in
// `private_key_path` and writes FILE.sig. Existing .manifest.json/.sig files are replaced.
Result<SignedFiles> sign_file(const std::string& export_path, const std::string& private_key_path,
                              const ManifestInput& input);

// Checks FILE.sig over FILE.manifest.json with the public (or private) key in `public_key_path`,
// then the export's size and SHA-256 against the manifest. Returns the manifest when both hold;
// kCorrupt otherwise, with a message naming the file that does not match and, for a foreign
// key, both fingerprints. `manifest_path`/`signature_path` empty = the default names.
struct VerifyPaths {
  std::string manifest_path;
  std::string signature_path;
};
Result<Manifest> verify_file(const std::string& export_path, const std::string& public_key_path,
                             const VerifyPaths& paths = {});

// SHA-256 of a file, hex, streamed (exports can be large).
Result<std::string> sha256_file(const std::string& path, uint64_t* size = nullptr);

}  // namespace sov::signing
