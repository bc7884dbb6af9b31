// SPDX-License-Identifier: Apache-2.0
#pragma once
// The evidence store: SQLite in WAL mode, schema migrations by PRAGMA user_version.
//
// Tables: scans, targets, fact_docs (fact documents stored once per distinct content, keyed by
// SHA-256), target_results, findings (hash-chained: hash = SHA-256(prev_hash || canonical JSON of
// the finding)), waivers, outbox, checkpoints (chain heads recorded when old scans are pruned).
//
// Durability: record_target() writes one target's facts and findings in one transaction, so a
// crash loses at most the target in flight. A scan still marked `running` when the store is
// next opened (the writer died) is marked `interrupted`; everything committed before stays.
// A database whose schema is newer than this binary's is refused (kUnsupported), never
// rewritten.
//
// Threading: a Store is used from one thread at a time (the engine's writer). Several processes
// may open the same file; SQLite's locking and a busy timeout arbitrate. Errors are values:
// kIo / kUnavailable (busy, full) / kCorrupt / kUnsupported / kNotFound.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon/base/result.h"
#include "daemon/base/time.h"
#include "daemon/model/model.h"

namespace sov::store {

inline constexpr int kSchemaVersion = 1;

enum class ScanState { kRunning, kComplete, kInterrupted };
std::string_view scan_state_name(ScanState s);

struct ScanMeta {
  std::string node;
  TimePoint started{};
  std::string config_file;
  std::string config_sha256;
  std::string rules_digest;
  std::string version;  // sovereignd version
};

struct ScanInfo {
  int64_t id = 0;
  ScanMeta meta;
  std::optional<TimePoint> finished;
  ScanState state = ScanState::kRunning;
  model::Json summary;  // counts by status, in-force failures, targets
};

// How a target's probe went: stored beside its facts.
struct ProbeOutcome {
  bool ok = true;
  std::string error;  // redacted by the caller
  Duration duration{};
  TimePoint started{};
};

struct FindingQuery {
  std::optional<int64_t> scan_id;  // nullopt = latest scan that recorded anything
  std::optional<model::Status> status;
  std::optional<std::string> rule_id;
  std::optional<std::string> target_id;
  size_t limit = 0;  // 0 = no limit
};

struct StoredFinding {
  int64_t id = 0;
  int64_t scan_id = 0;
  model::Finding finding;
  std::string hash;  // hex
};

struct VerifyReport {
  bool ok = true;
  int64_t rows_checked = 0;
  std::optional<int64_t> first_bad_id;  // first findings row whose hash does not match
  std::string message;
  std::string head;  // hex hash of the last row (the chain head)
};

struct PruneReport {
  int64_t scans_removed = 0;
  int64_t findings_removed = 0;
  int64_t fact_docs_removed = 0;
  std::string checkpoint_hash;  // chain head at the cut
};

struct StoreOptions {
  std::chrono::milliseconds busy_timeout{5000};
};

class Store {
 public:
  class Impl;
  // Opens or creates the database, creating its parent directory, applying migrations and
  // marking interrupted scans. kUnsupported for a newer schema; kIo/kCorrupt otherwise.
  static Result<std::unique_ptr<Store>> open(const std::string& path,
                                             const StoreOptions& options = {});
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  int schema_version() const;
  const std::string& path() const;

  Result<int64_t> begin_scan(const ScanMeta& meta);
  // One transaction: the target row, the fact document (deduplicated), the target result and
  // every finding, chained. The findings' evidence and messages are stored as given (callers
  // redact secrets before).
  Result<bool> record_target(int64_t scan_id, const model::Target& target,
                             const model::Facts& facts, const ProbeOutcome& outcome,
                             const std::vector<model::Finding>& findings);
  Result<bool> finish_scan(int64_t scan_id, const model::Json& summary, TimePoint finished);

  // Most recent first.
  Result<std::vector<ScanInfo>> scans(size_t limit = 0) const;
  Result<ScanInfo> scan(int64_t scan_id) const;
  Result<std::vector<StoredFinding>> findings(const FindingQuery& query) const;
  // The fact document recorded for a target in a scan.
  Result<model::Json> facts(int64_t scan_id, const std::string& target_id) const;

  // Recomputes the hash chain from the last checkpoint (or the start) and names the first row
  // that does not match.
  Result<VerifyReport> verify() const;

  // Deletes scans older than `keep_after` (and their findings, results and unreferenced fact
  // documents), recording a checkpoint (the chain head at the cut) so the rest still verifies.
  // The most recent complete scan is always kept.
  Result<PruneReport> prune(TimePoint keep_after);

  // Size of the database files in bytes (main file + WAL), for benchmarks and metrics.
  Result<int64_t> size_bytes() const;

 private:
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sov::store
