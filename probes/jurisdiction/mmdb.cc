// SPDX-License-Identifier: Apache-2.0
// The optional MaxMind-format address database, through libmaxminddb when the build found it.
#include "probes/jurisdiction/resolver.h"

#if SOV_HAVE_MAXMINDDB
#include <cstring>

#include <maxminddb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#endif

namespace sov::probes::jurisdiction {

#if SOV_HAVE_MAXMINDDB
namespace {

class MaxMindDatabase final : public AddressDatabase {
 public:
  explicit MaxMindDatabase(std::string path) : path_(std::move(path)) {}
  ~MaxMindDatabase() override {
    if (open_) MMDB_close(&db_);
  }
  MaxMindDatabase(const MaxMindDatabase&) = delete;
  MaxMindDatabase& operator=(const MaxMindDatabase&) = delete;

  Result<bool> open() {
    int rc = MMDB_open(path_.c_str(), MMDB_MODE_MMAP, &db_);
    if (rc != MMDB_SUCCESS) {
      return fail(ErrorCode::kInvalidInput, path_ + ": " + MMDB_strerror(rc));
    }
    open_ = true;
    return true;
  }

  std::optional<Answer> lookup(const IpAddress& ip) const override {
    sockaddr_storage ss{};
    if (!ip.v6) {
      auto* a = reinterpret_cast<sockaddr_in*>(&ss);
      a->sin_family = AF_INET;
      a->sin_addr.s_addr = htonl(static_cast<uint32_t>(ip.lo));
    } else {
      auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
      a->sin6_family = AF_INET6;
      for (int i = 0; i < 8; ++i) {
        a->sin6_addr.s6_addr[i] = static_cast<uint8_t>(ip.hi >> (56 - 8 * i));
        a->sin6_addr.s6_addr[8 + i] = static_cast<uint8_t>(ip.lo >> (56 - 8 * i));
      }
    }
    int err = 0;
    MMDB_lookup_result_s r =
        MMDB_lookup_sockaddr(const_cast<MMDB_s*>(&db_), reinterpret_cast<sockaddr*>(&ss), &err);
    if (err != MMDB_SUCCESS || !r.found_entry) return std::nullopt;
    Answer ans;
    MMDB_entry_data_s d{};
    if (MMDB_get_value(&r.entry, &d, "country", "iso_code", nullptr) == MMDB_SUCCESS &&
        d.has_data && d.type == MMDB_DATA_TYPE_UTF8_STRING)
      ans.country.assign(d.utf8_string, d.data_size);
    if (MMDB_get_value(&r.entry, &d, "autonomous_system_number", nullptr) == MMDB_SUCCESS &&
        d.has_data && d.type == MMDB_DATA_TYPE_UINT32)
      ans.asn = d.uint32;
    if (MMDB_get_value(&r.entry, &d, "autonomous_system_organization", nullptr) == MMDB_SUCCESS &&
        d.has_data && d.type == MMDB_DATA_TYPE_UTF8_STRING)
      ans.as_org.assign(d.utf8_string, d.data_size);
    return ans;
  }

  std::string name() const override { return "maxmind " + path_; }

 private:
  std::string path_;
  MMDB_s db_{};
  bool open_ = false;
};

}  // namespace

Result<std::shared_ptr<const AddressDatabase>> open_maxmind(const std::string& path) {
  auto db = std::make_shared<MaxMindDatabase>(path);
  auto ok = db->open();
  if (!ok) return ok.error();
  return std::shared_ptr<const AddressDatabase>(std::move(db));
}

#else

Result<std::shared_ptr<const AddressDatabase>> open_maxmind(const std::string& path) {
  return fail(ErrorCode::kUnsupported,
              path + ": this build has no libmaxminddb (install libmaxminddb-dev and rebuild)");
}

#endif

}  // namespace sov::probes::jurisdiction
