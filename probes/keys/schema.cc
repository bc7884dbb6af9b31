// SPDX-License-Identifier: Apache-2.0
// The key probes' fact schemas: every path each produces, its type and meaning. The rule
// validator checks rule paths against these lists.
#include <string>
#include <vector>

#include "probes/keys/keys_probe.h"

namespace sov::probes::keys {

using model::FactSchemaEntry;
using model::FactType;

namespace {

constexpr FactType s = FactType::kString;
constexpr FactType b = FactType::kBool;
constexpr FactType i = FactType::kInteger;
constexpr FactType a = FactType::kAny;

// Paths more than one key probe produces. The engine merges every probe's schema into one map
// (the last entry for a path wins), so these entries are identical in the three lists and their
// producer is "keys".
void add_shared(std::vector<FactSchemaEntry>* out) {
  const char* p = "keys";
  out->push_back({"key", FactType::kObject, a, "key custody facts (pkcs11, key_file, kms)", p});
  out->push_back({"key.custody", s, a,
                  "who holds the key: hsm (pkcs11: a hardware slot, not a known software token), "
                  "software_token (pkcs11: SoftHSM by manufacturer or model, or a slot without "
                  "CKF_HW_SLOT), kms (kms: an external key management service); absent for "
                  "key_file",
                  p});
  out->push_back({"key.custody_reason", s, a, "which observation decided key.custody", p});
  out->push_back({"key.type", s, a,
                  "type of the single key inspected: the token key selected (pkcs11: RSA, EC, "
                  "DSA, DH, EdDSA, AES, DES3, GENERIC_SECRET, vendor) or the key file (key_file: "
                  "OpenSSL's name, RSA, EC, ED25519); null when several keys match, for a "
                  "directory, or for an encrypted key file",
                  p});
  out->push_back({"key.bits", i, a,
                  "size in bits of the single key inspected (RSA modulus, EC group order, secret "
                  "key length); null as key.type",
                  p});
  out->push_back({"key.curve", s, a,
                  "EC curve of the single key inspected as OpenSSL names it (prime256v1, "
                  "secp384r1); null if not EC",
                  p});
  out->push_back(
      {"key.unknown", FactType::kList, FactType::kObject, "facts left null, with the reason", p});
  out->push_back({"key.unknown[*].path", s, a, "the fact path", p});
  out->push_back({"key.unknown[*].reason", s, a, "why it is null", p});
}

// The attributes of one PKCS#11 key under `prefix` (key or key.keys[*]).
void add_pkcs11_key(std::vector<FactSchemaEntry>* out, const std::string& prefix,
                    const std::string& which) {
  const char* p = "pkcs11";
  auto add = [&](const std::string& k, FactType t, const std::string& what) {
    out->push_back({prefix + "." + k, t, a, what + " (" + which + ")", p});
  };
  add("label", s, "CKA_LABEL");
  add("id", s, "CKA_ID, lower-case hexadecimal");
  add("class", s, "private (CKO_PRIVATE_KEY) or secret (CKO_SECRET_KEY)");
  if (prefix != "key") {  // key.type|bits|curve are shared with key_file (add_shared)
    add("type", s, "key type: RSA, EC, DSA, DH, EdDSA, AES, DES3, GENERIC_SECRET, vendor");
    add("bits", i, "size in bits: RSA modulus, EC group order, secret key length");
    add("curve", s, "EC curve as OpenSSL names it (prime256v1, secp384r1); null if not EC");
  }
  add("extractable", b, "CKA_EXTRACTABLE: the key can be wrapped out of the token");
  add("sensitive", b, "CKA_SENSITIVE: the key value can never be read in clear");
  add("never_extractable", b, "CKA_NEVER_EXTRACTABLE: the key was never extractable");
  add("always_sensitive", b, "CKA_ALWAYS_SENSITIVE: the key was always sensitive");
  add("local", b, "CKA_LOCAL: generated on the token (false: imported)");
  add("modifiable", b, "CKA_MODIFIABLE: attributes can still be changed");
}

void add_file(std::vector<FactSchemaEntry>* out, const std::string& prefix,
              const std::string& which) {
  const char* p = "key_file";
  auto add = [&](const std::string& k, FactType t, const std::string& what) {
    out->push_back({prefix + "." + k, t, a, what + " (" + which + ")", p});
  };
  add("path", s, "absolute path of the file");
  add("owner", s, "owning user name (uid when unnamed)");
  add("group", s, "owning group name (gid when unnamed)");
  add("mode", s, "permission bits, four octal digits (0600)");
  add("group_readable", b, "the group may read the file");
  add("world_readable", b, "anyone may read the file");
  add("private_key", b, "the file holds a private key (PEM or OpenSSH)");
  add("format", s, "pem or openssh; null when no private key");
  add("pem_label", s, "PEM label of the key block (PRIVATE KEY, ENCRYPTED PRIVATE KEY, ...)");
  add("encrypted", b, "the private key is encrypted with a passphrase (never decrypted)");
  add("type", s, "key type as OpenSSL names it (RSA, EC, ED25519); null when encrypted");
  add("bits", i, "key size in bits (RSA modulus, EC group order); null when encrypted");
  add("curve", s, "EC curve (prime256v1, secp384r1); null if not EC or encrypted");
  add("on_encrypted_volume", b,
      "the file sits on an encrypted volume (dm-crypt/LUKS or fscrypt, as the path probe finds "
      "it); null when that cannot be established (key.unknown says why)");
}

}  // namespace

std::vector<FactSchemaEntry> pkcs11_fact_schema() {
  const char* p = "pkcs11";
  std::vector<FactSchemaEntry> out = {
      {"key.token.label", s, a, "token label", p},
      {"key.token.manufacturer", s, a, "token manufacturerID", p},
      {"key.token.model", s, a, "token model", p},
      {"key.token.serial", s, a, "token serial number", p},
      {"key.token.hardware", b, a, "the slot sets CKF_HW_SLOT", p},
      {"key.token.slot_description", s, a, "slot description", p},
      {"key.count", i, a, "number of private and secret keys matching (all when no key label)", p},
      {"key.keys", FactType::kList, FactType::kObject, "every matching key, with the fields below",
       p},
  };
  add_pkcs11_key(&out, "key", "the single key selected; null when several match");
  add_pkcs11_key(&out, "key.keys[*]", "each matching key");
  add_shared(&out);
  return out;
}

std::vector<FactSchemaEntry> key_file_fact_schema() {
  const char* p = "key_file";
  std::vector<FactSchemaEntry> out = {
      {"key.file", FactType::kObject, a, "the key file (file targets); null for a directory", p},
      {"key.files", FactType::kList, FactType::kObject,
       "every private key file: the file itself, or each one found by a directory scan", p},
      {"key.scan.path", s, a, "directory scanned (directory targets)", p},
      {"key.scan.entries", i, a, "directory entries visited", p},
      {"key.scan.private_keys", i, a, "private key files found", p},
      {"key.scan.unreadable", i, a, "files the probe could not read", p},
      {"key.scan.unreadable_paths", FactType::kList, s, "the first 100 unreadable files", p},
  };
  add_file(&out, "key.file", "the file target");
  add_file(&out, "key.files[*]", "each private key file");
  add_shared(&out);
  return out;
}

std::vector<FactSchemaEntry> kms_fact_schema() {
  const char* p = "kms";
  std::vector<FactSchemaEntry> out = {
      {"key.kms.endpoint", s, a, "KMS endpoint URL (declared)", p},
      {"key.kms.host", s, a, "host of the endpoint", p},
      {"key.kms.port", i, a, "port of the endpoint", p},
      {"key.kms.holder", s, a, "declared holder of the key material: customer or provider", p},
      {"key.kms.origin", s, a,
       "declared origin: hyok (held by the customer), byok (brought by the customer), provider", p},
      {"key.kms.rotation_days", FactType::kNumber, a, "declared rotation period in days", p},
      {"key.kms.jurisdiction", s, a,
       "country (ISO 3166-1 alpha-2) whose law the endpoint's operator is subject to; null until "
       "the jurisdiction probe exists",
       p},
  };
  add_shared(&out);
  return out;
}

}  // namespace sov::probes::keys
