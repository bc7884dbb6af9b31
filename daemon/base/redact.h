// SPDX-License-Identifier: Apache-2.0
#pragma once
// Redaction of secrets before anything reaches a log, the store or a report.

#include <string>
#include <string_view>

namespace sov {

inline constexpr std::string_view kRedacted = "<redacted>";

// Masks user-info in URLs ("https://user:pw@host/" -> "https://<redacted>@host/") and the value
// of Authorization-like headers and `key=value` pairs whose key looks secret (password, secret,
// token, pin, key, credential). Everything else is returned unchanged.
std::string redact(std::string_view text);

// True when a config or header key names a secret by convention.
bool looks_secret(std::string_view key);

}  // namespace sov
