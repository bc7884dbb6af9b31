// SPDX-License-Identifier: Apache-2.0
// The block device chain under a mount (sysfs: device mapper, md, partitions, loop) and the
// LUKS header of a dm-crypt layer. Formats: LUKS1 "LUKS On-Disk Format Specification" 1.2.3;
// LUKS2 "LUKS2 On-Disk Format Specification" 1.1.x (binary header, then a JSON area).
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#include "probes/storage/internal.h"

namespace sov::probes::storage {

using model::Json;
namespace fs = std::filesystem;

namespace {

constexpr size_t kLuks1HeaderBytes = 592;
constexpr size_t kLuks2BinaryBytes = 4096;
constexpr size_t kLuks2MaxHeaderBytes = 4 << 20;  // the spec's largest hdr_size
constexpr int kMaxDepth = 16;                     // dm stacks deeper than this are not walked

uint64_t be(std::string_view b, size_t off, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v = (v << 8) | static_cast<unsigned char>(b[off + i]);
  return v;
}

// A NUL-padded fixed-size string field.
std::string field(std::string_view b, size_t off, size_t n) {
  std::string_view f = b.substr(off, n);
  return std::string(f.substr(0, f.find('\0')));
}

Result<LuksHeader> parse_luks1(std::string_view b) {
  if (b.size() < kLuks1HeaderBytes) {
    return fail(ErrorCode::kInvalidInput, "LUKS1 header shorter than 592 bytes");
  }
  LuksHeader h;
  h.version = 1;
  std::string name = field(b, 8, 32);
  std::string mode = field(b, 40, 32);
  if (name.empty()) return fail(ErrorCode::kInvalidInput, "LUKS1 header: empty cipher name");
  h.cipher = mode.empty() ? name : name + "-" + mode;
  uint64_t key_bytes = be(b, 108, 4);
  if (key_bytes > 0 && key_bytes <= 512) h.key_bits = static_cast<int>(key_bytes * 8);
  std::string hash = field(b, 72, 32);
  h.pbkdf = hash.empty() ? "pbkdf2" : "pbkdf2-" + hash;
  h.uuid = field(b, 168, 40);
  return h;
}

Result<LuksHeader> parse_luks2(std::string_view b) {
  if (b.size() < kLuks2BinaryBytes) {
    return fail(ErrorCode::kInvalidInput, "LUKS2 binary header shorter than 4096 bytes");
  }
  uint64_t hdr_size = be(b, 8, 8);
  if (hdr_size <= kLuks2BinaryBytes || hdr_size > kLuks2MaxHeaderBytes) {
    return fail(ErrorCode::kInvalidInput,
                "LUKS2 header: hdr_size " + std::to_string(hdr_size) + " out of range");
  }
  if (b.size() < hdr_size) {
    return fail(ErrorCode::kInvalidInput, "LUKS2 header: " + std::to_string(b.size()) +
                                              " bytes read, hdr_size is " +
                                              std::to_string(hdr_size));
  }
  std::string_view area = b.substr(kLuks2BinaryBytes, hdr_size - kLuks2BinaryBytes);
  area = area.substr(0, area.find('\0'));
  Json j = Json::parse(area.begin(), area.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return fail(ErrorCode::kInvalidInput, "LUKS2 JSON area is not a JSON object");
  }
  LuksHeader h;
  h.version = 2;
  h.uuid = field(b, 168, 40);
  if (auto s = j.find("segments"); s != j.end() && s->is_object()) {
    for (const auto& seg : *s) {
      if (seg.is_object() && seg.value("type", "") == "crypt" && seg.contains("encryption") &&
          seg["encryption"].is_string()) {
        h.cipher = seg["encryption"].get<std::string>();
        break;
      }
    }
  }
  if (auto k = j.find("keyslots"); k != j.end() && k->is_object()) {
    for (const auto& slot : *k) {
      if (!slot.is_object()) continue;
      if (slot.contains("key_size") && slot["key_size"].is_number_integer()) {
        int bytes = slot["key_size"].get<int>();
        if (bytes > 0 && bytes <= 512) h.key_bits = bytes * 8;
      }
      if (slot.contains("kdf") && slot["kdf"].is_object()) {
        const Json& kdf = slot["kdf"];
        h.pbkdf = kdf.value("type", "");
        if (h.pbkdf == "pbkdf2" && kdf.contains("hash") && kdf["hash"].is_string())
          h.pbkdf += "-" + kdf["hash"].get<std::string>();
      }
      break;
    }
  }
  if (h.cipher.empty()) {
    return fail(ErrorCode::kInvalidInput, "LUKS2 JSON area: no crypt segment with an encryption");
  }
  return h;
}

std::string read_small(const fs::path& p) {
  std::ifstream in(p);
  std::string s;
  std::getline(in, s);
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// Reads the first `n` bytes of a device or file; errors name it and errno.
Result<std::string> read_head(const std::string& file, size_t n) {
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return fail(ErrorCode::kIo, "cannot read " + file + ": " + std::strerror(errno));
  }
  std::string buf(n, '\0');
  size_t got = 0;
  while (got < n) {
    ssize_t r = ::pread(fd, buf.data() + got, n - got, static_cast<off_t>(got));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      int e = errno;
      ::close(fd);
      return fail(ErrorCode::kIo, "cannot read " + file + ": " + std::strerror(e));
    }
    if (r == 0) break;
    got += static_cast<size_t>(r);
  }
  ::close(fd);
  buf.resize(got);
  return buf;
}

Result<LuksHeader> read_luks_header(const std::string& file) {
  auto head = read_head(file, kLuks2BinaryBytes);
  if (!head) return head.error();
  if (head->size() >= 8 && head->compare(0, 6, "LUKS\xba\xbe", 6) == 0 && be(*head, 6, 2) == 2 &&
      head->size() >= 16) {
    uint64_t hdr_size = be(*head, 8, 8);
    if (hdr_size > kLuks2BinaryBytes && hdr_size <= kLuks2MaxHeaderBytes) {
      head = read_head(file, hdr_size);
      if (!head) return head.error();
    }
  }
  auto h = parse_luks_header(*head);
  if (!h) return Error(h.error().code(), file + ": " + h.error().message());
  return h;
}

// Merges a branch's verdict into the chain's: any false is false, else any unknown is unknown.
void merge(std::optional<bool>* into, std::string* reason, std::optional<bool> v,
           const std::string& why, bool first) {
  if (first) {
    *into = v;
    *reason = why;
    return;
  }
  if (*into == false) return;
  if (v == false || (!v && *into == true)) {
    *into = v;
    *reason = why;
  }
}

class Walker {
 public:
  Walker(std::string sysroot, ChainReport* out) : sysroot_(std::move(sysroot)), out_(out) {}

  // Returns whether everything under `dir` is behind a dm-crypt layer, and why.
  std::optional<bool> walk(const fs::path& dir, int depth, std::string* why) {
    BlockNode node;
    node.name = dir.filename().string();
    node.device = read_small(dir / "dev");
    node.depth = depth;
    std::error_code ec;
    if (depth > kMaxDepth) {
      *why = "device stack deeper than " + std::to_string(kMaxDepth) + " levels";
      return std::nullopt;
    }
    if (fs::exists(dir / "dm" / "uuid", ec)) return walk_dm(dir, std::move(node), depth, why);
    if (fs::exists(dir / "md", ec)) {
      node.type = "md";
      out_->nodes.push_back(node);
      return walk_slaves(dir, depth, "md device " + node.name, why);
    }
    if (fs::exists(dir / "loop" / "backing_file", ec)) {
      node.type = "loop";
      out_->nodes.push_back(node);
      *why = "loop device " + node.name + " backed by the file " +
             read_small(dir / "loop" / "backing_file") + ", whose own volume is not followed";
      return std::nullopt;
    }
    if (fs::exists(dir / "partition", ec)) {
      node.type = "partition";
      out_->nodes.push_back(node);
      fs::path parent = dir.parent_path();
      if (!fs::exists(parent / "dev", ec)) {
        *why = "partition " + node.name + ": its disk is not in sysfs";
        return std::nullopt;
      }
      return walk(parent, depth + 1, why);
    }
    node.type = "disk";
    out_->nodes.push_back(node);
    *why = "no dm-crypt layer between the file system and the disk " + node.name +
           " (self-encrypting drives are not detected)";
    return false;
  }

 private:
  std::optional<bool> walk_dm(const fs::path& dir, BlockNode node, int depth, std::string* why) {
    std::string uuid = read_small(dir / "dm" / "uuid");
    node.dm_name = read_small(dir / "dm" / "name");
    auto dash = uuid.find('-');
    std::string first = uuid.substr(0, dash);
    if (first == "CRYPT") {
      auto second = uuid.find('-', dash + 1);
      std::string kind = uuid.substr(
          dash + 1, second == std::string::npos ? std::string::npos : second - dash - 1);
      node.type = "dm-crypt";
      node.dm_uuid_prefix = "CRYPT-" + kind;
      out_->nodes.push_back(node);
      if (out_->crypt_name.empty()) record_crypt(dir, node, kind);
      *why = "dm-crypt (" + kind + ") device " + node.dm_name;
      return true;
    }
    node.type = first == "LVM" ? "dm-linear" : "dm";
    node.dm_uuid_prefix = first;
    out_->nodes.push_back(node);
    return walk_slaves(dir, depth, "device-mapper device " + node.dm_name, why);
  }

  std::optional<bool> walk_slaves(const fs::path& dir, int depth, const std::string& what,
                                  std::string* why) {
    std::error_code ec;
    std::vector<fs::path> slaves;
    for (fs::directory_iterator it(dir / "slaves", ec), end; !ec && it != end; it.increment(ec)) {
      slaves.push_back(fs::canonical(it->path(), ec));
      if (ec) slaves.back() = it->path();
    }
    if (slaves.empty()) {
      *why = what + " has no readable slaves/";
      return std::nullopt;
    }
    std::sort(slaves.begin(), slaves.end());
    std::optional<bool> all;
    bool first = true;
    for (const auto& s : slaves) {
      std::string branch_why;
      auto v = walk(s, depth + 1, &branch_why);
      merge(&all, why, v, branch_why, first);
      first = false;
    }
    return all;
  }

  void record_crypt(const fs::path& dir, const BlockNode& node, const std::string& kind) {
    out_->crypt_name = node.dm_name;
    out_->crypt_kind = kind;
    if (kind != "LUKS1" && kind != "LUKS2") {
      out_->luks_reason = "dm-crypt " + kind + " mapping: no LUKS header";
      return;
    }
    std::error_code ec;
    std::string slave;
    for (fs::directory_iterator it(dir / "slaves", ec), end; !ec && it != end; it.increment(ec)) {
      slave = it->path().filename().string();
      break;
    }
    if (slave.empty()) {
      out_->luks_reason = "dm-crypt device " + node.dm_name + " has no readable slaves/";
      return;
    }
    out_->header_device = "/dev/" + slave;
    auto h = read_luks_header(under_root(sysroot_, out_->header_device));
    if (!h) {
      out_->luks_reason = h.error().message() + "; the LUKS version comes from dm/uuid only";
      return;
    }
    out_->luks = std::move(*h);
  }

  std::string sysroot_;
  ChainReport* out_;
};

}  // namespace

Result<LuksHeader> parse_luks_header(std::string_view bytes) {
  if (bytes.size() < 8 || bytes.compare(0, 6, std::string_view("LUKS\xba\xbe", 6)) != 0) {
    return fail(ErrorCode::kInvalidInput, "no LUKS magic");
  }
  uint64_t version = be(bytes, 6, 2);
  if (version == 1) return parse_luks1(bytes);
  if (version == 2) return parse_luks2(bytes);
  return fail(ErrorCode::kInvalidInput, "unknown LUKS version " + std::to_string(version));
}

ChainReport walk_block_chain(const std::string& sysroot, const std::string& device) {
  ChainReport out;
  std::error_code ec;
  fs::path link = under_root(sysroot, "/sys/dev/block/" + device);
  fs::path dir = fs::canonical(link, ec);
  if (ec) {
    out.reason = "no block device " + device + " in sysfs (" + link.string() +
                 "): not a block-device file system";
    return out;
  }
  Walker walker(sysroot, &out);
  out.encrypted = walker.walk(dir, 0, &out.reason);
  return out;
}

}  // namespace sov::probes::storage
