// SPDX-License-Identifier: Apache-2.0
// Fuzz target for what the path probe reads from outside: a LUKS header (the first bytes of a
// block device, which whoever supplied the disk controls), mountinfo text and a network mount's
// source. The first byte selects the parser; none may crash, hang or throw.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "probes/storage/internal.h"

// NOLINTNEXTLINE(readability-identifier-naming): the name libFuzzer calls.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);
  using namespace sov::probes::storage;
  switch (data[0] % 3) {
    case 0: {
      auto h = parse_luks_header(in);
      if (h) (void)h->cipher.size();
      break;
    }
    case 1: {
      auto m = parse_mountinfo(in, "mountinfo");
      if (m) (void)find_mount(*m, "/srv/data/x");
      break;
    }
    default:
      for (const char* p : {"nfs", "cifs", "ceph", "glusterfs", "sshfs", "9p"})
        (void)network_servers(p, in);
  }
  return 0;
}
