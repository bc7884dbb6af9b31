// SPDX-License-Identifier: Apache-2.0
#pragma once
// Storage probes: where data at rest lives and how it is protected.
//
// - PathProbe (kind `path`): spec.path is a local directory or file. From
//   <sysroot>/proc/self/mountinfo and <sysroot>/sys it finds the mount holding the path (longest
//   mount-point prefix after resolving symlinks), its file system, source and options; for a
//   network file system (nfs, nfs4, cifs, smb3, ceph, glusterfs, 9p) the server host; the block
//   device chain below it (device mapper, partitions) and whether a dm-crypt layer encrypts it,
//   with the LUKS version, cipher, key size and PBKDF read from the LUKS header when the device is
//   readable; fscrypt on the path (FS_IOC_GET_ENCRYPTION_POLICY_EX); owner, group and mode.
//   Facts under path.*; what cannot be established is null with a reason in path.unknown[*].
// - PostgresProbe (kind `postgres`): spec.endpoint host:port. Sends an SSLRequest (answer S or
//   N), runs the TLS probe over it (starttls: postgres; its tls.* facts are kept), then sends a
//   plain StartupMessage (user spec.user, default "sovereignd"; database spec.database, default
//   the user) and classifies the answer: refused for lack of encryption, an authentication
//   request (plaintext accepted), or something else (null + reason). No password is ever sent.
//   Facts under postgres.* and tls.*.
//
// Threading: run() may be called from any thread; `done` is called exactly once, by
// ctx.deadline. PathProbe does its file system work on a worker thread (a hung NFS server can
// block stat(2) forever): the worker is abandoned at the deadline and the run reports "timed
// out". PostgresProbe runs on ctx.io (a private loop when ctx.io is null). Probe objects are
// stateless and may serve many runs at once. No exception escapes run().

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/base/result.h"
#include "daemon/base/time.h"
#include "daemon/model/model.h"
#include "probes/api/probe.h"

namespace sov::probes::storage {

struct PathProbeOptions {
  /// Root under which /proc and /sys (and /dev, for LUKS headers) are read. "" or "/" is the
  /// machine itself. Exists because the conditions the probe must recognise (a LUKS volume, an
  /// NFS or CIFS mount, a Ceph mount) cannot be created on a CI machine: tests build a fake root
  /// with proc/self/mountinfo and sys/dev/block/... instead. The probed path itself is always
  /// the real one.
  std::string sysroot;
};

class PathProbe final : public Probe {
 public:
  explicit PathProbe(PathProbeOptions options = {}) : options_(std::move(options)) {}
  std::string_view kind() const override { return "path"; }
  std::vector<model::FactSchemaEntry> fact_schema() const override;
  /// ok is false when spec.path is missing, does not exist, mountinfo cannot be read or holds
  /// no mount for it, or the deadline passes.
  void run(const model::Target& target, const ProbeContext& ctx, ProbeDone done) override;

 private:
  PathProbeOptions options_;
};

class PostgresProbe final : public Probe {
 public:
  std::string_view kind() const override { return "postgres"; }
  std::vector<model::FactSchemaEntry> fact_schema() const override;
  /// ok is false when the endpoint could not be probed at all: bad spec, refused, timed out, or
  /// not a PostgreSQL answer to SSLRequest; `error` reads "target (host:port): reason". A server
  /// without TLS, or one that accepts plaintext, is a fact, not a failure.
  void run(const model::Target& target, const ProbeContext& ctx, ProbeDone done) override;
};

/// Every fact path each probe produces (producers "path", "postgres"; postgres also lists the
/// TLS probe's tls.* paths).
std::vector<model::FactSchemaEntry> path_fact_schema();
std::vector<model::FactSchemaEntry> postgres_fact_schema();

/// Whether the file system holding `path` is encrypted at rest, for other probes (the key file
/// probe's key.file.on_encrypted_volume). Blocking: reads mountinfo, sysfs and possibly a LUKS
/// header; call it off the event loop. Never fails: `encrypted` is nullopt with `reason` when it
/// cannot be established.
struct AtRest {
  std::optional<bool> encrypted;
  std::string method;  // "dm-crypt", "fscrypt", or "" when not encrypted or unknown
  std::string reason;  // why `encrypted` is what it is
};
AtRest encryption_of(const std::string& path, const std::string& sysroot = "");

}  // namespace sov::probes::storage
