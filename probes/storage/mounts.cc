// SPDX-License-Identifier: Apache-2.0
// mountinfo parsing (proc(5)) and the network server named by a mount's source.
#include <algorithm>
#include <charconv>
#include <string>
#include <vector>

#include "probes/storage/internal.h"

namespace sov::probes::storage {

namespace {

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(sep, start);
    if (end == std::string_view::npos) end = s.size();
    out.emplace_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// The kernel escapes space, tab, newline and backslash in paths as \ooo.
std::string unescape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && s[i + 1] >= '0' && s[i + 1] <= '3' && s[i + 2] >= '0' &&
        s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
      out.push_back(
          static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0')));
      i += 3;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

bool parse_int(std::string_view s, int* out) {
  auto r = std::from_chars(s.data(), s.data() + s.size(), *out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

Result<Mount> parse_line(std::string_view line) {
  std::vector<std::string> f;
  for (auto& w : split(line, ' '))
    if (!w.empty()) f.push_back(w);
  auto sep = std::find(f.begin(), f.end(), "-");
  if (f.size() < 10 || sep == f.end() || sep - f.begin() < 6 || f.end() - sep < 4) {
    return fail(ErrorCode::kInvalidInput,
                "not a mountinfo line (expected ID PARENT MAJ:MIN ROOT POINT OPTIONS ... - TYPE "
                "SOURCE OPTIONS)");
  }
  Mount m;
  if (!parse_int(f[0], &m.id) || !parse_int(f[1], &m.parent)) {
    return fail(ErrorCode::kInvalidInput, "mount id or parent id is not a number");
  }
  if (f[2].find(':') == std::string::npos) {
    return fail(ErrorCode::kInvalidInput, "device '" + f[2] + "' is not MAJ:MIN");
  }
  m.device = f[2];
  m.root = unescape(f[3]);
  m.point = unescape(f[4]);
  m.options = split(f[5], ',');
  m.fs_type = sep[1];
  m.source = unescape(sep[2]);
  m.super_options = split(sep[3], ',');
  return m;
}

bool is_prefix_dir(const std::string& point, const std::string& path) {
  if (point == "/") return true;
  if (path.size() < point.size() || path.compare(0, point.size(), point) != 0) return false;
  return path.size() == point.size() || path[point.size()] == '/';
}

}  // namespace

Result<std::vector<Mount>> parse_mountinfo(std::string_view text, const std::string& file) {
  std::vector<Mount> out;
  size_t line_no = 0;
  for (const auto& line : split(text, '\n')) {
    ++line_no;
    if (line.empty()) continue;
    auto m = parse_line(line);
    if (!m) {
      return fail(ErrorCode::kInvalidInput,
                  file + ":" + std::to_string(line_no) + ":1: " + m.error().message());
    }
    out.push_back(std::move(*m));
  }
  return out;
}

const Mount* find_mount(const std::vector<Mount>& mounts, const std::string& resolved) {
  const Mount* best = nullptr;
  for (const auto& m : mounts) {
    if (!is_prefix_dir(m.point, resolved)) continue;
    if (best == nullptr || m.point.size() >= best->point.size()) best = &m;
  }
  return best;
}

std::string network_protocol(std::string_view fs_type) {
  if (fs_type == "nfs" || fs_type == "nfs4") return "nfs";
  if (fs_type == "cifs" || fs_type == "smb3" || fs_type == "smbfs") return "cifs";
  if (fs_type == "ceph") return "ceph";
  if (fs_type == "glusterfs" || fs_type == "fuse.glusterfs") return "glusterfs";
  if (fs_type == "9p") return "9p";
  if (fs_type == "fuse.sshfs") return "sshfs";
  return "";
}

namespace {

// "host", "[v6]", "host:port" -> host without brackets or port.
std::string bare_host(std::string_view h) {
  if (!h.empty() && h.front() == '[') {
    auto close = h.find(']');
    return std::string(h.substr(1, close == std::string_view::npos ? h.size() - 1 : close - 1));
  }
  // An unbracketed IPv6 address has several colons: keep it whole.
  if (std::count(h.begin(), h.end(), ':') == 1) h = h.substr(0, h.find(':'));
  return std::string(h);
}

}  // namespace

std::vector<std::string> network_servers(std::string_view protocol, std::string_view source) {
  std::vector<std::string> out;
  auto add = [&](std::string_view h) {
    std::string host = bare_host(h);
    if (!host.empty() && std::find(out.begin(), out.end(), host) == out.end()) out.push_back(host);
  };
  if (protocol == "cifs") {
    // //host/share (or \\host\share)
    if (source.size() > 2 && (source.substr(0, 2) == "//" || source.substr(0, 2) == "\\\\")) {
      source.remove_prefix(2);
      add(source.substr(0, source.find_first_of("/\\")));
    }
    return out;
  }
  if (protocol == "sshfs") {  // [user@]host:/path
    auto at = source.find('@');
    if (at != std::string_view::npos) source.remove_prefix(at + 1);
    add(source.substr(0, source.find(':')));
    return out;
  }
  if (protocol == "ceph") {
    // mon1[:port],mon2[:port]:/path; the new syntax user@fsid.fs=/path names no host.
    if (source.find('@') != std::string_view::npos && source.find("=/") != std::string_view::npos)
      return out;
    auto end = source.rfind(":/");
    if (end == std::string_view::npos) return out;
    for (const auto& mon : split(source.substr(0, end), ',')) add(mon);
    return out;
  }
  if (protocol == "nfs" || protocol == "glusterfs") {
    // host:/export, [v6]:/export
    size_t end = std::string_view::npos;
    if (!source.empty() && source.front() == '[') {
      auto close = source.find(']');
      if (close != std::string_view::npos) end = close + 1;
    } else {
      end = source.find(":/");
      if (end == std::string_view::npos) end = source.rfind(':');
    }
    if (end != std::string_view::npos) add(source.substr(0, end));
  }
  return out;
}

std::string under_root(const std::string& sysroot, const std::string& path) {
  if (sysroot.empty() || sysroot == "/") return path;
  std::string root = sysroot;
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  return root + path;
}

}  // namespace sov::probes::storage
