// SPDX-License-Identifier: Apache-2.0
// The storage probes' fact schemas: every path each produces, its type and meaning. The rule
// validator checks rule paths against these lists.
#include <string>
#include <vector>

#include "probes/storage/storage_probe.h"
#include "probes/tls/tls_probe.h"

namespace sov::probes::storage {

using model::FactSchemaEntry;
using model::FactType;

namespace {

constexpr FactType s = FactType::kString;
constexpr FactType b = FactType::kBool;
constexpr FactType i = FactType::kInteger;
constexpr FactType o = FactType::kObject;
constexpr FactType l = FactType::kList;
constexpr FactType a = FactType::kAny;

}  // namespace

std::vector<FactSchemaEntry> path_fact_schema() {
  const char* p = "path";
  return {
      {"path", o, a, "a local path: its mount, device chain, encryption at rest and permissions",
       p},
      {"path.path", s, a, "the path as configured", p},
      {"path.resolved", s, a, "the path with symlinks resolved", p},
      {"path.type", s, a, "directory, file, symlink, block_device, char_device, socket, fifo", p},
      {"path.mount", o, a, "the mount holding the path (longest mount-point prefix)", p},
      {"path.mount.point", s, a, "mount point", p},
      {"path.mount.root", s, a, "root of the mount within its file system (bind mounts)", p},
      {"path.mount.fs_type", s, a, "file system type (ext4, xfs, nfs4, cifs, ceph, tmpfs, ...)", p},
      {"path.mount.source", s, a, "mount source: device, host:/export, //host/share", p},
      {"path.mount.device", s, a, "MAJ:MIN of the file system's device (0:N = no block device)", p},
      {"path.mount.options", l, s, "per-mount options (rw, ro, nosuid, ...)", p},
      {"path.mount.super_options", l, s, "file system options (from mountinfo)", p},
      {"path.mount.read_only", b, a, "mounted read-only", p},
      {"path.network.filesystem", b, a, "the mount is a network file system", p},
      {"path.network.protocol", s, a, "nfs, cifs, ceph, glusterfs, 9p, sshfs; null if local", p},
      {"path.network.server", s, a,
       "first server host named by the mount source (the jurisdiction enrichment locates it); "
       "null if local or unnamed",
       p},
      {"path.network.servers", l, s, "every server host named (Ceph monitors)", p},
      {"path.encryption.at_rest", b, a,
       "the data is encrypted at rest: a dm-crypt layer on every path from the file system to "
       "its disks, or an fscrypt policy on the path; null when it cannot be seen (network file "
       "systems, anonymous devices, tmpfs)",
       p},
      {"path.encryption.method", s, a, "dm-crypt or fscrypt; null when not encrypted or unknown",
       p},
      {"path.encryption.reason", s, a, "what decided path.encryption.at_rest", p},
      {"path.encryption.dm_crypt", s, a,
       "type of the first dm-crypt layer from its dm/uuid: LUKS1, LUKS2, PLAIN, BITLK, TCRYPT", p},
      {"path.encryption.dm_name", s, a, "device-mapper name of that layer", p},
      {"path.encryption.luks", o, a, "the LUKS header of that layer; null without LUKS", p},
      {"path.encryption.luks.version", i, a, "LUKS version, 1 or 2", p},
      {"path.encryption.luks.cipher", s, a,
       "cipher-mode from the header (aes-xts-plain64); null when the device is unreadable", p},
      {"path.encryption.luks.key_bits", i, a,
       "volume key size in bits (512 for AES-256-XTS); null when unreadable", p},
      {"path.encryption.luks.pbkdf", s, a, "key derivation: pbkdf2-sha256, argon2id, argon2i", p},
      {"path.encryption.luks.header_device", s, a, "device holding the header (/dev/sda2)", p},
      {"path.encryption.chain", l, o, "block devices from the file system down to the disks", p},
      {"path.encryption.chain[*].name", s, a, "sysfs name (vda, sda2, dm-0)", p},
      {"path.encryption.chain[*].device", s, a, "MAJ:MIN", p},
      {"path.encryption.chain[*].type", s, a, "disk, partition, dm-crypt, dm-linear, dm, md, loop",
       p},
      {"path.encryption.chain[*].dm_name", s, a, "device-mapper name", p},
      {"path.encryption.chain[*].dm_uuid_prefix", s, a, "CRYPT-LUKS2, LVM, ... (uuid not kept)", p},
      {"path.encryption.fscrypt.enabled", b, a,
       "an fscrypt policy covers the path (false also when the file system has no fscrypt)", p},
      {"path.encryption.fscrypt.policy_version", i, a, "fscrypt policy version, 1 or 2", p},
      {"path.encryption.fscrypt.contents_mode", s, a, "contents encryption (AES-256-XTS)", p},
      {"path.encryption.fscrypt.filenames_mode", s, a, "file name encryption (AES-256-CTS)", p},
      {"path.encryption.fscrypt.reason", s, a, "why fscrypt is false", p},
      {"path.owner.uid", i, a, "owning uid", p},
      {"path.owner.name", s, a, "owning user name; null when unnamed", p},
      {"path.group.gid", i, a, "owning gid", p},
      {"path.group.name", s, a, "owning group name; null when unnamed", p},
      {"path.mode", s, a, "permission bits, four octal digits (0750)", p},
      {"path.world_readable", b, a, "anyone may read (other r bit)", p},
      {"path.world_writable", b, a, "anyone may write (other w bit)", p},
      {"path.unknown", l, o, "facts left null, with the reason", p},
      {"path.unknown[*].path", s, a, "the fact path", p},
      {"path.unknown[*].reason", s, a, "why it is null", p},
  };
}

std::vector<FactSchemaEntry> postgres_fact_schema() {
  const char* p = "postgres";
  std::vector<FactSchemaEntry> out = {
      {"postgres", o, a, "a PostgreSQL endpoint: TLS and whether plaintext is refused", p},
      {"postgres.endpoint", s, a, "host:port probed", p},
      {"postgres.address", s, a, "address connected to", p},
      {"postgres.user", s, a, "user named in the plain StartupMessage (no password is sent)", p},
      {"postgres.database", s, a, "database named in the plain StartupMessage", p},
      {"postgres.ssl_answer", s, a, "answer to SSLRequest: S (TLS offered) or N", p},
      {"postgres.tls", b, a, "a TLS handshake after SSLRequest succeeded (tls.* has details)", p},
      {"postgres.tls_error", s, a, "why the TLS probe failed, when it did", p},
      {"postgres.plaintext_refused", b, a,
       "a plain StartupMessage is refused for lack of encryption (pg_hba: hostssl only or "
       "hostnossl reject): true; answered with an authentication request or a role/database "
       "error: false; anything else: null",
       p},
      {"postgres.plaintext_answer", s, a, "the server's answer to the plain StartupMessage", p},
      {"postgres.sqlstate", s, a, "SQLSTATE of that answer when it was an error", p},
      {"postgres.unknown", l, o, "facts left null, with the reason", p},
      {"postgres.unknown[*].path", s, a, "the fact path", p},
      {"postgres.unknown[*].reason", s, a, "why it is null", p},
  };
  auto tls = tls::tls_fact_schema();
  out.insert(out.end(), tls.begin(), tls.end());
  return out;
}

}  // namespace sov::probes::storage
