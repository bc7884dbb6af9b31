// SPDX-License-Identifier: Apache-2.0
#pragma once
// Internal to daemon/store: how model values become stored bytes and back, and the canonical
// JSON that the findings hash chain covers. Pure functions (plus a SHA-256 helper over OpenSSL
// EVP); no SQLite here.
//
// Times are stored as int64 nanoseconds since the Unix epoch (UTC), so a TimePoint comes back
// exactly as it was recorded. JSON is stored in canonical form: nlohmann dump() without
// indentation (object keys sorted), invalid UTF-8 replaced by U+FFFD rather than refused.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/base/result.h"
#include "daemon/base/time.h"
#include "daemon/model/model.h"

namespace sov::store::codec {

using model::Json;

int64_t to_ns(TimePoint t);
TimePoint from_ns(int64_t ns);
std::optional<int64_t> to_ns(const std::optional<TimePoint>& t);
std::optional<TimePoint> from_ns(const std::optional<int64_t>& ns);

// Stable integer codes for statuses in the findings table (never reorder: rows keep them).
int64_t status_code(model::Status s);
std::optional<model::Status> status_from_code(int64_t code);

std::optional<model::SourceKind> parse_source_kind(std::string_view name);

/// Canonical JSON text of `j`: compact, keys sorted, invalid UTF-8 replaced.
std::string dump(const Json& j);
/// Parses stored JSON; kCorrupt naming `what` if it does not parse.
Result<Json> parse(std::string_view text, std::string_view what);

/// Appends `s` as a JSON string literal exactly as dump() would write it.
void append_json_string(std::string* out, std::string_view s);

/// Appends `j` exactly as dump() writes it (scalars without building a string first).
void append_json_value(std::string* out, const Json& j);

// Evidence and source maps are written straight to canonical JSON text (keys sorted, as dump()
// would). Source times are integer nanoseconds: absolute when `base` is nullopt, else relative
// to `base`. Storing them relative to the first timed source lets a document whose only change
// is the observation time be stored once: the base goes in the referencing row.
//
// Evidence item: {"missing":true (only if), "path", "source" (only if) {"kind","when","where"},
// "value"}. Source map: {path: {"kind","when","where"}}.

/// The time of the first evidence item that has a source time, or nullopt.
std::optional<int64_t> evidence_base(const std::vector<model::EvidenceItem>& evidence);
void append_evidence(std::string* out, const std::vector<model::EvidenceItem>& evidence,
                     std::optional<int64_t> base);
/// kCorrupt when `j` is not in the stored form.
Result<std::vector<model::EvidenceItem>> decode_evidence(const Json& j,
                                                         std::optional<int64_t> base);

/// The time of the first source (in path order) that has one, or nullopt.
std::optional<int64_t> sources_base(const std::map<std::string, model::Source>& sources);
void append_sources(std::string* out, const std::map<std::string, model::Source>& sources,
                    std::optional<int64_t> base);
Result<std::map<std::string, model::Source>> decode_sources(const Json& j,
                                                            std::optional<int64_t> base);

/// The stored form of one finding, as the hash chain sees it. Views point into the caller's
/// strings or the current SQLite row.
struct ChainFields {
  int64_t id = 0;
  int64_t scan_id = 0;
  std::string_view target;
  std::string_view rule_id;
  std::string_view ruleset;
  std::string_view ruleset_version;
  std::string_view title;
  std::string_view severity;  // name
  std::string_view reference;
  std::string_view source_url;
  std::string_view remediation;
  std::optional<int64_t> effective;  // ns
  std::string_view status;           // name
  std::optional<std::string_view> raw_status;
  bool in_force = true;
  std::string_view message;
  std::string_view evidence_json;  // canonical text, absolute times (append_evidence)
  std::string_view basis_json;     // canonical text
  int64_t evaluated_at = 0;        // ns
};

/// The canonical JSON of a finding: byte for byte what dump() gives for the object with these
/// keys, the evidence and basis texts embedded as they are stored.
std::string canonical_finding(const ChainFields& f);

/// The key that identifies a finding's details (message, evidence, basis) by content.
std::string canonical_details(std::string_view message, std::string_view evidence_json,
                              std::string_view basis_json);

std::string to_hex(std::string_view bytes);

inline constexpr size_t kHashSize = 32;
/// 32 zero bytes: the chain's genesis prev_hash.
std::string genesis_hash();

/// SHA-256 through OpenSSL EVP, with the algorithm fetched once and the context reused.
class Sha256 {
 public:
  static Result<Sha256> create();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;
  ~Sha256();

  /// The 32-byte digest of the concatenation of `parts`. kInternal with OpenSSL's error queue
  /// if the library fails.
  Result<std::string> digest(std::string_view a, std::string_view b = {});

 private:
  struct State;
  explicit Sha256(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace sov::store::codec
