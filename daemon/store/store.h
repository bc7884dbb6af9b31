// SPDX-License-Identifier: Apache-2.0
#pragma once
// The evidence store: SQLite in WAL mode, schema migrations by PRAGMA user_version.
//
// Tables: scans, targets, fact_docs (fact documents stored once per distinct content, keyed by
// SHA-256), target_results, rules and details (what a finding says; both stored once and
// referenced), findings (hash-chained: hash = SHA-256(prev_hash || canonical JSON of the
// finding), see canonical_json()), waivers and waiver_versions (the register), outbox, checkpoints
// (chain heads recorded when old scans are pruned). An unchanged rescan costs about 70 bytes per
// finding.
//
// Durability: record_target() writes one target's facts and findings in one transaction, so a
// crash loses at most the target in flight. A scan still marked `running` when the store is
// next opened (the writer died) is marked `interrupted`; everything committed before stays.
// A database whose schema is newer than this binary's is refused (kUnsupported), never
// rewritten.
//
// Threading: a Store is used from one thread at a time (the engine's writer). One process at a
// time opens the file read-write (an flock on "<path>.lock" enforces it, so a second writer
// cannot mark the first one's running scan `interrupted`); any number may open it read-only
// (StoreOptions::read_only) beside it, which WAL allows; SQLite's locking and a busy timeout
// arbitrate. Errors are values: kIo / kUnavailable (busy, full, locked by another writer) /
// kCorrupt / kUnsupported / kNotFound / kInvalidInput (a call that breaks a precondition).
//
// Times are stored with nanosecond precision and come back exactly as recorded.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "daemon/base/result.h"
#include "daemon/base/time.h"
#include "daemon/model/model.h"

namespace sov::store {

inline constexpr int kSchemaVersion = 2;

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

/// Called by Store::for_each_finding for each row: true = next row, false = stop, error = abort.
using FindingVisitor = std::function<Result<bool>(StoredFinding&&)>;

struct VerifyReport {
  bool ok = true;
  int64_t rows_checked = 0;
  std::optional<int64_t> first_bad_id;  // first findings row whose hash does not match
  std::string message;
  std::string head;  // hex hash of the last row (the chain head)
  // Fact documents are content-addressed: each one's SHA-256 is recomputed too.
  int64_t fact_docs_checked = 0;
  std::optional<int64_t> first_bad_fact_doc;  // fact_docs row whose content does not match
};

struct PruneReport {
  int64_t scans_removed = 0;
  int64_t findings_removed = 0;
  int64_t fact_docs_removed = 0;
  std::string checkpoint_hash;  // chain head at the cut
  int64_t details_removed = 0;  // finding details (message, evidence, basis) no longer used
  // Scans old enough to go but kept because findings of a kept scan precede some of theirs in
  // the chain (only a prefix of the chain can be cut).
  int64_t scans_deferred = 0;
};

struct StoreOptions {
  std::chrono::milliseconds busy_timeout{5000};
  // Read-only: no migration, no interrupted-scan marking, no writer lock; every writing call
  // returns kUnsupported. For sovereignctl's offline queries beside a running daemon.
  bool read_only = false;
  // Clock for the store's own timestamps (checkpoint creation). nullptr = system clock. Not
  // owned; must outlive the Store.
  const Clock* clock = nullptr;
};

// What was recorded for one target in one scan, besides its findings.
struct TargetRecord {
  int64_t scan_id = 0;
  std::string target_id;
  std::string kind;
  model::Facts facts;  // document and sources, as recorded
  ProbeOutcome outcome;
};

/// One distinct version of a waiver (Store::waiver_history).
struct WaiverVersion {
  std::string waiver_id;
  model::Json waiver;  // Waiver::to_json() without `file`
  TimePoint first_seen{};
  TimePoint last_seen{};
};

/// One alert notification in the outbox.
struct OutboxItem {
  int64_t id = 0;
  std::string dedup_key;  // stable: the same event is enqueued once
  std::string kind;       // the sink index and kind, e.g. "0:alertmanager"
  std::string payload;    // JSON, as the sink sends it
  TimePoint created{};
  int attempts = 0;
  TimePoint next_attempt{};
  std::optional<TimePoint> delivered;
  std::string last_error;
};

/// The wait before the next attempt after `attempts` failed ones: base, 2 base, 4 base ...
/// capped at `max`.
Duration outbox_backoff(int attempts, Duration base, Duration max);

class Store {
 public:
  class Impl;
  /// Opens or creates the database, creating its parent directory, applying migrations and
  /// marking scans left `running` as `interrupted` (read-write only). Errors: kUnsupported for a
  /// newer schema or another application's database (the file is left untouched), kCorrupt for
  /// a file that is not an SQLite database, kUnavailable when another writer holds the file,
  /// kIo when it cannot be created or read.
  static Result<std::unique_ptr<Store>> open(const std::string& path,
                                             const StoreOptions& options = {});
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  /// The schema version of the open database (kSchemaVersion once open() succeeded).
  int schema_version() const;
  const std::string& path() const;

  /// Starts a scan in state `running` and returns its id (ids grow with each scan).
  Result<int64_t> begin_scan(const ScanMeta& meta);
  /// One transaction (BEGIN IMMEDIATE ... COMMIT): the target row (created or its last_seen
  /// updated), the fact document and the sources (each deduplicated by SHA-256), the target
  /// result and every finding, chained in order. The findings' evidence and messages are stored
  /// as given (callers redact secrets before). On any error nothing of this target is stored.
  /// Each finding's target_id must be empty (taken as target.id) or equal target.id.
  /// Errors: kNotFound (no such scan), kInvalidInput (scan not running, target already recorded
  /// in this scan, finding for another target), kUnavailable (busy, disk full), kIo.
  Result<bool> record_target(int64_t scan_id, const model::Target& target,
                             const model::Facts& facts, const ProbeOutcome& outcome,
                             const std::vector<model::Finding>& findings);
  /// Marks a running scan `complete` with its summary. kNotFound, or kInvalidInput when the
  /// scan is not running.
  Result<bool> finish_scan(int64_t scan_id, const model::Json& summary, TimePoint finished);
  /// Marks a running scan `interrupted` (a scan abandoned at shutdown), keeping what it
  /// recorded. kNotFound, or kInvalidInput when the scan is not running.
  Result<bool> interrupt_scan(int64_t scan_id, TimePoint finished);

  /// Most recent (highest id) first; limit 0 = all.
  Result<std::vector<ScanInfo>> scans(size_t limit = 0) const;
  /// kNotFound if there is no such scan.
  Result<ScanInfo> scan(int64_t scan_id) const;
  /// Findings in recording (id) order. An explicit scan that does not exist is kNotFound; no
  /// scan with findings at all gives an empty list.
  Result<std::vector<StoredFinding>> findings(const FindingQuery& query) const;
  /// The same rows as findings(), streamed: `visit` gets each row as it is read (only that row
  /// is in memory) and returns true to go on, false to stop, or an error, which aborts the
  /// walk and is returned as is. Returns how many rows were visited. The store must not be
  /// written from inside `visit` (the read is one statement).
  Result<int64_t> for_each_finding(const FindingQuery& query, const FindingVisitor& visit) const;
  /// The fact document recorded for a target in a scan; kNotFound if none.
  Result<model::Json> facts(int64_t scan_id, const std::string& target_id) const;
  /// Facts with their sources and the probe outcome for a target in a scan; kNotFound if none.
  Result<TargetRecord> target_record(int64_t scan_id, const std::string& target_id) const;
  /// Each target's latest scan that recorded it, as (target name, scan id), for the daemon to
  /// diff its first result after a restart against the last recorded one. Unordered.
  Result<std::vector<std::pair<std::string, int64_t>>> latest_target_scans() const;

  /// Recomputes the hash chain from the last checkpoint (or the start) and names the first row
  /// that does not match: a changed row, or the row after a deleted one. Rows missing at the
  /// end are detected against the scans' recorded ranges (a tamperer who also rewrites those is
  /// caught only by comparing the head with one published in a report). Also rechecks every
  /// fact document against its SHA-256. A broken chain is a report with ok = false, not an
  /// error; errors are for failures to read (kIo, kUnavailable).
  Result<VerifyReport> verify() const;

  /// The chain head (hex): the hash of the last finding, else the last checkpoint's head, else
  /// 64 zeros. Cheap; reports carry it.
  Result<std::string> chain_head() const;

  /// True when `hex_hash` (64 hex digits, either case) is a link of the hash chain: the hash of
  /// a findings row still held, a checkpoint's head (the chain before a prune), or the empty
  /// chain's 64 zeros. A signed report's chain head that is not a link means the report does
  /// not come from this store, or its rows were rewritten since. It does not recheck the chain:
  /// verify() does. kInvalidInput for anything but 64 hex digits; a full scan of findings.
  Result<bool> chain_contains(const std::string& hex_hash) const;

  /// The waiver register (issue 8): records the waivers the configuration holds at `seen`, one
  /// transaction. `waivers` keeps the latest version of each id; `waiver_versions` keeps each
  /// distinct version with when it was first and last seen (a waiver whose file is edited gains
  /// a version; one seen again only moves last_seen). Returns how many new versions were
  /// recorded. kUnsupported when read-only.
  Result<int64_t> record_waivers(const std::vector<model::Waiver>& waivers, TimePoint seen);
  /// Every version recorded, by waiver id then first_seen; nullopt = every waiver.
  Result<std::vector<WaiverVersion>> waiver_history(
      const std::optional<std::string>& waiver_id = std::nullopt) const;

  /// Deletes scans that started before `keep_after` (and their findings, results, and the fact
  /// documents and details nothing else uses), recording a checkpoint (the chain head at the
  /// cut) so the rest still verifies. Kept always: the most recent complete scan, running
  /// scans, and scans whose findings interleave with those of a kept scan (only a prefix of the
  /// chain is cut). The prefix to delete is verified first: a broken chain is refused (kCorrupt)
  /// rather than hidden behind a checkpoint. No VACUUM: freed pages are reused by later scans,
  /// so the file stops growing instead of shrinking. Returns kUnsupported when read-only.
  Result<PruneReport> prune(TimePoint keep_after);

  /// Size of the database files in bytes (main file + WAL), for benchmarks and metrics.
  Result<int64_t> size_bytes() const;

  /// Outbox (alert delivery, at-least-once). Adds a notification due at `now` unless one with
  /// the same `dedup_key` exists (delivered or not): returns true when added, false for a
  /// duplicate. Committed when it returns, so it survives a crash. kUnsupported when read-only.
  Result<bool> outbox_enqueue(const std::string& dedup_key, const std::string& kind,
                              const std::string& payload, TimePoint now);
  /// Undelivered items whose next attempt is due at `now`, oldest due first; limit 0 = all.
  Result<std::vector<OutboxItem>> outbox_due(TimePoint now, size_t limit = 0);
  /// Every item (delivered or not) in enqueue order; limit 0 = all. For tests and status.
  Result<std::vector<OutboxItem>> outbox_items(size_t limit = 0);
  /// Marks an item delivered. kNotFound for an unknown id.
  Result<bool> outbox_delivered(int64_t id, TimePoint now);
  /// Records a failed attempt: attempts + 1, the error, next attempt after outbox_backoff().
  Result<bool> outbox_failed(int64_t id, const std::string& error, TimePoint now,
                             Duration base_backoff, Duration max_backoff);
  /// Undelivered items.
  Result<int64_t> outbox_pending();
  /// Deletes items delivered before `delivered_before`; returns how many.
  Result<int64_t> outbox_prune(TimePoint delivered_before);

  /// Moves the WAL into the main file and truncates it (PRAGMA wal_checkpoint(TRUNCATE)), so
  /// size_bytes() measures the data. SQLite also checkpoints by itself every 1000 pages.
  Result<bool> checkpoint_wal();

 private:
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// The canonical JSON a finding's chain hash covers (hash = SHA-256(prev_hash || this)):
/// nlohmann dump() of an object with keys basis, effective, evaluated_at, evidence, id,
/// in_force, message, raw_status, reference, remediation, rule_id, ruleset, ruleset_version,
/// scan_id, severity, source_url, status, target, title. Times are integer nanoseconds since
/// the Unix epoch; evidence items are {path, value, missing (only if true), source {kind,
/// where, when}}. Published so that an exported report can be re-verified outside sovereignd.
std::string canonical_json(const StoredFinding& f);

}  // namespace sov::store
