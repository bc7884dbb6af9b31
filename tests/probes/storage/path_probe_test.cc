// SPDX-License-Identifier: Apache-2.0
// The path probe on this machine's real mounts (checked against findmnt and stat, run by the
// test) and on fake roots: proc/self/mountinfo and sys/dev/block/... trees for what a CI machine
// cannot create (dm-crypt LUKS1/LUKS2 volumes, LVM over LUKS, NFS, CIFS, Ceph mounts). The LUKS
// headers are real: written by `cryptsetup luksFormat` on plain files (cryptsetup-bin), except
// one LUKS1 header built byte by byte from the LUKS1 on-disk format specification.
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/base/time.h"
#include "probes/storage/internal.h"
#include "probes/storage/storage_probe.h"
#include "tests/support/temp_dir.h"

namespace sov::probes::storage {
namespace {

using model::Json;
using testing::TempDir;
namespace fs = std::filesystem;

std::string run(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return out;
  std::array<char, 4096> buf{};
  size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  ::pclose(p);
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out.substr(std::min(out.size(), out.find_first_not_of(' ')));
}

bool have(const std::string& tool) { return !run("command -v " + tool + " 2>/dev/null").empty(); }

ProbeResult probe_path(const std::string& path, const std::string& sysroot = "",
                       std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  SystemClock clock;
  PathProbe probe({sysroot});
  model::Target t;
  t.id = "data";
  t.kind = "path";
  t.spec = {{"path", path}};
  return probe_once(probe, t, timeout, clock);
}

const Json& P(const ProbeResult& r) { return r.facts.doc().at("path"); }

bool unknown_has(const ProbeResult& r, const std::string& path) {
  for (const auto& u : P(r)["unknown"])
    if (u["path"] == path) return true;
  return false;
}

// ---------------------------------------------------------------------------------------------
// This machine.

TEST(PathProbeReal, RootMatchesFindmnt) {
  ASSERT_TRUE(have("findmnt"));
  auto r = probe_path("/");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(P(r)["mount"]["point"], "/");
  EXPECT_EQ(P(r)["mount"]["fs_type"], run("findmnt -n -o FSTYPE --target /"));
  EXPECT_EQ(P(r)["mount"]["source"], run("findmnt -n -o SOURCE --target /"));
  EXPECT_EQ(P(r)["mount"]["device"], run("findmnt -n -o MAJ:MIN --target /"));
  EXPECT_EQ(P(r)["network"]["filesystem"], false);
  EXPECT_EQ(P(r)["owner"]["uid"], 0);
  EXPECT_EQ(P(r)["mode"], run("stat -c %04a /"));
  // Whatever the machine, at_rest is a verdict with its chain, or null with a reason.
  const Json& enc = P(r)["encryption"];
  if (enc["at_rest"].is_null()) {
    EXPECT_TRUE(unknown_has(r, "path.encryption.at_rest"));
  } else {
    ASSERT_FALSE(enc["chain"].empty());
    EXPECT_FALSE(enc["reason"].get<std::string>().empty());
  }
}

TEST(PathProbeReal, TempDirOwnerModeAndMount) {
  TempDir dir;
  std::string d = dir.file("data");
  fs::create_directory(d);
  ASSERT_EQ(::chmod(d.c_str(), 0754), 0);
  auto r = probe_path(d);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(P(r)["resolved"], fs::canonical(d).string());
  EXPECT_EQ(P(r)["type"], "directory");
  EXPECT_EQ(P(r)["mode"], "0754");
  EXPECT_EQ(P(r)["mode"], run("stat -c %04a " + d));
  EXPECT_EQ(P(r)["owner"]["uid"], std::stoi(run("stat -c %u " + d)));
  EXPECT_EQ(P(r)["owner"]["name"], run("stat -c %U " + d));
  EXPECT_EQ(P(r)["group"]["name"], run("stat -c %G " + d));
  EXPECT_EQ(P(r)["world_readable"], true);
  EXPECT_EQ(P(r)["world_writable"], false);
  EXPECT_EQ(P(r)["mount"]["point"], run("findmnt -n -o TARGET --target " + d));
  EXPECT_EQ(P(r)["mount"]["fs_type"], run("findmnt -n -o FSTYPE --target " + d));
  bool ro = run("findmnt -n -o OPTIONS --target " + d).rfind("ro", 0) == 0;
  EXPECT_EQ(P(r)["mount"]["read_only"], ro);
  // fscrypt: an answer (false with a reason on ext4 without the encrypt feature, tmpfs, ...)
  // or null with the ioctl's error in path.unknown.
  const Json& fscrypt = P(r)["encryption"]["fscrypt"]["enabled"];
  EXPECT_TRUE(fscrypt.is_boolean() || unknown_has(r, "path.encryption.fscrypt.enabled"));
}

TEST(PathProbeReal, WorldWritableFileThroughASymlink) {
  TempDir dir;
  std::string f = dir.write("shared.txt", "x");
  ASSERT_EQ(::chmod(f.c_str(), 0666), 0);
  std::string link = dir.file("link");
  fs::create_symlink(f, link);
  auto r = probe_path(link);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(P(r)["path"], link);
  EXPECT_EQ(P(r)["resolved"], fs::canonical(f).string());
  EXPECT_EQ(P(r)["type"], "file");
  EXPECT_EQ(P(r)["world_writable"], true);
}

TEST(PathProbeReal, ProcIsAnAnonymousDeviceWithUnknownEncryption) {
  auto r = probe_path("/proc/self");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(P(r)["mount"]["fs_type"], "proc");
  EXPECT_EQ(P(r)["mount"]["device"], run("findmnt -n -o MAJ:MIN --target /proc"));
  EXPECT_TRUE(P(r)["encryption"]["at_rest"].is_null());
  EXPECT_TRUE(unknown_has(r, "path.encryption.at_rest"));
}

TEST(PathProbeReal, MissingAndRelativePathsFailNamingThePath) {
  auto r = probe_path("/nonexistent/sovereignd-test");
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("/nonexistent/sovereignd-test"), std::string::npos) << r.error;
  auto rel = probe_path("relative/dir");
  EXPECT_FALSE(rel.ok);
  EXPECT_NE(rel.error.find("absolute"), std::string::npos) << rel.error;
  PathProbe probe;
  model::Target t;
  t.id = "x";
  t.kind = "path";
  SystemClock clock;
  auto none = probe_once(probe, t, std::chrono::seconds(1), clock);
  EXPECT_FALSE(none.ok);
  EXPECT_NE(none.error.find("`path` is required"), std::string::npos) << none.error;
}

TEST(PathProbeReal, PassedDeadlineReportsTimeout) {
  // A hung NFS server cannot be produced here; a deadline already past exercises the same exit.
  PathProbe probe;
  model::Target t;
  t.id = "slow";
  t.kind = "path";
  t.spec = {{"path", "/"}};
  ProbeResult out;
  int calls = 0;
  ProbeContext ctx{nullptr, nullptr, std::chrono::steady_clock::now() - std::chrono::seconds(1)};
  probe.run(t, ctx, [&](ProbeResult r) {
    out = std::move(r);
    ++calls;
  });
  EXPECT_EQ(calls, 1);
  EXPECT_FALSE(out.ok);
  EXPECT_NE(out.error.find("timed out"), std::string::npos) << out.error;
}

// ---------------------------------------------------------------------------------------------
// Fake roots.

// A fake root: proc/self/mountinfo and a sysfs tree. `data` is a real directory, the mount
// point the fixture's mountinfo declares.
class FakeRoot {
 public:
  FakeRoot() {
    data_ = fs::canonical(dir_.path()).string() + "/data";
    fs::create_directories(data_);
    root_ = dir_.path() + "/root";
    fs::create_directories(root_);
  }
  const std::string& data() const { return data_; }
  const std::string& root() const { return root_; }

  void mountinfo(const std::string& type, const std::string& source, const std::string& device) {
    write("proc/self/mountinfo",
          "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n"
          "22 27 0:21 / /proc rw,relatime - proc proc rw\n"
          "90 27 " +
              device + " / " + data_ + " rw,nosuid,relatime shared:1 - " + type + " " + source +
              " rw\n");
  }
  void write(const std::string& rel, const std::string& content) {
    fs::path p = fs::path(root_) / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << content;
  }
  // A block device directory under sys/devices with its dev file, and sys/dev/block/MAJ:MIN.
  std::string device(const std::string& rel_dir, const std::string& majmin) {
    write("sys/devices/" + rel_dir + "/dev", majmin + "\n");
    fs::path link = fs::path(root_) / "sys/dev/block" / majmin;
    fs::create_directories(link.parent_path());
    fs::create_symlink(fs::path("../../devices") / rel_dir, link);
    return root_ + "/sys/devices/" + rel_dir;
  }
  void slave(const std::string& holder_dir, const std::string& target_dir) {
    fs::path s = fs::path(holder_dir) / "slaves" / fs::path(target_dir).filename();
    fs::create_directories(s.parent_path());
    fs::create_symlink(target_dir, s);
  }
  void dm(const std::string& dir, const std::string& uuid, const std::string& name) {
    fs::create_directories(fs::path(dir) / "dm");
    std::ofstream(fs::path(dir) / "dm" / "uuid") << uuid << "\n";
    std::ofstream(fs::path(dir) / "dm" / "name") << name << "\n";
  }
  // sda with partition sda2; returns sda2's directory.
  std::string disk_with_partition() {
    device("pci0000:00/block/sda", "8:0");
    std::string part = device("pci0000:00/block/sda/sda2", "8:2");
    write("sys/devices/pci0000:00/block/sda/sda2/partition", "2\n");
    return part;
  }
  // A LUKS header written by cryptsetup into dev/NAME; false when cryptsetup is missing.
  bool luks_format(const std::string& name, const std::string& args) {
    std::string dev = root_ + "/dev/" + name;
    fs::create_directories(root_ + "/dev");
    std::string key = dir_.write("key", "not-a-real-passphrase");
    std::string cmd = "truncate -s 20M " + dev + " && cryptsetup luksFormat --batch-mode " +
                      "--key-file " + key + " " + args + " " + dev + " >/dev/null 2>&1";
    return std::system(cmd.c_str()) == 0;
  }

 private:
  TempDir dir_;
  std::string data_;
  std::string root_;
};

const char* kLuks2Args =
    "--type luks2 --cipher aes-xts-plain64 --key-size 512 --pbkdf argon2id --pbkdf-memory 32 "
    "--pbkdf-force-iterations 4";
const char* kLuks1Args =
    "--type luks1 --cipher aes-cbc-essiv:sha256 --key-size 256 --hash sha256 "
    "--pbkdf-force-iterations 1000";

TEST(PathProbeFixture, Luks2OverAPartition) {
  if (!have("cryptsetup")) GTEST_SKIP() << "cryptsetup (cryptsetup-bin) is not installed";
  FakeRoot f;
  f.mountinfo("ext4", "/dev/mapper/cryptdata", "253:0");
  std::string dm0 = f.device("virtual/block/dm-0", "253:0");
  f.dm(dm0, "CRYPT-LUKS2-0123456789abcdef0123456789abcdef-cryptdata", "cryptdata");
  f.slave(dm0, f.disk_with_partition());
  ASSERT_TRUE(f.luks_format("sda2", kLuks2Args));

  auto r = probe_path(f.data(), f.root());
  ASSERT_TRUE(r.ok) << r.error;
  const Json& enc = P(r)["encryption"];
  EXPECT_EQ(enc["at_rest"], true) << enc.dump(2);
  EXPECT_EQ(enc["method"], "dm-crypt");
  EXPECT_EQ(enc["dm_crypt"], "LUKS2");
  EXPECT_EQ(enc["dm_name"], "cryptdata");
  EXPECT_EQ(enc["luks"]["version"], 2);
  EXPECT_EQ(enc["luks"]["cipher"], "aes-xts-plain64");
  EXPECT_EQ(enc["luks"]["key_bits"], 512);
  EXPECT_EQ(enc["luks"]["pbkdf"], "argon2id");
  EXPECT_EQ(enc["luks"]["header_device"], "/dev/sda2");
  ASSERT_EQ(enc["chain"].size(), 1u);
  EXPECT_EQ(enc["chain"][0]["type"], "dm-crypt");
  EXPECT_EQ(enc["chain"][0]["dm_uuid_prefix"], "CRYPT-LUKS2");
  // The volume's UUID is not copied into facts.
  EXPECT_EQ(r.facts.doc().dump().find("0123456789abcdef"), std::string::npos);

  auto at_rest = encryption_of(f.data(), f.root());
  EXPECT_EQ(at_rest.encrypted, true);
  EXPECT_EQ(at_rest.method, "dm-crypt");
}

TEST(PathProbeFixture, LvmOverLuks1) {
  if (!have("cryptsetup")) GTEST_SKIP() << "cryptsetup (cryptsetup-bin) is not installed";
  FakeRoot f;
  f.mountinfo("xfs", "/dev/mapper/vg-data", "253:1");
  std::string lv = f.device("virtual/block/dm-1", "253:1");
  f.dm(lv, "LVM-abcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdef", "vg-data");
  std::string crypt = f.device("virtual/block/dm-0", "253:0");
  f.dm(crypt, "CRYPT-LUKS1-fedcbafedcbafedcbafedcbafedcbafe-pv", "pv_crypt");
  f.slave(lv, crypt);
  f.slave(crypt, f.disk_with_partition());
  ASSERT_TRUE(f.luks_format("sda2", kLuks1Args));

  auto r = probe_path(f.data(), f.root());
  ASSERT_TRUE(r.ok) << r.error;
  const Json& enc = P(r)["encryption"];
  EXPECT_EQ(enc["at_rest"], true) << enc.dump(2);
  EXPECT_EQ(enc["dm_crypt"], "LUKS1");
  EXPECT_EQ(enc["luks"]["version"], 1);
  EXPECT_EQ(enc["luks"]["cipher"], "aes-cbc-essiv:sha256");
  EXPECT_EQ(enc["luks"]["key_bits"], 256);
  EXPECT_EQ(enc["luks"]["pbkdf"], "pbkdf2-sha256");
  ASSERT_EQ(enc["chain"].size(), 2u);
  EXPECT_EQ(enc["chain"][0]["type"], "dm-linear");
  EXPECT_EQ(enc["chain"][1]["type"], "dm-crypt");
}

TEST(PathProbeFixture, UnreadableHeaderKeepsTheVersionFromDmUuid) {
  FakeRoot f;
  f.mountinfo("ext4", "/dev/mapper/cryptdata", "253:0");
  std::string dm0 = f.device("virtual/block/dm-0", "253:0");
  f.dm(dm0, "CRYPT-LUKS2-0123456789abcdef0123456789abcdef-cryptdata", "cryptdata");
  f.slave(dm0, f.disk_with_partition());  // no dev/sda2 in the fake root

  auto r = probe_path(f.data(), f.root());
  ASSERT_TRUE(r.ok) << r.error;
  const Json& enc = P(r)["encryption"];
  EXPECT_EQ(enc["at_rest"], true);
  EXPECT_EQ(enc["luks"]["version"], 2);
  EXPECT_TRUE(enc["luks"]["cipher"].is_null());
  ASSERT_TRUE(unknown_has(r, "path.encryption.luks.cipher"));
  EXPECT_NE(P(r)["unknown"].dump().find("cannot read"), std::string::npos) << P(r)["unknown"];
}

TEST(PathProbeFixture, PlainPartitionIsNotEncrypted) {
  FakeRoot f;
  f.mountinfo("ext4", "/dev/sda2", "8:2");
  f.disk_with_partition();
  auto r = probe_path(f.data(), f.root());
  ASSERT_TRUE(r.ok) << r.error;
  const Json& enc = P(r)["encryption"];
  EXPECT_EQ(enc["chain"].size(), 2u);
  EXPECT_EQ(enc["chain"][0]["type"], "partition");
  EXPECT_EQ(enc["chain"][1]["type"], "disk");
  // at_rest is false only when fscrypt is known to be absent too (the real TempDir's fs).
  if (enc["fscrypt"]["enabled"] == false) {
    EXPECT_EQ(enc["at_rest"], false);
    EXPECT_NE(enc["reason"].get<std::string>().find("sda"), std::string::npos);
  }
  EXPECT_FALSE(encryption_of(f.data(), f.root()).encrypted.value_or(false));
}

TEST(PathProbeFixture, LvmWithOneUnencryptedLegIsNotEncrypted) {
  FakeRoot f;
  f.mountinfo("ext4", "/dev/mapper/vg-data", "253:1");
  std::string lv = f.device("virtual/block/dm-1", "253:1");
  f.dm(lv, "LVM-aaaa", "vg-data");
  std::string crypt = f.device("virtual/block/dm-0", "253:0");
  f.dm(crypt, "CRYPT-PLAIN-pv", "pv_crypt");
  f.slave(lv, crypt);
  f.slave(lv, f.device("pci0000:00/block/sdb", "8:16"));
  auto r = probe_path(f.data(), f.root());
  ASSERT_TRUE(r.ok) << r.error;
  const Json& enc = P(r)["encryption"];
  EXPECT_EQ(enc["dm_crypt"], "PLAIN");
  EXPECT_TRUE(enc["luks"]["cipher"].is_null());
  if (enc["fscrypt"]["enabled"] == false) {
    EXPECT_EQ(enc["at_rest"], false) << enc.dump(2);
  }
}

struct NetCase {
  const char* type;
  const char* source;
  const char* protocol;
  std::vector<std::string> servers;
};

class PathProbeNetwork : public ::testing::TestWithParam<NetCase> {};

TEST_P(PathProbeNetwork, ServerHostAndUnknownEncryption) {
  const NetCase& c = GetParam();
  FakeRoot f;
  f.mountinfo(c.type, c.source, "0:55");
  auto r = probe_path(f.data(), f.root());
  ASSERT_TRUE(r.ok) << r.error;
  const Json& n = P(r)["network"];
  EXPECT_EQ(n["filesystem"], true);
  EXPECT_EQ(n["protocol"], c.protocol);
  EXPECT_EQ(n["servers"], Json(c.servers));
  if (c.servers.empty()) {
    EXPECT_TRUE(n["server"].is_null());
    EXPECT_TRUE(unknown_has(r, "path.network.server"));
  } else {
    EXPECT_EQ(n["server"], c.servers.front());
  }
  EXPECT_EQ(P(r)["mount"]["source"], c.source);
  EXPECT_TRUE(P(r)["encryption"]["at_rest"].is_null());
  EXPECT_TRUE(unknown_has(r, "path.encryption.at_rest"));
}

INSTANTIATE_TEST_SUITE_P(
    Mounts, PathProbeNetwork,
    ::testing::Values(
        NetCase{"nfs4", "nfs.example.fr:/export/data", "nfs", {"nfs.example.fr"}},
        NetCase{"nfs", "[2001:db8::5]:/srv", "nfs", {"2001:db8::5"}},
        NetCase{"cifs", "//files.example.de/share", "cifs", {"files.example.de"}},
        NetCase{"ceph", "10.0.0.1:6789,10.0.0.2:6789:/volumes", "ceph", {"10.0.0.1", "10.0.0.2"}},
        NetCase{"ceph", "admin@4a1b.cephfs=/", "ceph", {}},
        NetCase{"glusterfs", "gluster1.example.nl:/gv0", "glusterfs", {"gluster1.example.nl"}}));

TEST(PathProbeFixture, BadMountinfoNamesFileAndLine) {
  FakeRoot f;
  f.write("proc/self/mountinfo", "27 1 254:0 / / rw - ext4 /dev/vda rw\nthis is not mountinfo\n");
  auto r = probe_path(f.data(), f.root());
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("mountinfo:2:1:"), std::string::npos) << r.error;
  FakeRoot none;
  auto missing = probe_path(none.data(), none.root());
  EXPECT_FALSE(missing.ok);
  EXPECT_NE(missing.error.find("cannot read"), std::string::npos) << missing.error;
}

// ---------------------------------------------------------------------------------------------
// Parsers on their own.

TEST(Mountinfo, LongestPrefixStackedMountsAndEscapes) {
  auto m = parse_mountinfo(
      "1 0 8:1 / / rw - ext4 /dev/sda1 rw\n"
      "2 1 8:2 / /srv rw - ext4 /dev/sda2 rw\n"
      "3 1 8:3 / /srv/data\\040files ro,nosuid - xfs /dev/sda3 rw\n"
      "4 1 0:40 / /srv rw - tmpfs tmpfs rw\n",
      "mi");
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(find_mount(*m, "/srv/data files/x")->device, "8:3");
  EXPECT_EQ(find_mount(*m, "/srv/data files/x")->options[0], "ro");
  EXPECT_EQ(find_mount(*m, "/srv/datafiles")->fs_type, "tmpfs");  // later mount over /srv
  EXPECT_EQ(find_mount(*m, "/srvx")->point, "/");
  EXPECT_EQ(find_mount(*m, "/")->point, "/");
}

TEST(Luks, HeaderBuiltFromTheLuks1Specification) {
  // LUKS1 on-disk format 1.2.3: magic, version (BE), cipher-name[32], cipher-mode[32],
  // hash-spec[32], payload-offset, key-bytes, mk-digest[20], salt[32], iterations, uuid[40],
  // then 8 key slots of 48 bytes: 592 bytes in all.
  std::string h(592, '\0');
  h.replace(0, 6, std::string("LUKS\xba\xbe", 6));
  h[7] = 1;
  h.replace(8, 7, "serpent");
  h.replace(40, 11, "xts-plain64");
  h.replace(72, 6, "sha512");
  h[108 + 3] = 64;  // key-bytes = 64
  h.replace(168, 36, "11111111-2222-3333-4444-555555555555");
  auto l = parse_luks_header(h);
  ASSERT_TRUE(l) << l.error().message();
  EXPECT_EQ(l->version, 1);
  EXPECT_EQ(l->cipher, "serpent-xts-plain64");
  EXPECT_EQ(l->key_bits, 512);
  EXPECT_EQ(l->pbkdf, "pbkdf2-sha512");
}

TEST(Luks, MalformedHeadersAreErrorsNotCrashes) {
  EXPECT_FALSE(parse_luks_header(""));
  EXPECT_FALSE(parse_luks_header("not a luks header at all"));
  std::string v2(4096, '\0');
  v2.replace(0, 6, std::string("LUKS\xba\xbe", 6));
  v2[7] = 2;
  auto too_short = parse_luks_header(v2);  // hdr_size 0
  ASSERT_FALSE(too_short);
  EXPECT_NE(too_short.error().message().find("hdr_size"), std::string::npos);
  v2[14] = 0x40;  // hdr_size 16384, JSON area missing
  EXPECT_FALSE(parse_luks_header(v2));
  v2.resize(16384, '\0');
  v2.replace(4096, 9, "{\"bad\": ");
  EXPECT_FALSE(parse_luks_header(v2));
  v2.replace(4096, 30, "{\"segments\": {}, \"keyslots\":{}}");
  EXPECT_FALSE(parse_luks_header(v2));
  // Every truncation of a real-format header is handled.
  for (size_t n = 0; n < 600; n += 7) (void)parse_luks_header(std::string_view(v2).substr(0, n));
}

}  // namespace
}  // namespace sov::probes::storage
