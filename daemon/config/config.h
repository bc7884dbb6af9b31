// SPDX-License-Identifier: Apache-2.0
#pragma once
// The daemon configuration (see sovereignd.yaml(5)): one keyword table, a YAML loader that
// validates against it with positions, and an immutable snapshot.
//
// Pipeline: read with a size cap -> parse (yaml-cpp; its exceptions are caught here) -> check
// every key against the keyword table (unknown keys with "did you mean", types, ranges, required
// keys) -> semantic checks (duplicate target ids, unknown target kinds, references) -> build a
// Config -> hand it out as shared_ptr<const Config>. All errors of a file are reported, in the
// format of daemon/base/diag.h; a file with any error yields no Config.
//
// Relative paths in the file (every key of type kPath: store, rules, attestation_files,
// credentials.file, pin_file, path, module, headers_file, control.socket) are resolved against
// the directory of the config file. Attestation files are read (regular files only, same size
// cap) and checked with positions in their own text; nothing else named by the file is opened.
//
// Secrets are never inlined: keys flagged `secret` in the table name a file or an environment
// variable, and dump_redacted() masks them anyway. A key that would hold a secret inline
// (`secret_access_key`, `pin`, `password`...) is an error naming the key to use instead, and no
// diagnostic quotes its value (nor the user-info of a URL).
//
// Limits: kMaxConfigBytes per file, kMaxConfigNodes YAML nodes per file (alias uses included),
// free-form maps (`declared`) 32 levels deep, dates in years 1900 to 2200, durations up to 200y.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon/base/diag.h"
#include "daemon/base/result.h"
#include "daemon/base/time.h"
#include "daemon/model/model.h"

namespace sov::config {

// Where the Debian package installs things (packaging/CMakeLists.txt); the keyword table's
// defaults for `store` and `rules` say the same in YAML.
inline constexpr const char* kDefaultConfigPath = "/etc/sovereignd/sovereignd.yaml";
inline constexpr const char* kDefaultRulesDir = "/usr/share/sovereignd/rules";
inline constexpr const char* kDefaultLocalRulesDir = "/etc/sovereignd/rules.d";
inline constexpr const char* kDefaultProvidersDir = "/usr/share/sovereignd/rules/providers";
inline constexpr size_t kMaxConfigBytes = 4 * 1024 * 1024;

enum class KeyType {
  kString,
  kInteger,
  kNumber,
  kBool,
  kDuration,
  kPercent,
  kDate,
  kList,
  kMap,
  kPath,
  kHostPort,
  kUrl
};

// One row of the keyword table. `name` is dotted from the root of its scope: "schedule.interval",
// "targets[].endpoint", "alerts[].url". A row of type kMap whose name prefixes other rows
// ("schedule", "targets[].tls") is a section; one without rows below it is a free-form map
// ("targets[].declared", "targets[].tags"). A kList of kMap ("targets") has rows "targets[].x"
// for the keys of its entries.
struct Keyword {
  std::string name{};
  KeyType type = KeyType::kString;
  std::string default_value{};  // as written in YAML; "" = no default
  bool required = false;        // with `kinds`: required for entries of those kinds only
  bool secret = false;          // masked in every dump; names where a secret lives
  std::string kinds{};  // for targets[] and alerts[] keys: the kinds that accept it ("" = all)
  std::string description{};  // one line
  // kList: the type of each item. A free-form kMap: kList means each value is a string or a
  // list of strings (tags); anything else means any YAML value (declared facts).
  KeyType element = KeyType::kString;
  std::string choices{};  // allowed values, space-separated ("" = any); for a kList, per item
  std::string range{};  // "min..max", "min..", "..max" in the key's own syntax ("1s..", "1..10000")
  bool url_allowed = false;  // kHostPort: a URL (scheme://host[:port][/path]) is accepted too
};

// The table, in the order sovereignd.yaml(5) and the all-keys example list them.
const std::vector<Keyword>& keyword_table();
std::string_view key_type_name(KeyType t);
// The row named `name` ("schedule.interval", "targets[].endpoint"), or nullptr.
const Keyword* find_keyword(std::string_view name);
// True when `kw` applies to an entry of kind `kind` (its `kinds` is empty or lists `kind`).
bool keyword_applies(const Keyword& kw, std::string_view kind);

// Target kinds the config accepts. A kind whose probe is not built in this binary still loads;
// its scans then record a probe error.
const std::vector<std::string>& target_kinds();
// Alert sink kinds (alerts[].kind) and alert events (alerts[].on), from the keyword table.
const std::vector<std::string>& alert_kinds();
const std::vector<std::string>& alert_events();

// Besides kMaxConfigBytes, a document may hold at most this many YAML nodes, counting each use
// of an alias as the nodes it stands for (a guard against "billion laughs" documents).
inline constexpr size_t kMaxConfigNodes = 1000000;

struct Schedule {
  Duration interval = std::chrono::hours(1);
  double jitter = 0.10;  // fraction of the interval
  int concurrency = 64;
  int per_host_concurrency = 4;
  Duration probe_timeout = std::chrono::seconds(10);
};

// The longest waiver allowed per severity (`waiver_max_duration`): model::WaiverLimits.
using WaiverLimits = model::WaiverLimits;

struct Config {
  std::string file;                // absolute path of the file loaded ("" for text)
  std::string source_name;         // `file`, or the file_name given to load_config_text
  std::string sha256;              // of the file's bytes
  std::string node;                // default: the host name
  std::string store;               // absolute path of the SQLite file
  std::vector<std::string> rules;  // rule directories, absolute
  std::string providers;           // provider registry directory, absolute; "" = rules/providers
  std::string address_database;    // MaxMind-format database, absolute; "" = none
  bool strict_rules = false;
  Duration retention{0};  // 0 = keep every scan
  Schedule schedule;
  // Target::spec holds the kind-specific keys present in the file (paths absolute, durations
  // as written by format_duration, e.g. "30m") plus the defaults of those that apply to the
  // kind (tls.mode); `interval` when the target overrides schedule.interval (see
  // target_interval). Target::declared_source.where is declared_source or "<file>:<line>".
  std::vector<model::Target> targets;
  // From the config file first, then from each attestation file in order. `file` is
  // "<file>:<line>" of the entry.
  std::vector<model::Attestation> attestations;
  std::vector<model::Waiver> waivers;
  std::vector<std::string> attestation_files;  // absolute; already read into the two above
  WaiverLimits waiver_max_duration;
  // Validated entries for the alerts module, one object per sink with the keys that apply to its
  // kind and their defaults filled in: {"kind", "url", "on": [...], "timeout": "10s",
  // "headers_file": absolute path, "command": [...], "facility"}.
  model::Json alerts = model::Json::array();
  std::string http_listen = "127.0.0.1:9469";
  std::string control_socket = "/run/sovereignd/control.sock";
  std::string log_level = "info";
};

// The scan interval of `target`: its own `interval`, else config.schedule.interval.
Duration target_interval(const Config& config, const model::Target& target);

// Loads and validates a config file. Diagnostics (with positions) go to `diags` (may be
// nullptr), those of the config file first, sorted by position, then those of each attestation
// file; diagnostics name the config file as `path` was given, attestation files by their
// absolute path. Config::file and Config::source_name are the absolute path. Returns kInvalidInput
// ("<path>: N errors") if any error was found, kIo if the file cannot be read (that error is not
// repeated in `diags`), and never a partial Config. Reentrant: no global state; may run on any
// thread.
Result<std::shared_ptr<const Config>> load_config(const std::string& path, Diagnostics* diags);
// The same for an in-memory document; `file_name` appears in diagnostics and in Source::where,
// relative paths resolve against `base_dir` (made absolute against the working directory if
// needed); Config::file is "". Attestation files appear in diagnostics by their absolute path.
Result<std::shared_ptr<const Config>> load_config_text(const std::string& file_name,
                                                       std::string_view text,
                                                       const std::string& base_dir,
                                                       Diagnostics* diags);

// One waiver and attestation file (the `attestation_files` format: `attestations:` and
// `waivers:` lists) read on its own, for `sovereignctl waive`. With `context`, target ids are
// checked against its targets; without, only their form is (tag selectors). Diagnostics name `path`
// as given. kIo when unreadable, kInvalidInput ("<path>: N errors") when any error was found.
struct Decisions {
  std::vector<model::Attestation> attestations;
  std::vector<model::Waiver> waivers;
};
Result<Decisions> load_decisions_file(const std::string& path, const Config* context,
                                      Diagnostics* diags);
// The same for a text held in memory (an edit checked before it is written); `path` names it in
// diagnostics and in Waiver::file, relative paths resolve against its directory.
Result<Decisions> load_decisions_text(const std::string& path, std::string_view text,
                                      const Config* context, Diagnostics* diags);

// The effective configuration as YAML, defaults filled in, secrets masked: values of keys
// flagged `secret` become sov::kRedacted and every other string goes through sov::redact()
// (user-info in URLs). Attestations and waivers read from attestation files are not repeated
// (attestation_files lists them), so the dump of a config without secrets loads again.
std::string dump_redacted(const Config& config);

}  // namespace sov::config
