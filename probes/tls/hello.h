// SPDX-License-Identifier: Apache-2.0
#pragma once
// A hand-built TLS 1.2 ClientHello and a bounded ServerHello reader: how the probe tests cipher
// suites this OpenSSL cannot offer (3DES, RC4, EXPORT), as sslscan and testssl.sh do, and the
// other weak suites in the same round trips. Internal to probes/tls; the parser is the surface
// of the tls_hello fuzz target. Pure functions, no I/O.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sov::probes::tls {

/// Why a suite is weak (ANSSI TLS guide, LAW.md §5 TLS-CIPH/TLS-MODE/TLS-KEX).
enum class Weakness { kExport, kNull, kAnonymous, kRc4, kTripleDes, kStaticRsa, kCbc };

struct SuiteInfo {
  uint16_t id;
  const char* name;  // IANA name, as in tls.cipher
  Weakness weakness;
};

/// Every weak suite the probe offers in its hand-built hellos.
const std::vector<SuiteInfo>& weak_suites();
/// The IANA name of a weak suite, or "0xNNNN" for one not in weak_suites().
std::string weak_suite_name(uint16_t id);

/// Largest answer read while looking for the ServerHello.
inline constexpr size_t kMaxServerHelloBytes = 32 * 1024;

/// A TLS record carrying a ClientHello (legacy version TLS 1.2, no supported_versions, so the
/// server answers with at most TLS 1.2) offering `suites` in order, with server_name (when `sni`
/// is non-empty), supported_groups, ec_point_formats, signature_algorithms (SHA-1 included) and
/// renegotiation_info. Requires: 1 to 1000 suites. With `offer_deflate`, the compression methods
/// are DEFLATE then null (RFC 3749), to see whether the server compresses (ANSSI TLS-COMP).
std::string build_client_hello(const std::vector<uint16_t>& suites, std::string_view sni,
                               bool offer_deflate = false);

/// TLS 1.2 suites nearly every TLS 1.2 server accepts (ECDHE with AES-GCM or ChaCha20, RSA and
/// ECDSA), offered with the weak ones when only the ServerHello's other fields matter.
const std::vector<uint16_t>& common_suites();

struct ServerHelloReading {
  enum class State {
    kNeedMore,     // no verdict yet: read more (up to kMaxServerHelloBytes)
    kServerHello,  // `version`, `suite` and `compression` are set
    kAlert,        // the server refused: `alert` is the description
    kNotTls,       // the bytes are not a TLS record
    kMalformed,    // TLS records, but not a well-formed ServerHello
  };
  State state = State::kNeedMore;
  uint16_t version = 0;
  uint16_t suite = 0;
  uint8_t compression = 0;  // 0 null, 1 DEFLATE (RFC 3749)
  uint8_t alert = 0;
  std::string error;  // for kNotTls and kMalformed
};

/// Reads the server's first flight up to the ServerHello's cipher suite. Looks at no more than
/// kMaxServerHelloBytes; handshake messages split over several records are reassembled.
ServerHelloReading read_server_hello(std::string_view data);

}  // namespace sov::probes::tls
