// SPDX-License-Identifier: Apache-2.0
#include "tests/support/softhsm.h"

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include <dlfcn.h>
#include <p11-kit/pkcs11.h>
#include <sys/stat.h>

namespace sov::testing {

namespace {

void check(CK_RV rv, const char* what) {
  if (rv != CKR_OK) {
    throw std::runtime_error(std::string("SoftHsmToken: ") + what + " failed: rv " +
                             std::to_string(rv));
  }
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

CK_FUNCTION_LIST_PTR load_module() {
  void* h = ::dlopen(SoftHsmToken::module_path().c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
  if (h == nullptr) throw std::runtime_error("SoftHsmToken: cannot dlopen the SoftHSM2 module");
  auto get = reinterpret_cast<CK_C_GetFunctionList>(::dlsym(h, "C_GetFunctionList"));
  if (get == nullptr) throw std::runtime_error("SoftHsmToken: no C_GetFunctionList");
  CK_FUNCTION_LIST_PTR fn = nullptr;
  check(get(&fn), "C_GetFunctionList");
  return fn;
}

void create_keys(CK_FUNCTION_LIST_PTR fn, CK_SESSION_HANDLE s) {
  CK_BBOOL yes = CK_TRUE;
  CK_BBOOL no = CK_FALSE;
  CK_ULONG aes_len = 32;

  auto aes = [&](const std::string& label, bool extractable) {
    CK_MECHANISM mech{CKM_AES_KEY_GEN, nullptr, 0};
    CK_BBOOL ext = extractable ? CK_TRUE : CK_FALSE;
    CK_BBOOL sens = extractable ? CK_FALSE : CK_TRUE;
    std::vector<CK_ATTRIBUTE> t = {
        {CKA_TOKEN, &yes, sizeof yes},
        {CKA_PRIVATE, &yes, sizeof yes},
        {CKA_LABEL, const_cast<char*>(label.data()), label.size()},
        {CKA_VALUE_LEN, &aes_len, sizeof aes_len},
        {CKA_EXTRACTABLE, &ext, sizeof ext},
        {CKA_SENSITIVE, &sens, sizeof sens},
        {CKA_ENCRYPT, &yes, sizeof yes},
    };
    CK_OBJECT_HANDLE k = 0;
    check(fn->C_GenerateKey(s, &mech, t.data(), t.size(), &k), "C_GenerateKey");
  };
  aes("sealed-aes", false);
  aes("exportable-aes", true);

  {
    std::string label = "sealed-rsa";
    CK_BYTE id[] = {0x5e, 0xa1};
    CK_MECHANISM mech{CKM_RSA_PKCS_KEY_PAIR_GEN, nullptr, 0};
    CK_ULONG bits = 3072;
    CK_BYTE exponent[] = {0x01, 0x00, 0x01};
    std::vector<CK_ATTRIBUTE> pub = {
        {CKA_TOKEN, &yes, sizeof yes},          {CKA_LABEL, label.data(), label.size()},
        {CKA_MODULUS_BITS, &bits, sizeof bits}, {CKA_PUBLIC_EXPONENT, exponent, sizeof exponent},
        {CKA_VERIFY, &yes, sizeof yes},         {CKA_ID, id, sizeof id},
    };
    std::vector<CK_ATTRIBUTE> priv = {
        {CKA_TOKEN, &yes, sizeof yes},
        {CKA_PRIVATE, &yes, sizeof yes},
        {CKA_LABEL, label.data(), label.size()},
        {CKA_SENSITIVE, &yes, sizeof yes},
        {CKA_EXTRACTABLE, &no, sizeof no},
        {CKA_SIGN, &yes, sizeof yes},
        {CKA_ID, id, sizeof id},
    };
    CK_OBJECT_HANDLE a = 0, b = 0;
    check(fn->C_GenerateKeyPair(s, &mech, pub.data(), pub.size(), priv.data(), priv.size(), &a, &b),
          "C_GenerateKeyPair RSA");
  }
  {
    std::string label = "sealed-ec";
    CK_MECHANISM mech{CKM_EC_KEY_PAIR_GEN, nullptr, 0};
    // DER OID 1.2.840.10045.3.1.7 (prime256v1).
    CK_BYTE p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
    std::vector<CK_ATTRIBUTE> pub = {
        {CKA_TOKEN, &yes, sizeof yes},
        {CKA_LABEL, label.data(), label.size()},
        {CKA_EC_PARAMS, p256, sizeof p256},
        {CKA_VERIFY, &yes, sizeof yes},
    };
    std::vector<CK_ATTRIBUTE> priv = {
        {CKA_TOKEN, &yes, sizeof yes},           {CKA_PRIVATE, &yes, sizeof yes},
        {CKA_LABEL, label.data(), label.size()}, {CKA_SENSITIVE, &yes, sizeof yes},
        {CKA_EXTRACTABLE, &no, sizeof no},       {CKA_SIGN, &yes, sizeof yes},
    };
    CK_OBJECT_HANDLE a = 0, b = 0;
    check(fn->C_GenerateKeyPair(s, &mech, pub.data(), pub.size(), priv.data(), priv.size(), &a, &b),
          "C_GenerateKeyPair EC");
  }
  {
    std::string label = "imported-aes";
    CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
    CK_KEY_TYPE kt = CKK_AES;
    std::vector<CK_BYTE> value(32, 0x5a);
    std::vector<CK_ATTRIBUTE> t = {
        {CKA_CLASS, &cls, sizeof cls},           {CKA_KEY_TYPE, &kt, sizeof kt},
        {CKA_TOKEN, &yes, sizeof yes},           {CKA_PRIVATE, &yes, sizeof yes},
        {CKA_LABEL, label.data(), label.size()}, {CKA_VALUE, value.data(), value.size()},
        {CKA_SENSITIVE, &yes, sizeof yes},       {CKA_EXTRACTABLE, &no, sizeof no},
        {CKA_ENCRYPT, &yes, sizeof yes},
    };
    CK_OBJECT_HANDLE k = 0;
    check(fn->C_CreateObject(s, t.data(), t.size(), &k), "C_CreateObject");
  }
}

}  // namespace

std::string SoftHsmToken::module_path() {
  for (const char* p :
       {"/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
        "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so"}) {
    if (std::filesystem::exists(p)) return p;
  }
  return "/usr/lib/softhsm/libsofthsm2.so";
}

SoftHsmToken::SoftHsmToken(std::string label, std::string pin)
    : label_(std::move(label)), pin_(std::move(pin)) {
  std::string tokens = dir_.file("tokens");
  std::filesystem::create_directories(tokens);
  conf_ = dir_.write("softhsm2.conf", "directories.tokendir = " + tokens +
                                          "\nobjectstore.backend = file\nlog.level = ERROR\n"
                                          "slots.removable = false\n");
  pin_file_ = dir_.write("user.pin", pin_ + "\n");
  ::chmod(pin_file_.c_str(), 0600);
  if (const char* prev = std::getenv("SOFTHSM2_CONF")) {
    had_previous_conf_ = true;
    previous_conf_ = prev;
  }
  ::setenv("SOFTHSM2_CONF", conf_.c_str(), 1);

  std::string cmd = "softhsm2-util --init-token --free --label " + shell_quote(label_) +
                    " --so-pin " + shell_quote("so-" + pin_) + " --pin " + shell_quote(pin_) +
                    " >/dev/null 2>&1";
  if (std::system(cmd.c_str()) != 0) {
    throw std::runtime_error("SoftHsmToken: softhsm2-util --init-token failed");
  }

  CK_FUNCTION_LIST_PTR fn = load_module();
  check(fn->C_Initialize(nullptr), "C_Initialize");
  CK_ULONG n = 0;
  check(fn->C_GetSlotList(CK_TRUE, nullptr, &n), "C_GetSlotList");
  std::vector<CK_SLOT_ID> slots(n);
  check(fn->C_GetSlotList(CK_TRUE, slots.data(), &n), "C_GetSlotList");
  CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
  bool found = false;
  for (CK_ULONG i = 0; i < n && !found; ++i) {
    CK_TOKEN_INFO ti{};
    if (fn->C_GetTokenInfo(slots[i], &ti) != CKR_OK) continue;
    std::string l(reinterpret_cast<const char*>(ti.label), sizeof ti.label);
    while (!l.empty() && l.back() == ' ') l.pop_back();
    if (l != label_) continue;
    found = true;
    check(fn->C_OpenSession(slots[i], CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &s),
          "C_OpenSession");
  }
  if (!found) {
    fn->C_Finalize(nullptr);
    throw std::runtime_error("SoftHsmToken: the new token is not visible");
  }
  try {
    check(fn->C_Login(s, CKU_USER, reinterpret_cast<CK_UTF8CHAR_PTR>(pin_.data()), pin_.size()),
          "C_Login");
    create_keys(fn, s);
  } catch (...) {
    fn->C_CloseSession(s);
    fn->C_Finalize(nullptr);
    throw;
  }
  fn->C_Logout(s);
  fn->C_CloseSession(s);
  fn->C_Finalize(nullptr);
}

SoftHsmToken::~SoftHsmToken() {
  if (had_previous_conf_) {
    ::setenv("SOFTHSM2_CONF", previous_conf_.c_str(), 1);
  } else {
    ::unsetenv("SOFTHSM2_CONF");
  }
}

}  // namespace sov::testing
