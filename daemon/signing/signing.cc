// SPDX-License-Identifier: Apache-2.0
#include "daemon/signing/signing.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>

#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

namespace sov::signing {

namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

using PkeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using BioPtr = std::unique_ptr<BIO, decltype(&BIO_free)>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;

// OpenSSL keeps a per-thread error queue: drain it into the message, so the next operation
// starts clean and the operator sees why.
Error openssl_error(ErrorCode code, const std::string& what) {
  std::string detail;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!detail.empty()) detail += "; ";
    detail += buf;
  }
  return Error(code, detail.empty() ? what : what + " (" + detail + ")");
}

std::string hex(const unsigned char* p, size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * n);
  for (size_t i = 0; i < n; ++i) {
    out += kHex[p[i] >> 4];
    out += kHex[p[i] & 0xf];
  }
  return out;
}

Result<std::string> read_all(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return fail(ErrorCode::kIo, "cannot read " + what + " " + path + ": " + std::strerror(errno));
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return fail(ErrorCode::kIo, "cannot read " + what + " " + path);
  return data;
}

// Written beside the target then renamed, so a reader never sees half a manifest.
Result<bool> write_atomically(const std::string& path, std::string_view data, mode_t mode) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return fail(ErrorCode::kIo, "cannot write " + path + ": " + std::strerror(errno));
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      std::string why = std::strerror(errno);
      ::close(fd);
      ::unlink(tmp.c_str());
      return fail(ErrorCode::kIo, "cannot write " + path + ": " + why);
    }
    off += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(tmp.c_str());
    return fail(ErrorCode::kIo, "cannot write " + path + ": " + std::strerror(errno));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return fail(ErrorCode::kIo, "cannot write " + path + ": " + std::strerror(errno));
  }
  return true;
}

// Loads a PEM key: private first, then public. The PEM text stays in a BIO that is freed (and
// the buffer cleared) here; a passphrase prompt is refused (null callback returning 0).
Result<PkeyPtr> load_key(const std::string& path, bool need_private) {
  auto pem = read_all(path, "key");
  if (!pem) return pem.error();
  ERR_clear_error();
  PkeyPtr key(nullptr, EVP_PKEY_free);
  {
    BioPtr bio(BIO_new_mem_buf(pem->data(), static_cast<int>(pem->size())), BIO_free);
    if (!bio) return openssl_error(ErrorCode::kInternal, "cannot read key " + path);
    auto no_passphrase = [](char*, int, int, void*) { return 0; };
    key.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr));
    if (!key && !need_private) {
      ERR_clear_error();
      BioPtr again(BIO_new_mem_buf(pem->data(), static_cast<int>(pem->size())), BIO_free);
      if (again) key.reset(PEM_read_bio_PUBKEY(again.get(), nullptr, no_passphrase, nullptr));
    }
  }
  OPENSSL_cleanse(pem->data(), pem->size());
  // Never the OpenSSL queue here: it can quote PEM lines. The path and the expectation suffice.
  ERR_clear_error();
  if (!key) {
    return fail(ErrorCode::kInvalidInput, path + ": not " +
                                              (need_private ? "an unencrypted PEM private key"
                                                            : "a PEM public or private key"));
  }
  if (EVP_PKEY_get_id(key.get()) != EVP_PKEY_ED25519) {
    return fail(ErrorCode::kInvalidInput, path + ": not an Ed25519 key (only Ed25519 is used)");
  }
  return key;
}

Result<std::string> fingerprint_of(EVP_PKEY* key) {
  unsigned char raw[64];
  size_t len = sizeof raw;
  if (EVP_PKEY_get_raw_public_key(key, raw, &len) != 1) {
    return openssl_error(ErrorCode::kInternal, "cannot read the public key");
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  if (EVP_Digest(raw, len, md, &md_len, EVP_sha256(), nullptr) != 1) {
    return openssl_error(ErrorCode::kInternal, "SHA-256 failed");
  }
  return "sha256:" + hex(md, md_len);
}

std::string base64(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

// Strict: only the 64-byte signature, base64, optional trailing newline.
std::optional<std::string> unbase64_signature(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  if (text.size() != 88) return std::nullopt;  // 64 bytes -> 88 characters with padding
  std::string out(66, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
  if (n != 66) return std::nullopt;  // EVP_DecodeBlock counts the padding as zero bytes
  out.resize(64);
  return out;
}

Result<std::string> sign_bytes(EVP_PKEY* key, std::string_view data) {
  ERR_clear_error();
  MdCtxPtr ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key) != 1) {
    return openssl_error(ErrorCode::kInternal, "cannot start signing");
  }
  std::string sig(64, '\0');
  size_t len = sig.size();
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1) {
    return openssl_error(ErrorCode::kInternal, "signing failed");
  }
  sig.resize(len);
  return sig;
}

Result<bool> verify_bytes(EVP_PKEY* key, std::string_view data, std::string_view sig) {
  ERR_clear_error();
  MdCtxPtr ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key) != 1) {
    return openssl_error(ErrorCode::kInternal, "cannot start verification");
  }
  int rc =
      EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                       reinterpret_cast<const unsigned char*>(data.data()), data.size());
  ERR_clear_error();  // a mismatch leaves an entry; the caller's message says it better
  return rc == 1;
}

const Json* member(const Json& j, const char* key, Json::value_t type) {
  auto it = j.find(key);
  if (it == j.end()) return nullptr;
  if (it->type() != type && !(type == Json::value_t::number_unsigned && it->is_number_unsigned())) {
    return nullptr;
  }
  return &*it;
}

}  // namespace

// ---------------------------------------------------------------------------------------------

std::string Manifest::to_json() const {
  Json sets = Json::array();
  for (const auto& r : rulesets) {
    sets.push_back({{"id", r.id}, {"version", r.version}, {"sha256", r.sha256}});
  }
  Json j = {{"format", format},
            {"file", file},
            {"export_sha256", export_sha256},
            {"export_size", export_size},
            {"sovereignd_version", sovereignd_version},
            {"rulesets", std::move(sets)},
            {"created", format_rfc3339(created)},
            {"key_fingerprint", key_fingerprint}};
  j["chain_head"] = chain_head ? Json(*chain_head) : Json(nullptr);
  return j.dump(2) + "\n";
}

Result<Manifest> Manifest::parse(std::string_view json, const std::string& name) {
  Json j = Json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return fail(ErrorCode::kInvalidInput, name + ": not a JSON object");
  }
  auto bad = [&](const char* key, const char* type) {
    return fail(ErrorCode::kInvalidInput, name + ": '" + key + "' is missing or not " + type);
  };
  using T = Json::value_t;
  Manifest m;
  const Json* v = member(j, "format", T::string);
  if (v == nullptr) return bad("format", "a string");
  m.format = v->get<std::string>();
  if (m.format != kManifestFormat) {
    return fail(ErrorCode::kInvalidInput,
                name + ": format '" + m.format + "' is not '" + kManifestFormat + "'");
  }
  struct StringField {
    const char* key;
    std::string* out;
  };
  for (auto [key, out] : {StringField{"file", &m.file},
                          {"export_sha256", &m.export_sha256},
                          {"sovereignd_version", &m.sovereignd_version},
                          {"key_fingerprint", &m.key_fingerprint}}) {
    v = member(j, key, T::string);
    if (v == nullptr) return bad(key, "a string");
    *out = v->get<std::string>();
  }
  v = member(j, "export_size", T::number_unsigned);
  if (v == nullptr) return bad("export_size", "a non-negative integer");
  m.export_size = v->get<uint64_t>();
  v = member(j, "created", T::string);
  auto created = v != nullptr ? parse_time(v->get<std::string>()) : std::nullopt;
  if (!created) return bad("created", "an RFC 3339 time");
  m.created = *created;
  auto head = j.find("chain_head");
  if (head != j.end() && head->is_string()) {
    m.chain_head = head->get<std::string>();
  } else if (head != j.end() && !head->is_null()) {
    return bad("chain_head", "a string or null");
  }
  v = member(j, "rulesets", T::array);
  if (v == nullptr) return bad("rulesets", "a list");
  for (const auto& r : *v) {
    if (!r.is_object() || !r.contains("id") || !r["id"].is_string() || !r.contains("version") ||
        !r["version"].is_string() || !r.contains("sha256") || !r["sha256"].is_string()) {
      return bad("rulesets", "a list of {id, version, sha256} strings");
    }
    m.rulesets.push_back({r["id"].get<std::string>(), r["version"].get<std::string>(),
                          r["sha256"].get<std::string>()});
  }
  return m;
}

Result<std::string> sha256_file(const std::string& path, uint64_t* size) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorCode::kIo, "cannot read " + path + ": " + std::strerror(errno));
  ERR_clear_error();
  MdCtxPtr ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) {
    return openssl_error(ErrorCode::kInternal, "SHA-256 failed");
  }
  std::vector<char> buf(1 << 16);
  uint64_t total = 0;
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    auto n = static_cast<size_t>(in.gcount());
    if (n == 0) break;
    total += n;
    if (EVP_DigestUpdate(ctx.get(), buf.data(), n) != 1) {
      return openssl_error(ErrorCode::kInternal, "SHA-256 failed");
    }
  }
  if (in.bad()) return fail(ErrorCode::kIo, "cannot read " + path);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx.get(), md, &len) != 1) {
    return openssl_error(ErrorCode::kInternal, "SHA-256 failed");
  }
  if (size != nullptr) *size = total;
  return hex(md, len);
}

Result<KeyPairPaths> generate_key_pair(const std::string& private_path) {
  std::error_code ec;
  if (fs::exists(private_path, ec)) {
    return fail(ErrorCode::kInvalidInput,
                private_path + " exists: refusing to overwrite a key (remove it first)");
  }
  ERR_clear_error();
  PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"), EVP_PKEY_free);
  if (!key) return openssl_error(ErrorCode::kInternal, "cannot generate an Ed25519 key");
  auto pem_of = [&](bool priv) -> Result<std::string> {
    BioPtr bio(BIO_new(BIO_s_mem()), BIO_free);
    int ok = bio ? (priv ? PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0,
                                                    nullptr, nullptr)
                         : PEM_write_bio_PUBKEY(bio.get(), key.get()))
                 : 0;
    if (ok != 1) return openssl_error(ErrorCode::kInternal, "cannot encode the key");
    char* data = nullptr;
    long n = BIO_get_mem_data(bio.get(), &data);
    std::string out(data, static_cast<size_t>(n));
    OPENSSL_cleanse(data, static_cast<size_t>(n));
    return out;
  };
  auto priv = pem_of(true);
  if (!priv) return priv.error();
  auto written = write_atomically(private_path, *priv, 0600);
  OPENSSL_cleanse(priv->data(), priv->size());
  if (!written) return written.error();
  auto pub = pem_of(false);
  if (!pub) return pub.error();
  KeyPairPaths out{private_path, private_path + ".pub", {}};
  if (auto w = write_atomically(out.public_key, *pub, 0644); !w) return w.error();
  auto fp = fingerprint_of(key.get());
  if (!fp) return fp.error();
  out.fingerprint = *fp;
  return out;
}

Result<std::string> key_fingerprint(const std::string& pem_path) {
  auto key = load_key(pem_path, false);
  if (!key) return key.error();
  return fingerprint_of(key->get());
}

Result<SignedFiles> sign_file(const std::string& export_path, const std::string& private_key_path,
                              const ManifestInput& input) {
  auto key = load_key(private_key_path, true);
  if (!key) return key.error();
  SignedFiles out;
  Manifest& m = out.manifest;
  auto fp = fingerprint_of(key->get());
  if (!fp) return fp.error();
  m.key_fingerprint = *fp;
  auto digest = sha256_file(export_path, &m.export_size);
  if (!digest) return digest.error();
  m.export_sha256 = *digest;
  m.file = fs::path(export_path).filename().string();
  m.sovereignd_version = input.sovereignd_version;
  m.rulesets = input.rulesets;
  m.chain_head = input.chain_head;
  m.created = input.created;
  std::string text = m.to_json();
  auto sig = sign_bytes(key->get(), text);
  if (!sig) return sig.error();
  out.manifest_path = export_path + kManifestSuffix;
  out.signature_path = export_path + kSignatureSuffix;
  if (auto w = write_atomically(out.manifest_path, text, 0644); !w) return w.error();
  if (auto w = write_atomically(out.signature_path, base64(*sig) + "\n", 0644); !w) {
    return w.error();
  }
  return out;
}

Result<Manifest> verify_file(const std::string& export_path, const std::string& public_key_path,
                             const VerifyPaths& paths) {
  std::string manifest_path =
      paths.manifest_path.empty() ? export_path + kManifestSuffix : paths.manifest_path;
  std::string signature_path =
      paths.signature_path.empty() ? export_path + kSignatureSuffix : paths.signature_path;
  auto key = load_key(public_key_path, false);
  if (!key) return key.error();
  auto fp = fingerprint_of(key->get());
  if (!fp) return fp.error();
  auto text = read_all(manifest_path, "manifest");
  if (!text) return text.error();
  auto sig_text = read_all(signature_path, "signature");
  if (!sig_text) return sig_text.error();
  auto sig = unbase64_signature(*sig_text);
  if (!sig) {
    return fail(ErrorCode::kCorrupt,
                signature_path + ": not an Ed25519 signature (expected 88 base64 characters)");
  }
  auto ok = verify_bytes(key->get(), *text, *sig);
  if (!ok) return ok.error();
  if (!*ok) {
    // The manifest is not trusted yet; its fingerprint only helps to tell "wrong key" apart.
    auto claimed = Manifest::parse(*text, manifest_path);
    if (claimed && claimed->key_fingerprint != *fp) {
      return fail(ErrorCode::kCorrupt, "signature " + signature_path +
                                           " does not verify: the manifest names key " +
                                           claimed->key_fingerprint + ", the key given is " + *fp +
                                           " (wrong key, or the manifest was changed)");
    }
    return fail(ErrorCode::kCorrupt, "signature " + signature_path + " does not match manifest " +
                                         manifest_path + " for key " + *fp +
                                         ": the manifest or the signature was changed");
  }
  auto m = Manifest::parse(*text, manifest_path);
  if (!m) return m.error();
  uint64_t size = 0;
  auto digest = sha256_file(export_path, &size);
  if (!digest) return digest.error();
  if (*digest != m->export_sha256 || size != m->export_size) {
    return fail(ErrorCode::kCorrupt,
                "export " + export_path + " does not match its signed manifest: sha256 " + *digest +
                    " (" + std::to_string(size) + " bytes), the manifest says " + m->export_sha256 +
                    " (" + std::to_string(m->export_size) + " bytes)");
  }
  return m;
}

}  // namespace sov::signing
