// SPDX-License-Identifier: Apache-2.0
#pragma once
// SoftHsmToken: a private SoftHSM2 token for one test. Writes a softhsm2.conf whose token
// directory lives in a TempDir, points SOFTHSM2_CONF at it (process-wide: tests using it run one
// at a time, as gtest runs them), initialises a token with softhsm2-util and creates keys through
// the PKCS#11 API so that their attributes are exactly the ones a test asks for. The module is
// finalised before the constructor returns, so the code under test initialises it afresh.
//
// Keys created by the constructor (labels):
// - "sealed-aes": AES-256 generated on the token, sensitive, not extractable (local).
// - "sealed-rsa": RSA-3072 key pair generated on the token, private key sensitive and not
//   extractable; CKA_ID 5ea1 on both halves.
// - "sealed-ec": EC P-256 key pair generated on the token, private key sensitive, not
//   extractable.
// - "exportable-aes": AES-256 generated on the token, extractable and not sensitive.
// - "imported-aes": AES-256 imported with C_CreateObject (CKA_LOCAL false), sensitive,
//   extractable false.
// Failures throw std::runtime_error (test set-up, never production code).

#include <string>

#include "tests/support/temp_dir.h"

namespace sov::testing {

class SoftHsmToken {
 public:
  /// Creates the token `label` with user PIN `pin` (SO PIN "so-" + pin) and the keys above.
  explicit SoftHsmToken(std::string label = "sov-test", std::string pin = "1234-user");
  ~SoftHsmToken();
  SoftHsmToken(const SoftHsmToken&) = delete;
  SoftHsmToken& operator=(const SoftHsmToken&) = delete;

  const std::string& label() const { return label_; }
  const std::string& pin() const { return pin_; }
  /// The SoftHSM2 PKCS#11 module of the Debian package.
  static std::string module_path();
  /// A file holding the user PIN (mode 0600).
  const std::string& pin_file() const { return pin_file_; }
  const std::string& conf_path() const { return conf_; }
  const TempDir& dir() const { return dir_; }

 private:
  TempDir dir_;
  std::string label_;
  std::string pin_;
  std::string conf_;
  std::string pin_file_;
  std::string previous_conf_;
  bool had_previous_conf_ = false;
};

}  // namespace sov::testing
