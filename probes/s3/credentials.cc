// SPDX-License-Identifier: Apache-2.0
#include "probes/s3/credentials.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include <openssl/crypto.h>

namespace sov::probes::s3 {

namespace {

constexpr size_t kMaxFileBytes = 64 * 1024;

std::string trim(std::string s) {
  size_t b = s.find_first_not_of(" \t\r");
  size_t e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

void wipe(std::string* s) {
  if (!s->empty()) OPENSSL_cleanse(s->data(), s->size());
  s->clear();
}

struct Section {
  int line = 0;
  std::string id;
  std::string secret;
};

}  // namespace

Result<Credentials> parse_credentials(const std::string& text, const std::string& file,
                                      const std::string& profile) {
  std::map<std::string, Section> sections;  // "" = lines before any [section]
  std::string current;
  std::istringstream in(text);
  std::string line;
  int number = 0;
  auto bad = [&](const std::string& what) {
    for (auto& [name, s] : sections) wipe(&s.secret);
    wipe(&line);
    return fail(ErrorCode::kInvalidInput, file + ":" + std::to_string(number) + ": " + what);
  };
  while (std::getline(in, line)) {
    ++number;
    std::string t = trim(line);
    if (t.empty() || t[0] == '#' || t[0] == ';') continue;
    if (t[0] == '[') {
      if (t.back() != ']') return bad("expected '[profile]'");
      current = trim(t.substr(1, t.size() - 2));
      if (current.rfind("profile ", 0) == 0) current = trim(current.substr(8));
      sections[current].line = number;
      continue;
    }
    auto eq = t.find('=');
    if (eq == std::string::npos) {
      wipe(&t);
      return bad("expected 'name = value'");
    }
    std::string name = trim(t.substr(0, eq));
    std::string value = trim(t.substr(eq + 1));
    wipe(&t);
    Section& s = sections[current];
    if (s.line == 0) s.line = number;
    if (name == "access_key_id" || name == "aws_access_key_id") {
      s.id = value;
    } else if (name == "secret_access_key" || name == "aws_secret_access_key") {
      wipe(&s.secret);
      s.secret = value;
    }
    // Other keys (region, aws_session_token, output) are not used by this probe.
    wipe(&value);
  }
  wipe(&line);
  std::string chosen = profile;
  if (chosen.empty()) {
    if (sections.count("default") != 0) {
      chosen = "default";
    } else if (sections.size() == 1) {
      chosen = sections.begin()->first;
    } else if (sections.empty()) {
      return fail(ErrorCode::kInvalidInput, file + ": no access_key_id and secret_access_key");
    } else {
      for (auto& [name, s] : sections) wipe(&s.secret);
      return fail(ErrorCode::kInvalidInput,
                  file + ": several profiles and no [default]: name one with credentials.profile");
    }
  }
  auto it = sections.find(chosen);
  std::string where = chosen.empty() ? "" : " in [" + chosen + "]";
  Result<Credentials> out = fail(ErrorCode::kInvalidInput, file + ": no profile [" + chosen + "]");
  if (it != sections.end()) {
    if (it->second.id.empty()) {
      out = fail(ErrorCode::kInvalidInput, file + ": no access_key_id" + where);
    } else if (it->second.secret.empty()) {
      out = fail(ErrorCode::kInvalidInput, file + ": no secret_access_key" + where);
    } else {
      out = Credentials(it->second.id, it->second.secret);
    }
  }
  for (auto& [name, s] : sections) wipe(&s.secret);
  return out;
}

Result<Credentials> load_credentials(const model::Json& spec) {
  auto it = spec.find("credentials");
  if (it == spec.end() || it->is_null()) return Credentials();
  if (!it->is_object()) {
    return fail(ErrorCode::kInvalidInput, "spec: credentials must be a map with file or env");
  }
  std::string file = it->value("file", std::string());
  std::string env = it->value("env", std::string());
  std::string profile = it->value("profile", std::string());
  if (!file.empty() && !env.empty()) {
    return fail(ErrorCode::kInvalidInput,
                "spec: credentials.file and credentials.env exclude each other");
  }
  if (!env.empty()) {
    std::string id_var = env + "_ACCESS_KEY_ID";
    std::string secret_var = env + "_SECRET_ACCESS_KEY";
    const char* id = std::getenv(id_var.c_str());
    const char* secret = std::getenv(secret_var.c_str());
    if (id == nullptr || *id == '\0') {
      return fail(ErrorCode::kNotFound, "environment variable " + id_var + " is not set");
    }
    if (secret == nullptr || *secret == '\0') {
      return fail(ErrorCode::kNotFound, "environment variable " + secret_var + " is not set");
    }
    return Credentials(id, secret);
  }
  if (file.empty()) {
    return fail(ErrorCode::kInvalidInput, "spec: credentials needs file or env");
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    return fail(ErrorCode::kIo,
                "cannot read credentials file " + file + ": " + std::strerror(errno));
  }
  std::string text(kMaxFileBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > kMaxFileBytes) {
    wipe(&text);
    return fail(ErrorCode::kInvalidInput,
                "credentials file " + file + " is larger than 64 KiB: not a credentials file");
  }
  auto out = parse_credentials(text, file, profile);
  wipe(&text);
  return out;
}

}  // namespace sov::probes::s3
