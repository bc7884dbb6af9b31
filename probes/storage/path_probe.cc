// SPDX-License-Identifier: Apache-2.0
// The path probe: mountinfo, the block device chain, fscrypt and stat(2) for one local path, on
// a worker thread so that a hung network file system cannot stall the event loop.
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <fcntl.h>
#include <grp.h>
#include <linux/fscrypt.h>
#include <pwd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "probes/api/off_loop.h"
#include "probes/storage/internal.h"
#include "probes/storage/storage_probe.h"

namespace sov::probes::storage {

using model::Json;
namespace fs = std::filesystem;

namespace {

constexpr size_t kMaxMountinfoBytes = 8 << 20;

std::string user_name(uid_t uid) {
  struct passwd pw {};
  struct passwd* res = nullptr;
  std::vector<char> buf(16384);
  if (getpwuid_r(uid, &pw, buf.data(), buf.size(), &res) == 0 && res != nullptr)
    return res->pw_name;
  return "";
}

std::string group_name(gid_t gid) {
  struct group gr {};
  struct group* res = nullptr;
  std::vector<char> buf(16384);
  if (getgrgid_r(gid, &gr, buf.data(), buf.size(), &res) == 0 && res != nullptr)
    return res->gr_name;
  return "";
}

std::string octal_mode(mode_t m) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(m & 07777));
  return buf;
}

std::string file_type(mode_t m) {
  if (S_ISDIR(m)) return "directory";
  if (S_ISREG(m)) return "file";
  if (S_ISLNK(m)) return "symlink";
  if (S_ISBLK(m)) return "block_device";
  if (S_ISCHR(m)) return "char_device";
  if (S_ISSOCK(m)) return "socket";
  if (S_ISFIFO(m)) return "fifo";
  return "other";
}

Json or_null(const std::string& s) { return s.empty() ? Json(nullptr) : Json(s); }

std::string fscrypt_mode_name(int m) {
  switch (m) {
    case FSCRYPT_MODE_AES_256_XTS:
      return "AES-256-XTS";
    case FSCRYPT_MODE_AES_256_CTS:
      return "AES-256-CTS";
    case FSCRYPT_MODE_AES_128_CBC:
      return "AES-128-CBC";
    case FSCRYPT_MODE_AES_128_CTS:
      return "AES-128-CTS";
    case FSCRYPT_MODE_ADIANTUM:
      return "Adiantum";
    case FSCRYPT_MODE_AES_256_HCTR2:
      return "AES-256-HCTR2";
    default:
      return "mode " + std::to_string(m);
  }
}

// fscrypt on the path itself: a policy (encrypted), ENODATA (the file system supports fscrypt,
// this path has no policy), ENOTTY/EOPNOTSUPP (the file system has no fscrypt). Other errors
// leave it unknown.
void probe_fscrypt(const std::string& path, Json* enc, Unknowns* unknown) {
  Json& f = (*enc)["fscrypt"];
  f = {{"enabled", nullptr},
       {"policy_version", nullptr},
       {"contents_mode", nullptr},
       {"filenames_mode", nullptr}};
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    unknown->add("path.encryption.fscrypt.enabled",
                 std::string("cannot open the path for FS_IOC_GET_ENCRYPTION_POLICY_EX: ") +
                     std::strerror(errno));
    return;
  }
  fscrypt_get_policy_ex_arg arg{};
  arg.policy_size = sizeof(arg.policy);
  int rc = ::ioctl(fd, FS_IOC_GET_ENCRYPTION_POLICY_EX, &arg);
  int e = errno;
  ::close(fd);
  if (rc == 0) {
    f["enabled"] = true;
    f["policy_version"] = arg.policy.version == FSCRYPT_POLICY_V2 ? 2 : 1;
    int contents = arg.policy.version == FSCRYPT_POLICY_V2 ? arg.policy.v2.contents_encryption_mode
                                                           : arg.policy.v1.contents_encryption_mode;
    int names = arg.policy.version == FSCRYPT_POLICY_V2 ? arg.policy.v2.filenames_encryption_mode
                                                        : arg.policy.v1.filenames_encryption_mode;
    f["contents_mode"] = fscrypt_mode_name(contents);
    f["filenames_mode"] = fscrypt_mode_name(names);
    return;
  }
  if (e == ENODATA || e == ENOTTY || e == EOPNOTSUPP || e == ENOTSUP) {
    f["enabled"] = false;
    f["reason"] = e == ENODATA ? "the file system supports fscrypt; this path has no policy"
                               : "the file system does not support fscrypt";
    return;
  }
  unknown->add("path.encryption.fscrypt.enabled",
               std::string("FS_IOC_GET_ENCRYPTION_POLICY_EX failed: ") + std::strerror(e));
}

Json luks_json(const ChainReport& c) {
  Json l = {{"version", nullptr},
            {"cipher", nullptr},
            {"key_bits", nullptr},
            {"pbkdf", nullptr},
            {"header_device", or_null(c.header_device)}};
  if (c.crypt_kind == "LUKS1") l["version"] = 1;
  if (c.crypt_kind == "LUKS2") l["version"] = 2;
  if (c.luks) {
    l["version"] = c.luks->version;
    l["cipher"] = or_null(c.luks->cipher);
    l["key_bits"] = c.luks->key_bits ? Json(*c.luks->key_bits) : Json(nullptr);
    l["pbkdf"] = or_null(c.luks->pbkdf);
  }
  return l;
}

// path.encryption.*: the block chain (local block devices), or why it cannot be seen.
Json encryption_facts(const std::string& sysroot, const Mount& m, const std::string& protocol,
                      const std::string& resolved, Unknowns* unknown) {
  Json enc = {{"at_rest", nullptr}, {"method", nullptr}, {"dm_crypt", nullptr},
              {"dm_name", nullptr}, {"luks", nullptr},   {"chain", Json::array()}};
  std::optional<bool> block;
  std::string block_reason;
  if (!protocol.empty()) {
    block_reason = "network file system (" + m.fs_type +
                   "): encryption at rest happens on the server and is not visible here";
  } else if (m.device.rfind("0:", 0) == 0) {
    block_reason = m.fs_type == "tmpfs" || m.fs_type == "ramfs"
                       ? "memory file system (" + m.fs_type + "): nothing at rest except in swap"
                       : "file system " + m.fs_type + " on an anonymous device " + m.device +
                             ": the devices below it are not followed";
  } else {
    ChainReport c = walk_block_chain(sysroot, m.device);
    block = c.encrypted;
    block_reason = c.reason;
    for (const auto& n : c.nodes) {
      enc["chain"].push_back({{"name", n.name},
                              {"device", or_null(n.device)},
                              {"type", n.type},
                              {"dm_name", or_null(n.dm_name)},
                              {"dm_uuid_prefix", or_null(n.dm_uuid_prefix)}});
    }
    if (!c.crypt_name.empty()) {
      enc["dm_crypt"] = c.crypt_kind;
      enc["dm_name"] = c.crypt_name;
      enc["luks"] = luks_json(c);
      if (!c.luks && !c.luks_reason.empty())
        unknown->add("path.encryption.luks.cipher", c.luks_reason);
    }
  }
  probe_fscrypt(resolved, &enc, unknown);
  const Json& fscrypt = enc["fscrypt"]["enabled"];
  if (fscrypt == true) {
    enc["at_rest"] = true;
    enc["method"] = "fscrypt";
  } else if (block == true) {
    enc["at_rest"] = true;
    enc["method"] = "dm-crypt";
  } else if (block == false && fscrypt == false) {
    enc["at_rest"] = false;
  }
  enc["reason"] = enc["method"] == "fscrypt" ? "an fscrypt policy covers the path" : block_reason;
  if (enc["at_rest"].is_null()) unknown->add("path.encryption.at_rest", block_reason);
  return enc;
}

Json network_facts(const Mount& m, const std::string& protocol, Unknowns* unknown) {
  Json n = {{"filesystem", !protocol.empty()},
            {"protocol", or_null(protocol)},
            {"server", nullptr},
            {"servers", Json::array()}};
  if (protocol.empty()) return n;
  auto servers = network_servers(protocol, m.source);
  for (const auto& s : servers) n["servers"].push_back(s);
  if (!servers.empty()) {
    n["server"] = servers.front();
  } else {
    unknown->add("path.network.server",
                 "the mount source '" + m.source + "' names no server host (" + m.fs_type + ")");
  }
  return n;
}

Json mount_facts(const Mount& m) {
  bool ro = std::find(m.options.begin(), m.options.end(), "ro") != m.options.end();
  return {{"point", m.point},     {"root", m.root},
          {"fs_type", m.fs_type}, {"source", m.source},
          {"device", m.device},   {"options", m.options},
          {"read_only", ro},      {"super_options", m.super_options}};
}

Result<std::vector<Mount>> read_mounts(const std::string& sysroot) {
  std::string file = under_root(sysroot, "/proc/self/mountinfo");
  std::ifstream in(file);
  if (!in) return fail(ErrorCode::kIo, "cannot read " + file + ": " + std::strerror(errno));
  std::string text;
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<size_t>(in.gcount()));
    if (text.size() > kMaxMountinfoBytes) {
      return fail(ErrorCode::kInvalidInput, file + ": larger than 8 MiB");
    }
  }
  return parse_mountinfo(text, file);
}

}  // namespace

// The whole inspection, blocking; errors name the path.
Result<Json> inspect_path(const std::string& path, const std::string& sysroot) {
  if (path.empty() || path.front() != '/') {
    return fail(ErrorCode::kInvalidInput, "`path` must be an absolute path, not '" + path + "'");
  }
  std::error_code ec;
  fs::path resolved = fs::canonical(path, ec);
  if (ec) return fail(ErrorCode::kNotFound, path + ": " + ec.message());
  struct stat st {};
  if (::stat(resolved.c_str(), &st) != 0) {
    return fail(ErrorCode::kIo, path + ": stat: " + std::strerror(errno));
  }
  auto mounts = read_mounts(sysroot);
  if (!mounts) return mounts.error();
  const Mount* m = find_mount(*mounts, resolved.string());
  if (m == nullptr) {
    return fail(
        ErrorCode::kNotFound,
        path + ": no mount in " + under_root(sysroot, "/proc/self/mountinfo") + " holds it");
  }
  Unknowns unknown;
  std::string protocol = network_protocol(m->fs_type);
  Json p;
  p["path"] = path;
  p["resolved"] = resolved.string();
  p["type"] = file_type(st.st_mode);
  p["mount"] = mount_facts(*m);
  p["network"] = network_facts(*m, protocol, &unknown);
  p["encryption"] = encryption_facts(sysroot, *m, protocol, resolved.string(), &unknown);
  std::string owner = user_name(st.st_uid);
  std::string group = group_name(st.st_gid);
  p["owner"] = {{"uid", st.st_uid}, {"name", or_null(owner)}};
  p["group"] = {{"gid", st.st_gid}, {"name", or_null(group)}};
  p["mode"] = octal_mode(st.st_mode);
  p["world_readable"] = (st.st_mode & S_IROTH) != 0;
  p["world_writable"] = (st.st_mode & S_IWOTH) != 0;
  p["unknown"] = unknown.json();
  return p;
}

void PathProbe::run(const model::Target& target, const ProbeContext& ctx, ProbeDone done) {
  std::string path;
  const std::string sysroot = options_.sysroot;
  if (auto it = target.spec.find("path"); it != target.spec.end() && it->is_string())
    path = it->get<std::string>();
  std::string id = target.id;
  if (path.empty()) {
    ProbeResult r;
    r.ok = false;
    r.error = id + ": `path` is required for kind path";
    done(std::move(r));
    return;
  }
  auto when = ctx.clock ? std::optional<TimePoint>(ctx.clock->now()) : std::nullopt;
  run_off_loop(
      id + " (" + path + ")", "timed out before the deadline (the file system did not answer)", ctx,
      [id, path, sysroot, when] {
        ProbeResult r;
        auto facts = inspect_path(path, sysroot);
        if (!facts) {
          r.ok = false;
          r.error = id + " (" + path + "): " + facts.error().message();
          return r;
        }
        model::Source src{model::SourceKind::kObserved, "path " + path, when};
        (void)r.facts.set("path", std::move(*facts), src);
        return r;
      },
      std::move(done));
}

std::vector<model::FactSchemaEntry> PathProbe::fact_schema() const { return path_fact_schema(); }

AtRest encryption_of(const std::string& path, const std::string& sysroot) {
  AtRest out;
  auto facts = inspect_path(path, sysroot);
  if (!facts) {
    out.reason = facts.error().message();
    return out;
  }
  const Json& enc = (*facts)["encryption"];
  if (enc["at_rest"].is_boolean()) out.encrypted = enc["at_rest"].get<bool>();
  if (enc["method"].is_string()) out.method = enc["method"].get<std::string>();
  out.reason = enc.value("reason", "");
  return out;
}

}  // namespace sov::probes::storage
