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
// Relative paths in the file (store, rules, attestation_files, credentials files) are resolved
// against the directory of the config file.
//
// Secrets are never inlined: keys flagged `secret` in the table name a file or an environment
// variable, and dump_redacted() masks them anyway.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon/base/diag.h"
#include "daemon/base/result.h"
#include "daemon/base/time.h"
#include "daemon/model/model.h"

namespace sov::config {

inline constexpr const char* kDefaultConfigPath = "/etc/sovereignd/sovereignd.yaml";
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
// "targets[].endpoint", "alerts[].url".
struct Keyword {
  std::string name;
  KeyType type;
  std::string default_value;  // as written in YAML; "" = no default
  bool required = false;
  bool secret = false;
  std::string kinds;        // for targets[] and alerts[] keys: the kinds that accept it ("" = all)
  std::string description;  // one line
};

// The table, in the order sovereignd.yaml(5) and the all-keys example list them.
const std::vector<Keyword>& keyword_table();
std::string_view key_type_name(KeyType t);

// Target kinds the config accepts. A kind whose probe is not built in this binary still loads;
// its scans then record a probe error.
const std::vector<std::string>& target_kinds();

struct Schedule {
  Duration interval = std::chrono::hours(1);
  double jitter = 0.10;  // fraction of the interval
  int concurrency = 64;
  int per_host_concurrency = 4;
  Duration probe_timeout = std::chrono::seconds(10);
};

struct Config {
  std::string file;                // absolute path of the file loaded ("" for text)
  std::string sha256;              // of the file's bytes
  std::string node;                // default: the host name
  std::string store;               // absolute path of the SQLite file
  std::vector<std::string> rules;  // rule directories, absolute
  bool strict_rules = false;
  Duration retention{0};  // 0 = keep every scan
  Schedule schedule;
  std::vector<model::Target> targets;
  std::vector<model::Attestation> attestations;
  std::vector<model::Waiver> waivers;
  std::vector<std::string> attestation_files;  // absolute; already read into the two above
  model::Json alerts = model::Json::array();   // validated entries, raw, for the alerts module
  std::string http_listen = "127.0.0.1:9469";
  std::string control_socket = "/run/sovereignd/control.sock";
  std::string log_level = "info";
};

// Loads and validates a config file. Diagnostics (with positions) go to `diags`; returns
// kInvalidInput if any error was found, kIo if the file cannot be read, and never a partial
// Config.
Result<std::shared_ptr<const Config>> load_config(const std::string& path, Diagnostics* diags);
// The same for an in-memory document; `file_name` appears in diagnostics, relative paths resolve
// against `base_dir`.
Result<std::shared_ptr<const Config>> load_config_text(const std::string& file_name,
                                                       std::string_view text,
                                                       const std::string& base_dir,
                                                       Diagnostics* diags);

// The effective configuration as YAML, defaults filled in, secrets masked.
std::string dump_redacted(const Config& config);

}  // namespace sov::config
