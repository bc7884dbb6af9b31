// SPDX-License-Identifier: Apache-2.0
#include "probes/tls/revocation.h"

#include <ctime>

#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

namespace sov::probes::tls {

void CrlDeleter::operator()(X509_CRL* crl) const { X509_CRL_free(crl); }

namespace {

std::optional<TimePoint> to_time(const ASN1_TIME* t) {
  if (t == nullptr) return std::nullopt;
  std::tm tm{};
  if (ASN1_TIME_to_tm(t, &tm) != 1) {
    ERR_clear_error();
    return std::nullopt;
  }
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

std::string openssl_reason() {
  unsigned long e = ERR_peek_last_error();
  const char* r = e != 0 ? ERR_reason_error_string(e) : nullptr;
  std::string out = r != nullptr ? r : "unknown reason";
  ERR_clear_error();
  return out;
}

}  // namespace

CrlPtr parse_crl(std::string_view data, std::string* error) {
  X509_CRL* crl = nullptr;
  if (data.find("-----BEGIN X509 CRL") != std::string_view::npos) {
    BIO* bio = BIO_new_mem_buf(data.data(), static_cast<int>(data.size()));
    if (bio != nullptr) {
      crl = PEM_read_bio_X509_CRL(bio, nullptr, nullptr, nullptr);
      BIO_free(bio);
    }
  } else {
    const auto* p = reinterpret_cast<const unsigned char*>(data.data());
    crl = d2i_X509_CRL(nullptr, &p, static_cast<long>(data.size()));
  }
  if (crl == nullptr) {
    *error = "not a CRL (" + openssl_reason() + ")";
    return nullptr;
  }
  return CrlPtr(crl, CrlDeleter());
}

std::optional<TimePoint> crl_next_update(const X509_CRL* crl) {
  return to_time(X509_CRL_get0_nextUpdate(crl));
}

RevocationVerdict check_crl(const X509_CRL* crl, X509* leaf, X509* issuer, TimePoint now) {
  auto* c = const_cast<X509_CRL*>(crl);
  if (X509_NAME_cmp(X509_CRL_get_issuer(c), X509_get_subject_name(issuer)) != 0) {
    return {"unknown", "the CRL is not issued by the leaf's issuer"};
  }
  EVP_PKEY* key = X509_get0_pubkey(issuer);
  if (key == nullptr || X509_CRL_verify(c, key) != 1) {
    ERR_clear_error();
    return {"unknown", "the CRL signature does not verify with the issuer's key"};
  }
  auto next = crl_next_update(c);
  if (next && *next < now) return {"unknown", "the CRL is past its nextUpdate"};
  X509_REVOKED* rev = nullptr;
  int rc = X509_CRL_get0_by_serial(c, &rev, X509_get0_serialNumber(leaf));
  ERR_clear_error();
  if (rc == 1) return {"revoked", "listed in the CRL"};
  return {"good", ""};
}

RevocationVerdict check_ocsp_response(std::string_view der, X509* leaf, X509* issuer,
                                      STACK_OF(X509) * untrusted, X509_STORE* store) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  OCSP_RESPONSE* resp = d2i_OCSP_RESPONSE(nullptr, &p, static_cast<long>(der.size()));
  if (resp == nullptr) return {"unknown", "malformed OCSP response (" + openssl_reason() + ")"};
  RevocationVerdict out{"unknown", ""};
  OCSP_BASICRESP* basic = nullptr;
  OCSP_CERTID* id = nullptr;
  int rs = OCSP_response_status(resp);
  if (rs != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
    out.reason = std::string("OCSP responder status: ") + OCSP_response_status_str(rs);
  } else if ((basic = OCSP_response_get1_basic(resp)) == nullptr) {
    out.reason = "OCSP response without a basic response";
  } else if (OCSP_basic_verify(basic, untrusted, store, 0) != 1) {
    out.reason = "OCSP response signature does not verify (" + openssl_reason() + ")";
  } else if ((id = OCSP_cert_to_id(nullptr, leaf, issuer)) == nullptr) {
    out.reason = "cannot build the OCSP certificate id";
  } else {
    int status = 0, reason = 0;
    ASN1_GENERALIZEDTIME *rev = nullptr, *this_upd = nullptr, *next_upd = nullptr;
    if (OCSP_resp_find_status(basic, id, &status, &reason, &rev, &this_upd, &next_upd) != 1) {
      out.reason = "the OCSP response does not cover the leaf";
    } else if (OCSP_check_validity(this_upd, next_upd, 300, -1) != 1) {
      out.reason = "the OCSP response is outside its validity period";
    } else if (status == V_OCSP_CERTSTATUS_GOOD) {
      out = {"good", ""};
    } else if (status == V_OCSP_CERTSTATUS_REVOKED) {
      out = {"revoked", reason >= 0 ? OCSP_crl_reason_str(reason) : "revoked"};
    } else {
      out.reason = "the OCSP responder does not know the leaf";
    }
  }
  OCSP_CERTID_free(id);
  OCSP_BASICRESP_free(basic);
  OCSP_RESPONSE_free(resp);
  ERR_clear_error();
  return out;
}

std::string build_ocsp_request(X509* leaf, X509* issuer) {
  OCSP_REQUEST* req = OCSP_REQUEST_new();
  OCSP_CERTID* id = OCSP_cert_to_id(nullptr, leaf, issuer);
  std::string out;
  if (req != nullptr && id != nullptr && OCSP_request_add0_id(req, id) != nullptr) {
    id = nullptr;  // owned by req now
    int len = i2d_OCSP_REQUEST(req, nullptr);
    if (len > 0) {
      out.resize(static_cast<size_t>(len));
      auto* q = reinterpret_cast<unsigned char*>(out.data());
      i2d_OCSP_REQUEST(req, &q);
    }
  }
  OCSP_CERTID_free(id);
  OCSP_REQUEST_free(req);
  ERR_clear_error();
  return out;
}

}  // namespace sov::probes::tls
