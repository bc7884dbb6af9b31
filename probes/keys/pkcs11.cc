// SPDX-License-Identifier: Apache-2.0
// The PKCS#11 probe: one run = dlopen (cached), C_Initialize, find the token, log in, read key
// attributes, C_Finalize. Every call happens on the worker thread of run_off_loop.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <dlfcn.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/objects.h>
#include <p11-kit/pkcs11.h>
#include <unistd.h>

#include "probes/keys/internal.h"
#include "probes/keys/keys_probe.h"

namespace sov::probes::keys {

using model::Json;

namespace {

// Longest PIN file read; a PIN is short.
constexpr size_t kMaxPinBytes = 256;
// Most keys read from one token.
constexpr CK_ULONG kMaxKeys = 256;

// The PKCS#11 return value names an operator can look up.
std::string rv_name(CK_RV rv) {
  switch (rv) {
    case CKR_OK:
      return "CKR_OK";
    case CKR_PIN_INCORRECT:
      return "CKR_PIN_INCORRECT";
    case CKR_PIN_LOCKED:
      return "CKR_PIN_LOCKED";
    case CKR_PIN_EXPIRED:
      return "CKR_PIN_EXPIRED";
    case CKR_PIN_LEN_RANGE:
      return "CKR_PIN_LEN_RANGE";
    case CKR_USER_PIN_NOT_INITIALIZED:
      return "CKR_USER_PIN_NOT_INITIALIZED";
    case CKR_USER_ALREADY_LOGGED_IN:
      return "CKR_USER_ALREADY_LOGGED_IN";
    case CKR_TOKEN_NOT_PRESENT:
      return "CKR_TOKEN_NOT_PRESENT";
    case CKR_TOKEN_NOT_RECOGNIZED:
      return "CKR_TOKEN_NOT_RECOGNIZED";
    case CKR_DEVICE_ERROR:
      return "CKR_DEVICE_ERROR";
    case CKR_DEVICE_REMOVED:
      return "CKR_DEVICE_REMOVED";
    case CKR_GENERAL_ERROR:
      return "CKR_GENERAL_ERROR";
    case CKR_FUNCTION_FAILED:
      return "CKR_FUNCTION_FAILED";
    case CKR_ARGUMENTS_BAD:
      return "CKR_ARGUMENTS_BAD";
    case CKR_SESSION_COUNT:
      return "CKR_SESSION_COUNT";
    case CKR_CRYPTOKI_NOT_INITIALIZED:
      return "CKR_CRYPTOKI_NOT_INITIALIZED";
    case CKR_CRYPTOKI_ALREADY_INITIALIZED:
      return "CKR_CRYPTOKI_ALREADY_INITIALIZED";
    case CKR_ATTRIBUTE_SENSITIVE:
      return "CKR_ATTRIBUTE_SENSITIVE";
    case CKR_ATTRIBUTE_TYPE_INVALID:
      return "CKR_ATTRIBUTE_TYPE_INVALID";
    case CKR_HOST_MEMORY:
      return "CKR_HOST_MEMORY";
    default: {
      char buf[32];
      std::snprintf(buf, sizeof buf, "CKR 0x%08lx", static_cast<unsigned long>(rv));
      return buf;
    }
  }
}

// A fixed-width, blank-padded PKCS#11 string.
std::string padded(const unsigned char* p, size_t n) {
  std::string s(reinterpret_cast<const char*>(p), n);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.pop_back();
  return s;
}

// The PIN, wiped when it goes away.
class Pin {
 public:
  Pin() = default;
  ~Pin() { OPENSSL_cleanse(value_.data(), value_.size()); }
  Pin(const Pin&) = delete;
  Pin& operator=(const Pin&) = delete;
  std::string& value() { return value_; }

 private:
  std::string value_;
};

// Reads the PIN from a file or an environment variable. Errors name the source, never the PIN.
std::optional<std::string> read_pin(const Json& spec, Pin* pin) {
  auto pin_file = spec.value("pin_file", std::string());
  auto pin_env = spec.value("pin_env", std::string());
  if (!pin_file.empty() && !pin_env.empty()) return "spec: pin_file and pin_env are exclusive";
  if (!pin_file.empty()) {
    int fd = ::open(pin_file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return "cannot read pin_file " + pin_file + ": " + std::strerror(errno);
    std::string& v = pin->value();
    v.resize(kMaxPinBytes + 1);
    size_t got = 0;
    while (got < v.size()) {
      ssize_t n = ::read(fd, v.data() + got, v.size() - got);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      got += static_cast<size_t>(n);
    }
    ::close(fd);
    if (got > kMaxPinBytes) return "pin_file " + pin_file + " is longer than a PIN can be";
    OPENSSL_cleanse(v.data() + got, v.size() - got);
    v.resize(got);
    while (!v.empty() && (v.back() == '\n' || v.back() == '\r')) v.pop_back();
    if (v.empty()) return "pin_file " + pin_file + " is empty";
    return std::nullopt;
  }
  if (!pin_env.empty()) {
    const char* e = std::getenv(pin_env.c_str());
    if (e == nullptr || *e == '\0') return "environment variable " + pin_env + " is not set";
    pin->value().assign(e);
    return std::nullopt;
  }
  return std::nullopt;  // no PIN: public objects only
}

std::string key_type_name(CK_KEY_TYPE t) {
  switch (t) {
    case CKK_RSA:
      return "RSA";
    case CKK_EC:
      return "EC";
    case CKK_DSA:
      return "DSA";
    case CKK_DH:
      return "DH";
    case CKK_AES:
      return "AES";
    case CKK_DES3:
      return "DES3";
    case CKK_DES:
      return "DES";
    case CKK_GENERIC_SECRET:
      return "GENERIC_SECRET";
#ifdef CKK_EC_EDWARDS
    case CKK_EC_EDWARDS:
      return "EdDSA";
#endif
    default:
      return "vendor";
  }
}

// EC parameters (DER OID of a named curve) to OpenSSL's curve name and the group order's bits.
void ec_curve(const std::vector<unsigned char>& params, Json* key) {
  const unsigned char* p = params.data();
  ASN1_OBJECT* obj = d2i_ASN1_OBJECT(nullptr, &p, static_cast<long>(params.size()));
  if (obj == nullptr) return;
  int nid = OBJ_obj2nid(obj);
  ASN1_OBJECT_free(obj);
  if (nid == NID_undef) return;
  (*key)["curve"] = OBJ_nid2sn(nid);
  if (EC_GROUP* g = EC_GROUP_new_by_curve_name(nid)) {
    (*key)["bits"] = EC_GROUP_order_bits(g);
    EC_GROUP_free(g);
  }
}

// A dlopened module. RTLD_NODELETE: some modules (SoftHSM among them) register process-wide
// clean-up that must not outlive their code, so a module is never unmapped.
struct Module {
  void* handle = nullptr;
  CK_FUNCTION_LIST_PTR fn = nullptr;
  // One C_Initialize ... C_Finalize at a time per module. Timed: a run queued behind a hung
  // call gives up at its own deadline, so a hung module pins one thread, not one per scan.
  std::timed_mutex run_mu;
};

}  // namespace

struct Pkcs11Probe::Impl {
  std::mutex mu;
  std::map<std::string, std::shared_ptr<Module>> modules;  // guarded by mu

  // The module at `path`, loaded once; error names the path.
  std::shared_ptr<Module> load(const std::string& path, std::string* error) {
    std::lock_guard<std::mutex> lock(mu);
    auto it = modules.find(path);
    if (it != modules.end()) return it->second;
    if (::access(path.c_str(), R_OK) != 0) {
      *error = "module " + path + " cannot be read: " + std::strerror(errno);
      return nullptr;
    }
    void* h = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    if (h == nullptr) {
      const char* why = ::dlerror();
      *error = "module " + path + " cannot be loaded: " + (why != nullptr ? why : "dlopen failed");
      return nullptr;
    }
    auto get_list = reinterpret_cast<CK_C_GetFunctionList>(::dlsym(h, "C_GetFunctionList"));
    if (get_list == nullptr) {
      ::dlclose(h);
      *error = "module " + path + " is not a PKCS#11 module (no C_GetFunctionList)";
      return nullptr;
    }
    auto m = std::make_shared<Module>();
    m->handle = h;
    CK_RV rv = get_list(&m->fn);
    if (rv != CKR_OK || m->fn == nullptr) {
      *error = "module " + path + ": C_GetFunctionList failed (" + rv_name(rv) + ")";
      return nullptr;
    }
    modules.emplace(path, m);
    return m;
  }
};

namespace {

struct Run {
  std::string target_id;
  std::string module_path;
  std::string token_label;
  std::string key_label;
  std::vector<unsigned char> key_id;  // CKA_ID from spec.key_id (hex); empty = any
  Json spec;
  std::optional<TimePoint> when;  // the run's start, for the facts' source
  std::chrono::steady_clock::time_point deadline;
};

class Finalizer {
 public:
  Finalizer(CK_FUNCTION_LIST_PTR fn, bool active) : fn_(fn), active_(active) {}
  ~Finalizer() {
    if (active_) fn_->C_Finalize(nullptr);
  }
  Finalizer(const Finalizer&) = delete;
  Finalizer& operator=(const Finalizer&) = delete;

 private:
  CK_FUNCTION_LIST_PTR fn_;
  bool active_;
};

class SessionCloser {
 public:
  SessionCloser(CK_FUNCTION_LIST_PTR fn, CK_SESSION_HANDLE s) : fn_(fn), s_(s) {}
  ~SessionCloser() {
    if (logged_in) fn_->C_Logout(s_);
    fn_->C_CloseSession(s_);
  }
  SessionCloser(const SessionCloser&) = delete;
  SessionCloser& operator=(const SessionCloser&) = delete;
  bool logged_in = false;

 private:
  CK_FUNCTION_LIST_PTR fn_;
  CK_SESSION_HANDLE s_;
};

// Reads one boolean attribute: true/false, or null if the token does not say.
Json bool_attr(CK_FUNCTION_LIST_PTR fn, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o,
               CK_ATTRIBUTE_TYPE type) {
  CK_BBOOL v = CK_FALSE;
  CK_ATTRIBUTE a{type, &v, sizeof v};
  if (fn->C_GetAttributeValue(s, o, &a, 1) != CKR_OK || a.ulValueLen != sizeof v) return nullptr;
  return v == CK_TRUE;
}

// Reads a variable-length attribute; nullopt if absent or sensitive.
std::optional<std::vector<unsigned char>> bytes_attr(CK_FUNCTION_LIST_PTR fn, CK_SESSION_HANDLE s,
                                                     CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type) {
  CK_ATTRIBUTE a{type, nullptr, 0};
  if (fn->C_GetAttributeValue(s, o, &a, 1) != CKR_OK ||
      a.ulValueLen == CK_UNAVAILABLE_INFORMATION) {
    return std::nullopt;
  }
  std::vector<unsigned char> v(a.ulValueLen);
  a.pValue = v.data();
  if (fn->C_GetAttributeValue(s, o, &a, 1) != CKR_OK) return std::nullopt;
  v.resize(a.ulValueLen);
  return v;
}

std::optional<CK_ULONG> ulong_attr(CK_FUNCTION_LIST_PTR fn, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o,
                                   CK_ATTRIBUTE_TYPE type) {
  CK_ULONG v = 0;
  CK_ATTRIBUTE a{type, &v, sizeof v};
  if (fn->C_GetAttributeValue(s, o, &a, 1) != CKR_OK || a.ulValueLen != sizeof v) {
    return std::nullopt;
  }
  return v;
}

std::string hex(const std::vector<unsigned char>& v) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (unsigned char c : v) {
    s += d[c >> 4];
    s += d[c & 15];
  }
  return s;
}

// CKA_ID as written in the config: hex digits, optionally separated by ':' (as pkcs11-tool and
// p11tool print it). nullopt when malformed; empty text gives an empty id (any key).
std::optional<std::vector<unsigned char>> parse_key_id(const std::string& text) {
  std::string digits;
  for (char c : text) {
    if (c == ':') continue;
    if (!std::isxdigit(static_cast<unsigned char>(c))) return std::nullopt;
    digits += c;
  }
  if (digits.size() % 2 != 0) return std::nullopt;
  std::vector<unsigned char> out;
  for (size_t i = 0; i < digits.size(); i += 2) {
    out.push_back(static_cast<unsigned char>(std::stoi(digits.substr(i, 2), nullptr, 16)));
  }
  return out;
}

// The facts of one key object. Only public attributes are read (never CKA_VALUE or a private
// exponent); RSA size comes from the modulus, which is public.
Json key_facts(CK_FUNCTION_LIST_PTR fn, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o,
               CK_OBJECT_CLASS cls) {
  Json k = Json::object();
  auto label = bytes_attr(fn, s, o, CKA_LABEL);
  k["label"] = label ? Json(std::string(label->begin(), label->end())) : Json(nullptr);
  auto id = bytes_attr(fn, s, o, CKA_ID);
  k["id"] = id ? Json(hex(*id)) : Json(nullptr);
  k["class"] = cls == CKO_PRIVATE_KEY ? "private" : "secret";
  k["type"] = nullptr;
  k["bits"] = nullptr;
  k["curve"] = nullptr;
  if (auto kt = ulong_attr(fn, s, o, CKA_KEY_TYPE)) {
    k["type"] = key_type_name(*kt);
    if (*kt == CKK_RSA) {
      if (auto mod = bytes_attr(fn, s, o, CKA_MODULUS)) {
        size_t i = 0;
        while (i < mod->size() && (*mod)[i] == 0) ++i;
        if (i < mod->size()) {
          int bits = static_cast<int>((mod->size() - i) * 8);
          for (unsigned char top = (*mod)[i]; (top & 0x80) == 0; top <<= 1) --bits;
          k["bits"] = bits;
        }
      }
    } else if (*kt == CKK_EC) {
      if (auto params = bytes_attr(fn, s, o, CKA_EC_PARAMS)) ec_curve(*params, &k);
    } else if (cls == CKO_SECRET_KEY) {
      if (auto len = ulong_attr(fn, s, o, CKA_VALUE_LEN)) k["bits"] = *len * 8;
    }
  }
  k["extractable"] = bool_attr(fn, s, o, CKA_EXTRACTABLE);
  k["sensitive"] = bool_attr(fn, s, o, CKA_SENSITIVE);
  k["never_extractable"] = bool_attr(fn, s, o, CKA_NEVER_EXTRACTABLE);
  k["always_sensitive"] = bool_attr(fn, s, o, CKA_ALWAYS_SENSITIVE);
  k["local"] = bool_attr(fn, s, o, CKA_LOCAL);
  k["modifiable"] = bool_attr(fn, s, o, CKA_MODIFIABLE);
  return k;
}

bool contains_softhsm(const std::string& s) {
  std::string l = s;
  std::transform(l.begin(), l.end(), l.begin(), [](unsigned char c) { return std::tolower(c); });
  return l.find("softhsm") != std::string::npos;
}

ProbeResult inspect(const Run& run, const std::shared_ptr<Pkcs11Probe::Impl>& impl) {
  ProbeResult out;
  const std::string subject =
      run.target_id + " (token '" + run.token_label + "' via " + run.module_path + ")";
  const auto source =
      observed_source(run.when, "pkcs11 " + run.module_path + " token '" + run.token_label + "'");
  // Token facts gathered before a failure (a wrong PIN, a missing key) are kept.
  Json key = Json::object();
  auto fail = [&](const std::string& why) {
    out.ok = false;
    out.error = subject + ": " + why;
    if (!key.empty()) (void)out.facts.set("key", key, source);
    return out;
  };
  std::string load_error;
  auto module = impl->load(run.module_path, &load_error);
  if (!module) return fail(load_error);
  CK_FUNCTION_LIST_PTR fn = module->fn;

  Pin pin;
  if (auto e = read_pin(run.spec, &pin)) return fail(*e);

  std::unique_lock<std::timed_mutex> run_lock(module->run_mu, std::defer_lock);
  if (!run_lock.try_lock_until(run.deadline)) {
    return fail("the module is still busy with an earlier run (a call that never returned?)");
  }
  CK_C_INITIALIZE_ARGS init{};
  init.flags = CKF_OS_LOCKING_OK;
  CK_RV rv = fn->C_Initialize(&init);
  if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
    return fail("C_Initialize failed (" + rv_name(rv) + ")");
  }
  // Initialised by someone else in this process: leave it initialised for them.
  Finalizer finalizer(fn, rv == CKR_OK);

  CK_ULONG n = 0;
  rv = fn->C_GetSlotList(CK_TRUE, nullptr, &n);
  if (rv != CKR_OK) return fail("C_GetSlotList failed (" + rv_name(rv) + ")");
  std::vector<CK_SLOT_ID> slots(n);
  rv = fn->C_GetSlotList(CK_TRUE, slots.data(), &n);
  if (rv != CKR_OK) return fail("C_GetSlotList failed (" + rv_name(rv) + ")");
  slots.resize(n);

  std::optional<CK_SLOT_ID> slot;
  CK_TOKEN_INFO ti{};
  std::vector<std::string> seen;
  for (CK_SLOT_ID id : slots) {
    CK_TOKEN_INFO info{};
    if (fn->C_GetTokenInfo(id, &info) != CKR_OK) continue;
    std::string label = padded(info.label, sizeof info.label);
    if (!(info.flags & CKF_TOKEN_INITIALIZED)) continue;
    seen.push_back("'" + label + "'");
    if (label == run.token_label) {
      slot = id;
      ti = info;
      break;
    }
  }
  if (!slot) {
    std::string list;
    for (const auto& s : seen) list += (list.empty() ? "" : ", ") + s;
    return fail("token not found (tokens present: " + (list.empty() ? "none" : list) + ")");
  }
  CK_SLOT_INFO si{};
  rv = fn->C_GetSlotInfo(*slot, &si);
  if (rv != CKR_OK) return fail("C_GetSlotInfo failed (" + rv_name(rv) + ")");

  Unknowns unknown;
  const std::string manufacturer = padded(ti.manufacturerID, sizeof ti.manufacturerID);
  const std::string model_name = padded(ti.model, sizeof ti.model);
  const bool hw_slot = (si.flags & CKF_HW_SLOT) != 0;
  key["token"] = {{"label", run.token_label},
                  {"manufacturer", manufacturer},
                  {"model", model_name},
                  {"serial", padded(ti.serialNumber, sizeof ti.serialNumber)},
                  {"hardware", hw_slot},
                  {"slot_description", padded(si.slotDescription, sizeof si.slotDescription)}};
  if (contains_softhsm(manufacturer) || contains_softhsm(model_name)) {
    key["custody"] = "software_token";
    key["custody_reason"] = "the token's manufacturer or model names SoftHSM";
  } else if (!hw_slot) {
    key["custody"] = "software_token";
    key["custody_reason"] = "the slot does not set CKF_HW_SLOT";
  } else {
    key["custody"] = "hsm";
    key["custody_reason"] = "the slot sets CKF_HW_SLOT and the token is not a known software token";
  }

  CK_SESSION_HANDLE session = CK_INVALID_HANDLE;
  rv = fn->C_OpenSession(*slot, CKF_SERIAL_SESSION, nullptr, nullptr, &session);
  if (rv != CKR_OK) return fail("C_OpenSession failed (" + rv_name(rv) + ")");
  SessionCloser closer(fn, session);
  if (!pin.value().empty()) {
    rv = fn->C_Login(session, CKU_USER, reinterpret_cast<CK_UTF8CHAR_PTR>(pin.value().data()),
                     pin.value().size());
    OPENSSL_cleanse(pin.value().data(), pin.value().size());
    if (rv == CKR_PIN_INCORRECT) return fail("login refused: wrong PIN (CKR_PIN_INCORRECT)");
    if (rv == CKR_PIN_LOCKED) return fail("login refused: PIN locked (CKR_PIN_LOCKED)");
    if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) {
      return fail("login refused (" + rv_name(rv) + ")");
    }
    closer.logged_in = rv == CKR_OK;
  } else {
    unknown.add("key.keys", "no pin_file or pin_env: only public objects are visible");
  }

  Json keys = Json::array();
  for (CK_OBJECT_CLASS cls : {CKO_PRIVATE_KEY, CKO_SECRET_KEY}) {
    std::vector<CK_ATTRIBUTE> tmpl;
    tmpl.push_back({CKA_CLASS, &cls, sizeof cls});
    if (!run.key_label.empty()) {
      tmpl.push_back({CKA_LABEL, const_cast<char*>(run.key_label.data()), run.key_label.size()});
    }
    if (!run.key_id.empty()) {
      tmpl.push_back({CKA_ID, const_cast<unsigned char*>(run.key_id.data()), run.key_id.size()});
    }
    rv = fn->C_FindObjectsInit(session, tmpl.data(), tmpl.size());
    if (rv != CKR_OK) return fail("C_FindObjectsInit failed (" + rv_name(rv) + ")");
    std::vector<CK_OBJECT_HANDLE> found(kMaxKeys);
    CK_ULONG count = 0;
    rv = fn->C_FindObjects(session, found.data(), found.size(), &count);
    fn->C_FindObjectsFinal(session);
    if (rv != CKR_OK) return fail("C_FindObjects failed (" + rv_name(rv) + ")");
    for (CK_ULONG i = 0; i < count; ++i) keys.push_back(key_facts(fn, session, found[i], cls));
  }
  if ((!run.key_label.empty() || !run.key_id.empty()) && keys.empty()) {
    std::string which = run.key_label.empty() ? "" : " labelled '" + run.key_label + "'";
    if (!run.key_id.empty())
      which += (which.empty() ? "" : " and") + std::string(" with id ") + hex(run.key_id);
    return fail("no private or secret key" + which + " on the token");
  }
  key["count"] = keys.size();
  static const char* kFields[] = {"label",
                                  "id",
                                  "class",
                                  "type",
                                  "bits",
                                  "curve",
                                  "extractable",
                                  "sensitive",
                                  "never_extractable",
                                  "always_sensitive",
                                  "local",
                                  "modifiable"};
  if (keys.size() == 1) {
    for (const char* f : kFields) key[f] = keys[0][f];
  } else {
    for (const char* f : kFields) key[f] = nullptr;
    unknown.add("key.type", keys.empty() ? "the token holds no private or secret key"
                                         : std::to_string(keys.size()) +
                                               " keys match: name one with `key:`; every key is "
                                               "under key.keys");
  }
  key["keys"] = std::move(keys);
  key["unknown"] = unknown.json();
  (void)out.facts.set("key", std::move(key), source);
  out.ok = true;
  return out;
}

}  // namespace

Pkcs11Probe::Pkcs11Probe() : impl_(std::make_shared<Impl>()) {}
Pkcs11Probe::~Pkcs11Probe() = default;

std::vector<model::FactSchemaEntry> Pkcs11Probe::fact_schema() const {
  return pkcs11_fact_schema();
}

void Pkcs11Probe::run(const model::Target& target, const ProbeContext& ctx, ProbeDone done) {
  Run r;
  r.target_id = target.id;
  r.spec = target.spec;
  r.module_path = target.spec.value("module", std::string());
  r.token_label = target.spec.value("token", std::string());
  r.key_label = target.spec.value("key", std::string());
  auto key_id = parse_key_id(target.spec.value("key_id", std::string()));
  if (!key_id) {
    ProbeResult bad;
    bad.ok = false;
    bad.error = target.id + ": spec: `key_id` must be hexadecimal bytes (e.g. 5ea1 or 5e:a1)";
    done(std::move(bad));
    return;
  }
  r.key_id = std::move(*key_id);
  r.when = now_of(ctx);
  r.deadline = ctx.deadline;
  if (r.module_path.empty() || r.token_label.empty()) {
    ProbeResult bad;
    bad.ok = false;
    bad.error = target.id + ": spec: `module` and `token` are required for kind pkcs11";
    done(std::move(bad));
    return;
  }
  std::string what = "token '" + r.token_label + "' via " + r.module_path;
  run_keys_off_loop(
      target.id, what, ctx, [r = std::move(r), impl = impl_] { return inspect(r, impl); },
      std::move(done));
}

}  // namespace sov::probes::keys
