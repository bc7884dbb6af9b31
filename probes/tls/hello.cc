// SPDX-License-Identifier: Apache-2.0
#include "probes/tls/hello.h"

#include <array>
#include <cstdio>

namespace sov::probes::tls {

namespace {

void put8(std::string& s, unsigned v) { s.push_back(static_cast<char>(v & 0xff)); }
void put16(std::string& s, unsigned v) {
  put8(s, v >> 8);
  put8(s, v);
}
void put24(std::string& s, unsigned v) {
  put8(s, v >> 16);
  put16(s, v);
}

// A length-prefixed block: writes `body` after its 16-bit length.
void block16(std::string& s, const std::string& body) {
  put16(s, static_cast<unsigned>(body.size()));
  s += body;
}

void extension(std::string& s, unsigned type, const std::string& body) {
  put16(s, type);
  block16(s, body);
}

unsigned u8(std::string_view d, size_t i) { return static_cast<unsigned char>(d[i]); }
unsigned u16(std::string_view d, size_t i) { return (u8(d, i) << 8) | u8(d, i + 1); }

}  // namespace

const std::vector<SuiteInfo>& weak_suites() {
  using W = Weakness;
  static const std::vector<SuiteInfo> kSuites = {
      // EXPORT
      {0x0003, "TLS_RSA_EXPORT_WITH_RC4_40_MD5", W::kExport},
      {0x0006, "TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5", W::kExport},
      {0x0008, "TLS_RSA_EXPORT_WITH_DES40_CBC_SHA", W::kExport},
      {0x000B, "TLS_DH_DSS_EXPORT_WITH_DES40_CBC_SHA", W::kExport},
      {0x000E, "TLS_DH_RSA_EXPORT_WITH_DES40_CBC_SHA", W::kExport},
      {0x0011, "TLS_DHE_DSS_EXPORT_WITH_DES40_CBC_SHA", W::kExport},
      {0x0014, "TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA", W::kExport},
      {0x0017, "TLS_DH_anon_EXPORT_WITH_RC4_40_MD5", W::kExport},
      {0x0019, "TLS_DH_anon_EXPORT_WITH_DES40_CBC_SHA", W::kExport},
      {0x0062, "TLS_RSA_EXPORT1024_WITH_DES_CBC_SHA", W::kExport},
      {0x0064, "TLS_RSA_EXPORT1024_WITH_RC4_56_SHA", W::kExport},
      // NULL encryption
      {0x0001, "TLS_RSA_WITH_NULL_MD5", W::kNull},
      {0x0002, "TLS_RSA_WITH_NULL_SHA", W::kNull},
      {0x003B, "TLS_RSA_WITH_NULL_SHA256", W::kNull},
      {0xC006, "TLS_ECDHE_ECDSA_WITH_NULL_SHA", W::kNull},
      {0xC010, "TLS_ECDHE_RSA_WITH_NULL_SHA", W::kNull},
      // Anonymous key exchange
      {0x0018, "TLS_DH_anon_WITH_RC4_128_MD5", W::kAnonymous},
      {0x001B, "TLS_DH_anon_WITH_3DES_EDE_CBC_SHA", W::kAnonymous},
      {0x0034, "TLS_DH_anon_WITH_AES_128_CBC_SHA", W::kAnonymous},
      {0x003A, "TLS_DH_anon_WITH_AES_256_CBC_SHA", W::kAnonymous},
      {0x00A6, "TLS_DH_anon_WITH_AES_128_GCM_SHA256", W::kAnonymous},
      {0x00A7, "TLS_DH_anon_WITH_AES_256_GCM_SHA384", W::kAnonymous},
      {0xC018, "TLS_ECDH_anon_WITH_AES_128_CBC_SHA", W::kAnonymous},
      {0xC019, "TLS_ECDH_anon_WITH_AES_256_CBC_SHA", W::kAnonymous},
      // RC4
      {0x0004, "TLS_RSA_WITH_RC4_128_MD5", W::kRc4},
      {0x0005, "TLS_RSA_WITH_RC4_128_SHA", W::kRc4},
      {0xC007, "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA", W::kRc4},
      {0xC011, "TLS_ECDHE_RSA_WITH_RC4_128_SHA", W::kRc4},
      // 3DES
      {0x000A, "TLS_RSA_WITH_3DES_EDE_CBC_SHA", W::kTripleDes},
      {0x0013, "TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA", W::kTripleDes},
      {0x0016, "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA", W::kTripleDes},
      {0xC008, "TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA", W::kTripleDes},
      {0xC012, "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA", W::kTripleDes},
      // Static RSA key exchange (no forward secrecy)
      {0x002F, "TLS_RSA_WITH_AES_128_CBC_SHA", W::kStaticRsa},
      {0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA", W::kStaticRsa},
      {0x003C, "TLS_RSA_WITH_AES_128_CBC_SHA256", W::kStaticRsa},
      {0x003D, "TLS_RSA_WITH_AES_256_CBC_SHA256", W::kStaticRsa},
      {0x0041, "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA", W::kStaticRsa},
      {0x0084, "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA", W::kStaticRsa},
      {0x009C, "TLS_RSA_WITH_AES_128_GCM_SHA256", W::kStaticRsa},
      {0x009D, "TLS_RSA_WITH_AES_256_GCM_SHA384", W::kStaticRsa},
      {0xC09C, "TLS_RSA_WITH_AES_128_CCM", W::kStaticRsa},
      {0xC09D, "TLS_RSA_WITH_AES_256_CCM", W::kStaticRsa},
      {0xC050, "TLS_RSA_WITH_ARIA_128_GCM_SHA256", W::kStaticRsa},
      {0xC051, "TLS_RSA_WITH_ARIA_256_GCM_SHA384", W::kStaticRsa},
      // CBC mode with forward secrecy
      {0xC009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", W::kCbc},
      {0xC00A, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", W::kCbc},
      {0xC013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", W::kCbc},
      {0xC014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", W::kCbc},
      {0xC023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", W::kCbc},
      {0xC024, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384", W::kCbc},
      {0xC027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", W::kCbc},
      {0xC028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", W::kCbc},
      {0x0033, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA", W::kCbc},
      {0x0039, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA", W::kCbc},
      {0x0067, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256", W::kCbc},
      {0x006B, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256", W::kCbc},
      {0x0045, "TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA", W::kCbc},
      {0x0088, "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA", W::kCbc},
      {0xC072, "TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_CBC_SHA256", W::kCbc},
      {0xC076, "TLS_ECDHE_RSA_WITH_CAMELLIA_128_CBC_SHA256", W::kCbc},
  };
  return kSuites;
}

std::string weak_suite_name(uint16_t id) {
  for (const auto& s : weak_suites()) {
    if (s.id == id) return s.name;
  }
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%04X", id);
  return buf;
}

const std::vector<uint16_t>& common_suites() {
  static const std::vector<uint16_t> kSuites = {
      0xC02F, 0xC030,  // ECDHE-RSA AES-128/256-GCM
      0xC02B, 0xC02C,  // ECDHE-ECDSA AES-128/256-GCM
      0xCCA8, 0xCCA9,  // ECDHE-RSA/ECDSA CHACHA20-POLY1305
      0x009E, 0x009F,  // DHE-RSA AES-128/256-GCM
  };
  return kSuites;
}

std::string build_client_hello(const std::vector<uint16_t>& suites, std::string_view sni,
                               bool offer_deflate) {
  std::string body;
  put16(body, 0x0303);  // client_version TLS 1.2
  // The random need not be unpredictable: this handshake is abandoned after the ServerHello.
  for (int i = 0; i < 32; ++i) put8(body, 0x5a ^ (i * 7));
  put8(body, 0);  // no session id
  std::string cs;
  for (uint16_t s : suites) put16(cs, s);
  put16(cs, 0x00FF);  // TLS_EMPTY_RENEGOTIATION_INFO_SCSV
  block16(body, cs);
  if (offer_deflate) {
    put8(body, 2);  // compression methods: DEFLATE, null
    put8(body, 1);
  } else {
    put8(body, 1);  // compression methods: null only
  }
  put8(body, 0);

  std::string ext;
  if (!sni.empty() && sni.size() < 256) {
    std::string list;
    put8(list, 0);  // host_name
    block16(list, std::string(sni));
    std::string server_name;
    block16(server_name, list);
    extension(ext, 0x0000, server_name);
  }
  {
    std::string groups;
    for (unsigned g : {0x001d, 0x0017, 0x0018, 0x0019, 0x001e, 0x0100, 0x0101}) put16(groups, g);
    std::string body_groups;
    block16(body_groups, groups);
    extension(ext, 0x000a, body_groups);  // supported_groups
  }
  extension(ext, 0x000b, std::string("\x01\x00", 2));  // ec_point_formats: uncompressed
  {
    std::string algs;
    for (unsigned a : {0x0403, 0x0503, 0x0603, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601,
                       0x0203, 0x0201, 0x0202, 0x0402, 0x0502, 0x0602}) {
      put16(algs, a);
    }
    std::string body_algs;
    block16(body_algs, algs);
    extension(ext, 0x000d, body_algs);  // signature_algorithms
  }
  block16(body, ext);

  std::string handshake;
  put8(handshake, 1);  // client_hello
  put24(handshake, static_cast<unsigned>(body.size()));
  handshake += body;

  std::string record;
  put8(record, 22);       // handshake
  put16(record, 0x0301);  // record version TLS 1.0, as most clients send
  block16(record, handshake);
  return record;
}

ServerHelloReading read_server_hello(std::string_view data) {
  using State = ServerHelloReading::State;
  ServerHelloReading r;
  if (data.size() > kMaxServerHelloBytes) data = data.substr(0, kMaxServerHelloBytes);
  std::string hs;  // reassembled handshake bytes
  size_t pos = 0;
  while (pos + 5 <= data.size()) {
    unsigned type = u8(data, pos);
    unsigned major = u8(data, pos + 1);
    size_t len = u16(data, pos + 3);
    if ((type < 20 || type > 23) || major != 3) {
      r.state = pos == 0 ? State::kNotTls : State::kMalformed;
      r.error = pos == 0 ? "the answer is not a TLS record" : "a record that is not TLS";
      return r;
    }
    if (len > 16384 + 2048) {
      r.state = State::kMalformed;
      r.error = "record longer than TLS allows";
      return r;
    }
    if (pos + 5 + len > data.size()) break;  // wait for the whole record
    std::string_view payload = data.substr(pos + 5, len);
    pos += 5 + len;
    if (type == 21) {
      if (len < 2) {
        r.state = State::kMalformed;
        r.error = "truncated alert";
        return r;
      }
      r.state = State::kAlert;
      r.alert = static_cast<uint8_t>(u8(payload, 1));
      return r;
    }
    if (type != 22) {
      r.state = State::kMalformed;
      r.error = "record of type " + std::to_string(type) + " before the ServerHello";
      return r;
    }
    hs.append(payload);
    if (hs.size() < 4) continue;
    if (u8(hs, 0) != 2) {
      r.state = State::kMalformed;
      r.error =
          "first handshake message is of type " + std::to_string(u8(hs, 0)) + ", not ServerHello";
      return r;
    }
    size_t msg_len = (u8(hs, 1) << 16) | u16(hs, 2);
    // version(2) random(32) session_id_len(1) ... suite(2) compression(1)
    if (msg_len < 38) {
      r.state = State::kMalformed;
      r.error = "ServerHello too short";
      return r;
    }
    if (hs.size() < 4 + 35) continue;
    size_t sid_len = u8(hs, 4 + 34);
    if (sid_len > 32 || msg_len < 35 + sid_len + 3) {
      r.state = State::kMalformed;
      r.error = "ServerHello with a bad session id length";
      return r;
    }
    size_t suite_at = 4 + 35 + sid_len;
    if (hs.size() < suite_at + 3) continue;
    r.state = State::kServerHello;
    r.version = static_cast<uint16_t>(u16(hs, 4));
    r.suite = static_cast<uint16_t>(u16(hs, suite_at));
    r.compression = static_cast<uint8_t>(u8(hs, suite_at + 2));
    return r;
  }
  if (pos == 0 && !data.empty()) {
    // Not even a record header yet: say "not TLS" early when the first byte rules TLS out.
    unsigned type = u8(data, 0);
    if (type < 20 || type > 23 || (data.size() >= 2 && u8(data, 1) != 3)) {
      r.state = State::kNotTls;
      r.error = "the answer is not a TLS record";
      return r;
    }
  }
  if (data.size() >= kMaxServerHelloBytes) {
    r.state = State::kMalformed;
    r.error = "no ServerHello in the first " + std::to_string(kMaxServerHelloBytes) + " bytes";
  }
  return r;
}

}  // namespace sov::probes::tls
