// SPDX-License-Identifier: Apache-2.0
#pragma once
// Internal to probes/storage: the pieces of the path probe, each testable on its own input.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/base/result.h"
#include "daemon/model/model.h"
#include "probes/api/off_loop.h"

namespace sov::probes::storage {

/// One line of /proc/self/mountinfo (proc(5)), octal escapes (\040) decoded.
struct Mount {
  int id = 0;
  int parent = 0;
  std::string device;                // "MAJ:MIN"
  std::string root;                  // root of the mount within its file system
  std::string point;                 // mount point
  std::vector<std::string> options;  // per-mount options (ro, nosuid, ...)
  std::string fs_type;
  std::string source;
  std::vector<std::string> super_options;
};

/// Parses mountinfo text. Lines that do not follow the format are errors naming file:line.
Result<std::vector<Mount>> parse_mountinfo(std::string_view text, const std::string& file);

/// The mount holding `resolved` (an absolute path without symlinks): the longest mount point
/// that is a prefix of it by whole components; the later line wins a tie (it is mounted over the
/// earlier). nullptr when none (no "/" line).
const Mount* find_mount(const std::vector<Mount>& mounts, const std::string& resolved);

/// A network file system's protocol ("nfs", "cifs", "ceph", "glusterfs", "9p"), or "" if local.
std::string network_protocol(std::string_view fs_type);

/// The server hosts named by a network mount's source: "host:/export" (nfs, glusterfs),
/// "//host/share" (cifs), "mon1,mon2:port:/" or "user@fsid.fs=/" (ceph; the latter names no
/// host), "[v6]:/export". Empty when the source names none (9p over virtio).
std::vector<std::string> network_servers(std::string_view protocol, std::string_view source);

/// What a LUKS header shows (LUKS1 binary header; LUKS2 binary header + JSON area).
struct LuksHeader {
  int version = 0;
  std::string cipher;  // "aes-xts-plain64"
  std::optional<int> key_bits;
  std::string pbkdf;  // "pbkdf2-sha256", "argon2id"
  std::string uuid;
};

/// Parses the first bytes of a device (at least 592 for LUKS1, hdr_size for LUKS2). Errors:
/// kInvalidInput naming what is wrong ("no LUKS magic", "LUKS2 JSON area: ...").
Result<LuksHeader> parse_luks_header(std::string_view bytes);

/// One block device on the way from the mount to the disks.
struct BlockNode {
  std::string name;    // sysfs name: vda, sda2, dm-0
  std::string device;  // MAJ:MIN
  std::string type;    // disk, partition, dm-crypt, dm-linear (LVM), dm (other), unknown
  std::string dm_name;
  std::string dm_uuid_prefix;  // "CRYPT-LUKS2", "LVM", ... (the uuid itself is not kept)
  int depth = 0;
};

/// What the block device chain under one device shows about encryption at rest.
struct ChainReport {
  std::vector<BlockNode> nodes;
  std::optional<bool> encrypted;  // dm-crypt on every path to the disks
  std::string reason;
  std::string crypt_name;     // dm name of the first dm-crypt layer
  std::string crypt_kind;     // LUKS1, LUKS2, PLAIN, BITLK, TCRYPT ... from dm/uuid
  std::string header_device;  // /dev/NAME (under sysroot) holding its header
  std::optional<LuksHeader> luks;
  std::string luks_reason;  // why `luks` is missing
};

/// Walks <sysroot>/sys/dev/block/MAJ:MIN: dm slaves, partitions to their disk, reading the
/// LUKS header from <sysroot>/dev/NAME when readable.
ChainReport walk_block_chain(const std::string& sysroot, const std::string& device);

/// The path probe's whole inspection (blocking): the path.* object. Errors name the path.
Result<model::Json> inspect_path(const std::string& path, const std::string& sysroot);

/// sysroot + absolute path ("" or "/" sysroot: the path itself).
std::string under_root(const std::string& sysroot, const std::string& path);

}  // namespace sov::probes::storage
