// SPDX-License-Identifier: Apache-2.0
// The key file probe: permissions and ownership from stat(2), PEM structure and key type from
// OpenSSL. Key material stays inside OpenSSL: PEM bodies are wiped unread (OpenSSH's cipher name,
// a public header, excepted) and keys are loaded with a passphrase callback that refuses, so an
// encrypted key is never decrypted.
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <grp.h>
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <pwd.h>
#include <sys/stat.h>

#include "probes/keys/internal.h"
#include "probes/keys/keys_probe.h"
#include "probes/storage/storage_probe.h"

namespace sov::probes::keys {

using model::Json;
namespace fs = std::filesystem;

namespace {

// Files larger than this are not key files (and are not read).
constexpr std::uintmax_t kMaxKeyFileBytes = 1 << 20;
// A directory scan stops after this many files, and lists this many unreadable paths.
constexpr size_t kMaxScannedFiles = 20000;
constexpr size_t kMaxListedUnreadable = 100;

// The path probe's at-rest answer per device: a directory scan asks once per file system.
using VolumeCache = std::map<dev_t, probes::storage::AtRest>;

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};

// The passphrase callback: always refuses, so an encrypted key is detected, never decrypted.
int refuse_passphrase(char*, int, int, void*) { return -1; }

std::string user_name(uid_t uid) {
  struct passwd pw {};
  struct passwd* res = nullptr;
  std::vector<char> buf(16384);
  if (getpwuid_r(uid, &pw, buf.data(), buf.size(), &res) == 0 && res != nullptr) {
    return res->pw_name;
  }
  return std::to_string(uid);
}

std::string group_name(gid_t gid) {
  struct group gr {};
  struct group* res = nullptr;
  std::vector<char> buf(16384);
  if (getgrgid_r(gid, &gr, buf.data(), buf.size(), &res) == 0 && res != nullptr) {
    return res->gr_name;
  }
  return std::to_string(gid);
}

// What the PEM blocks of a file show, without their contents.
struct PemScan {
  bool private_key = false;
  std::string label;              // first private-key PEM label ("EC PRIVATE KEY", ...)
  std::optional<bool> encrypted;  // nullopt: cannot tell
};

bool is_openssh_encrypted(const unsigned char* data, long len, bool* known) {
  static const char kMagic[] = "openssh-key-v1";  // followed by NUL
  const long magic = sizeof kMagic;               // includes the NUL
  *known = false;
  if (len < magic + 4 || std::memcmp(data, kMagic, magic) != 0) return false;
  uint32_t n = (uint32_t{data[magic]} << 24) | (uint32_t{data[magic + 1]} << 16) |
               (uint32_t{data[magic + 2]} << 8) | uint32_t{data[magic + 3]};
  if (n > 64 || magic + 4 + static_cast<long>(n) > len) return false;
  *known = true;
  std::string cipher(reinterpret_cast<const char*>(data + magic + 4), n);
  return cipher != "none";
}

PemScan scan_pem(BIO* bio) {
  PemScan out;
  for (;;) {
    char* name = nullptr;
    char* header = nullptr;
    unsigned char* data = nullptr;
    long len = 0;
    if (PEM_read_bio(bio, &name, &header, &data, &len) != 1) break;
    std::string n = name != nullptr ? name : "";
    std::string h = header != nullptr ? header : "";
    if (!out.private_key && n.find("PRIVATE KEY") != std::string::npos) {
      out.private_key = true;
      out.label = n;
      if (n == "ENCRYPTED PRIVATE KEY" || h.find("ENCRYPTED") != std::string::npos) {
        out.encrypted = true;
      } else if (n == "OPENSSH PRIVATE KEY") {
        bool known = false;
        bool enc = is_openssh_encrypted(data, len, &known);
        if (known) out.encrypted = enc;
      } else {
        out.encrypted = false;
      }
    }
    OPENSSL_free(name);
    OPENSSL_free(header);
    OPENSSL_clear_free(data, static_cast<size_t>(len));
  }
  ERR_clear_error();
  return out;
}

// Whether the key's file system sits on an encrypted volume (dm-crypt/LUKS or fscrypt), as the
// path probe establishes it; null with its reason when it cannot tell.
void add_volume_facts(const std::string& path, const struct stat& st, VolumeCache* cache, Json* f,
                      Unknowns* unknown, const std::string& prefix) {
  auto it = cache->find(st.st_dev);
  if (it == cache->end())
    it = cache->emplace(st.st_dev, probes::storage::encryption_of(path)).first;
  const probes::storage::AtRest& at_rest = it->second;
  if (at_rest.encrypted) {
    (*f)["on_encrypted_volume"] = *at_rest.encrypted;
  } else {
    unknown->add(prefix + ".on_encrypted_volume", at_rest.reason);
  }
}

// Facts of one file. `error` is set when the file cannot be read at all.
Json file_facts(const std::string& path, const struct stat& st, Unknowns* unknown,
                const std::string& prefix, std::string* error) {
  Json f = Json::object();
  f["path"] = path;
  f["owner"] = user_name(st.st_uid);
  f["group"] = group_name(st.st_gid);
  char mode[8];
  std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
  f["mode"] = mode;
  f["group_readable"] = (st.st_mode & S_IRGRP) != 0;
  f["world_readable"] = (st.st_mode & S_IROTH) != 0;
  f["private_key"] = false;
  f["format"] = nullptr;
  f["encrypted"] = nullptr;
  f["type"] = nullptr;
  f["bits"] = nullptr;
  f["curve"] = nullptr;
  f["on_encrypted_volume"] = nullptr;  // set by add_volume_facts for private keys

  std::unique_ptr<BIO, BioFree> bio(BIO_new_file(path.c_str(), "r"));
  if (!bio) {
    ERR_clear_error();
    *error = "cannot read key file " + path + ": " + std::strerror(errno);
    return f;
  }
  PemScan pem = scan_pem(bio.get());
  if (!pem.private_key) return f;
  f["private_key"] = true;
  f["format"] = pem.label == "OPENSSH PRIVATE KEY" ? "openssh" : "pem";
  f["pem_label"] = pem.label;
  if (pem.encrypted) {
    f["encrypted"] = *pem.encrypted;
  } else {
    unknown->add(prefix + ".encrypted", "the OpenSSH key header could not be read");
  }
  if (pem.label == "OPENSSH PRIVATE KEY") {
    unknown->add(prefix + ".type", "OpenSSH private key format: type and size are not read");
    return f;
  }
  if (pem.encrypted.value_or(false)) {
    if (pem.label == "RSA PRIVATE KEY") f["type"] = "RSA";
    if (pem.label == "EC PRIVATE KEY") f["type"] = "EC";
    unknown->add(prefix + ".bits", "the key is encrypted and is never decrypted by the probe");
    return f;
  }
  if (BIO_reset(bio.get()) != 0) {
    bio.reset(BIO_new_file(path.c_str(), "r"));
    if (!bio) return f;
  }
  std::unique_ptr<EVP_PKEY, PkeyFree> pkey(
      PEM_read_bio_PrivateKey(bio.get(), nullptr, refuse_passphrase, nullptr));
  if (!pkey) {
    unsigned long e = ERR_peek_last_error();
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    ERR_clear_error();
    unknown->add(prefix + ".type", std::string("OpenSSL could not parse the key: ") + buf);
    return f;
  }
  const char* type = EVP_PKEY_get0_type_name(pkey.get());
  f["type"] = type != nullptr ? Json(type) : Json(nullptr);
  f["bits"] = EVP_PKEY_get_bits(pkey.get());
  char curve[80] = {0};
  size_t curve_len = 0;
  if (EVP_PKEY_get_utf8_string_param(pkey.get(), OSSL_PKEY_PARAM_GROUP_NAME, curve, sizeof curve,
                                     &curve_len) == 1) {
    f["curve"] = std::string(curve, curve_len);
  }
  ERR_clear_error();
  return f;
}

struct FileRun {
  std::string target_id;
  std::string path;
  std::optional<TimePoint> when;
};

ProbeResult inspect_files(const FileRun& run) {
  ProbeResult out;
  auto fail = [&](const std::string& why) {
    out.ok = false;
    out.error = run.target_id + " (" + run.path + "): " + why;
    return out;
  };
  // The target itself is followed if it is a symbolic link (Let's Encrypt's live/privkey.pem);
  // entries met during a directory scan are not (no loops, no escaping the tree).
  struct stat st {};
  if (::stat(run.path.c_str(), &st) != 0) {
    return fail(std::string("cannot stat: ") + std::strerror(errno));
  }
  Json key = Json::object();
  Unknowns unknown;
  VolumeCache volumes;
  Json files = Json::array();
  if (S_ISREG(st.st_mode)) {
    if (static_cast<std::uintmax_t>(st.st_size) > kMaxKeyFileBytes) {
      return fail("larger than a key file can be");
    }
    std::string error;
    Json f = file_facts(run.path, st, &unknown, "key.file", &error);
    if (!error.empty()) return fail(error);
    if (!f["private_key"].get<bool>()) return fail("holds no private key in PEM or OpenSSH form");
    add_volume_facts(run.path, st, &volumes, &f, &unknown, "key.file");
    key["type"] = f["type"];
    key["bits"] = f["bits"];
    key["curve"] = f["curve"];
    key["file"] = f;
    files.push_back(std::move(f));
  } else if (S_ISDIR(st.st_mode)) {
    size_t scanned = 0;
    Json unreadable = Json::array();
    size_t unreadable_count = 0;
    std::error_code ec;
    fs::recursive_directory_iterator it(run.path, fs::directory_options::skip_permission_denied,
                                        ec);
    if (ec) return fail("cannot list the directory: " + ec.message());
    for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (ec) break;
      if (++scanned > kMaxScannedFiles) {
        unknown.add("key.scan.complete",
                    "stopped after " + std::to_string(kMaxScannedFiles) + " entries");
        break;
      }
      struct stat fst {};
      std::string p = it->path().string();
      if (::lstat(p.c_str(), &fst) != 0 || !S_ISREG(fst.st_mode)) continue;
      if (static_cast<std::uintmax_t>(fst.st_size) > kMaxKeyFileBytes) continue;
      std::string error;
      Unknowns file_unknown;
      Json f = file_facts(p, fst, &file_unknown, "key.files[" + std::to_string(files.size()) + "]",
                          &error);
      if (!error.empty()) {
        ++unreadable_count;
        if (unreadable.size() < kMaxListedUnreadable) unreadable.push_back(p);
        continue;
      }
      if (!f["private_key"].get<bool>()) continue;
      add_volume_facts(p, fst, &volumes, &f, &file_unknown,
                       "key.files[" + std::to_string(files.size()) + "]");
      for (const auto& u : file_unknown.json()) unknown.add(u["path"], u["reason"]);
      files.push_back(std::move(f));
    }
    key["scan"] = {{"path", run.path},
                   {"entries", scanned},
                   {"private_keys", files.size()},
                   {"unreadable", unreadable_count},
                   {"unreadable_paths", unreadable}};
    key["file"] = nullptr;
    key["type"] = nullptr;
    key["bits"] = nullptr;
    key["curve"] = nullptr;
  } else {
    return fail("neither a regular file nor a directory");
  }
  key["files"] = std::move(files);
  key["unknown"] = unknown.json();
  (void)out.facts.set("key", std::move(key), observed_source(run.when, "key_file " + run.path));
  out.ok = true;
  return out;
}

}  // namespace

std::vector<model::FactSchemaEntry> KeyFileProbe::fact_schema() const {
  return key_file_fact_schema();
}

void KeyFileProbe::run(const model::Target& target, const ProbeContext& ctx, ProbeDone done) {
  FileRun r{target.id, target.spec.value("path", std::string()), now_of(ctx)};
  if (r.path.empty()) {
    ProbeResult bad;
    bad.ok = false;
    bad.error = target.id + ": spec: `path` is required for kind key_file";
    done(std::move(bad));
    return;
  }
  std::string what = "key file " + r.path;
  run_keys_off_loop(
      target.id, what, ctx, [r = std::move(r)] { return inspect_files(r); }, std::move(done));
}

}  // namespace sov::probes::keys
