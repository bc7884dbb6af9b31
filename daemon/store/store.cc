// SPDX-License-Identifier: Apache-2.0
#include "daemon/store/store.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iterator>
#include <unordered_map>
#include <utility>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "daemon/store/codec.h"
#include "daemon/store/sqlite.h"

namespace sov::store {

namespace fs = std::filesystem;
using model::Json;

std::string_view scan_state_name(ScanState s) {
  switch (s) {
    case ScanState::kRunning:
      return "running";
    case ScanState::kComplete:
      return "complete";
    case ScanState::kInterrupted:
      return "interrupted";
  }
  return "interrupted";
}

namespace {

// The integer in the first column of a one-row query (PRAGMAs, counts).
Result<int64_t> scalar_integer(sqlite::Database* db, const char* sql, std::string_view what) {
  auto q = db->query(sql, what);
  if (!q) return q.error();
  auto row = q->step();
  if (!row) return row.error();
  return q->integer(0);
}

Error newer_schema(const std::string& path, int64_t version) {
  return Error(ErrorCode::kUnsupported,
               "database " + path + " has schema version " + std::to_string(version) +
                   ", this sovereignd understands up to " + std::to_string(kSchemaVersion) +
                   "; refusing to modify it");
}

// PRAGMA application_id: "SOVD". A database of another application is never migrated.
constexpr int64_t kApplicationId = 0x534f5644;

// Migration steps: kMigrations[i] takes a database from user_version i to i + 1. A released step
// is never edited; a schema change is a new step.
//
// Space matters more than anything else here (10,000 targets scanned hourly, for years), so:
// times are integer nanoseconds (exact round trip, 8 bytes); statuses are small integers (0 and
// 1 cost no byte at all in SQLite's record format); rules and fact documents are stored once
// per distinct content, finding details once per change of a (target, rule), all referenced by
// integer; source times inside stored JSON are relative to a base kept in the referencing row,
// so a new observation time alone does not make a new document; findings carry no prev_hash
// (the chain is recomputed in id order, and ids are contiguous, so a deleted row breaks the
// next one) and need no index (a scan's findings are the id range recorded in scans).
//
// Foreign keys are declared where the parent is never deleted or the child is indexed by it.
// findings.scan_id, findings.detail and target_results.facts/sources are not declared: deleting
// a parent would make SQLite scan the whole child table once per deleted row. The writer keeps
// them consistent in one transaction, and verify() notices a dangling reference (the row's
// canonical JSON no longer matches its hash).
constexpr const char* kMigrations[] = {
    // v0 -> v1
    R"sql(
CREATE TABLE scans(
  id            INTEGER PRIMARY KEY,
  node          TEXT NOT NULL,
  started       INTEGER NOT NULL,  -- ns since the Unix epoch, UTC (every time column)
  finished      INTEGER,
  state         TEXT NOT NULL CHECK (state IN ('running', 'complete', 'interrupted')),
  config_file   TEXT NOT NULL,
  config_sha256 TEXT NOT NULL,
  rules_digest  TEXT NOT NULL,
  version       TEXT NOT NULL,
  summary       TEXT,              -- JSON, set by finish_scan
  first_finding INTEGER,           -- findings.id range of this scan, NULL while it has none
  last_finding  INTEGER
);
CREATE TABLE targets(
  id         INTEGER PRIMARY KEY,
  name       TEXT NOT NULL UNIQUE,
  kind       TEXT NOT NULL,
  first_seen INTEGER NOT NULL,
  last_seen  INTEGER NOT NULL
);
-- Fact documents and source maps, once per distinct content (canonical JSON).
CREATE TABLE fact_docs(
  id     INTEGER PRIMARY KEY,
  sha256 BLOB NOT NULL UNIQUE,
  json   TEXT NOT NULL
);
CREATE TABLE target_results(
  scan_id        INTEGER NOT NULL REFERENCES scans(id),
  target_id      INTEGER NOT NULL REFERENCES targets(id),
  facts          INTEGER NOT NULL,  -- fact_docs.id of the facts document
  sources        INTEGER NOT NULL,  -- fact_docs.id of the map path -> source
  sources_base   INTEGER,           -- the sources' times are relative to this, NULL if none
  probe_ok       INTEGER NOT NULL,
  probe_error    TEXT,              -- NULL when empty
  probe_started  INTEGER NOT NULL,
  probe_duration INTEGER NOT NULL,  -- ns
  PRIMARY KEY (scan_id, target_id)
) WITHOUT ROWID;
CREATE TABLE rules(
  id          INTEGER PRIMARY KEY,
  sha256      BLOB NOT NULL UNIQUE,  -- of the canonical JSON of the other columns
  rule_id     TEXT NOT NULL,
  ruleset     TEXT NOT NULL,
  version     TEXT NOT NULL,
  title       TEXT NOT NULL,
  severity    TEXT NOT NULL,
  reference   TEXT NOT NULL,
  source_url  TEXT NOT NULL,
  remediation TEXT NOT NULL,
  effective   INTEGER
);
-- What a finding says (message, evidence, basis). Evidence source times are relative to the
-- finding's evaluated_at - evidence_age. Each (target, rule) reuses its latest details row
-- while the content is unchanged, so a rescan that changed nothing adds no details.
CREATE TABLE details(
  id           INTEGER PRIMARY KEY,
  message      TEXT NOT NULL,
  evidence     TEXT NOT NULL,  -- canonical JSON list
  basis        TEXT NOT NULL,  -- canonical JSON
  last_finding INTEGER         -- once superseded: the last findings.id that used it
);
CREATE INDEX details_superseded ON details(last_finding) WHERE last_finding IS NOT NULL;
-- The details row each (target, rule) used last, keyed for the next scan's comparison. Looking
-- details up here rather than through a unique index on a content hash keeps a target's writes
-- on a few neighbouring pages instead of one random index page per finding.
CREATE TABLE latest_details(
  target_id    INTEGER NOT NULL,
  rule         INTEGER NOT NULL,
  sha256       BLOB NOT NULL,     -- of the canonical JSON {"basis","evidence","message"}
  detail       INTEGER NOT NULL,
  last_finding INTEGER NOT NULL,  -- highest findings.id using it: prune frees it after that
  PRIMARY KEY (target_id, rule)
) WITHOUT ROWID;
-- status, raw_status: 0 pass, 1 fail, 2 error, 3 not_applicable, 4 manual, 5 stale, 6 waived.
-- hash = SHA-256(hash of row id - 1, or the last checkpoint's head || canonical JSON).
CREATE TABLE findings(
  id           INTEGER PRIMARY KEY,
  scan_id      INTEGER NOT NULL,
  target_id    INTEGER NOT NULL REFERENCES targets(id),
  rule         INTEGER NOT NULL REFERENCES rules(id),
  status       INTEGER NOT NULL,
  raw_status   INTEGER,
  in_force     INTEGER NOT NULL,
  detail       INTEGER NOT NULL,
  evaluated_at INTEGER NOT NULL,
  evidence_age INTEGER,  -- evaluated_at minus the first evidence source time; NULL if none
  hash         BLOB NOT NULL
);
CREATE TABLE waivers(
  id         TEXT PRIMARY KEY,
  rule_id    TEXT NOT NULL,
  target_id  TEXT NOT NULL,  -- target name, '' = every target
  reason     TEXT NOT NULL,
  by         TEXT NOT NULL,
  created    INTEGER NOT NULL,
  expires    INTEGER,
  revoked    INTEGER
);
CREATE TABLE outbox(
  id           INTEGER PRIMARY KEY,
  dedup_key    TEXT NOT NULL UNIQUE,
  kind         TEXT NOT NULL,
  payload      TEXT NOT NULL,  -- JSON
  created      INTEGER NOT NULL,
  attempts     INTEGER NOT NULL DEFAULT 0,
  next_attempt INTEGER NOT NULL,
  delivered    INTEGER,
  last_error   TEXT
);
-- The chain head at each prune: findings up to last_finding_id are gone, and the row after it
-- chains from head_hash.
CREATE TABLE checkpoints(
  id              INTEGER PRIMARY KEY,
  created         INTEGER NOT NULL,
  pruned_before   INTEGER NOT NULL,  -- keep_after of that prune
  last_finding_id INTEGER NOT NULL,
  head_hash       BLOB NOT NULL
);
PRAGMA application_id = 1397708356;
)sql",
    // v1 -> v2 (issue 8): every version of every waiver seen. `waivers` holds the latest version
    // of each id; `waiver_versions` each distinct content (Waiver::to_json() without `file`)
    // with when it was first and last seen, so a report shows the register and its history: a
    // reason reworded, an expiry moved, a revocation. A few rows per waiver, never per scan.
    R"sql(
CREATE TABLE waiver_versions(
  id         INTEGER PRIMARY KEY,
  waiver_id  TEXT NOT NULL,
  json       TEXT NOT NULL,
  first_seen INTEGER NOT NULL,
  last_seen  INTEGER NOT NULL,
  UNIQUE(waiver_id, json)
);
)sql",
};
static_assert(std::size(kMigrations) == kSchemaVersion, "one migration step per version");

// The columns a finding is rebuilt (and re-hashed) from; LEFT JOIN so that a dangling reference
// shows up as a mismatch instead of a missing row.
#define SOV_FINDING_SELECT                                                                 \
  "SELECT f.id, f.scan_id, t.name, r.rule_id, r.ruleset, r.version, r.title, r.severity, " \
  "r.reference, r.source_url, r.remediation, r.effective, f.status, f.raw_status, "        \
  "f.in_force, d.message, d.evidence, d.basis, f.evaluated_at, f.hash, f.evidence_age, "   \
  "t.id IS NULL OR r.id IS NULL OR d.id IS NULL "                                          \
  "FROM findings f LEFT JOIN targets t ON t.id = f.target_id "                             \
  "LEFT JOIN rules r ON r.id = f.rule LEFT JOIN details d ON d.id = f.detail "

enum FindingCol {
  kColId,
  kColScan,
  kColTarget,
  kColRuleId,
  kColRuleset,
  kColVersion,
  kColTitle,
  kColSeverity,
  kColReference,
  kColSourceUrl,
  kColRemediation,
  kColEffective,
  kColStatus,
  kColRawStatus,
  kColInForce,
  kColMessage,
  kColEvidence,
  kColBasis,
  kColEvaluatedAt,
  kColHash,
  kColEvidenceAge,
  kColDangling,
};

// The stored fields of the current row as the chain sees them. Owns the status names when the
// stored code is not a known one (then the text is the number, which will not verify).
struct RowFields {
  codec::ChainFields fields;
  std::string status_buf;
  std::string raw_status_buf;
  std::string evidence_buf;
};

// The time evidence source times are stored relative to, from the finding row.
std::optional<int64_t> evidence_base_of(const sqlite::Query& q) {
  auto age = q.optional_integer(kColEvidenceAge);
  if (!age) return std::nullopt;
  return q.integer(kColEvaluatedAt) - *age;
}

// Fills `out` from the current row. False when the stored evidence cannot be read back, which
// for the chain is a mismatch like any other.
bool read_chain_fields(const sqlite::Query& q, RowFields* out) {
  codec::ChainFields& f = out->fields;
  f.id = q.integer(kColId);
  f.scan_id = q.integer(kColScan);
  f.target = q.text(kColTarget);
  f.rule_id = q.text(kColRuleId);
  f.ruleset = q.text(kColRuleset);
  f.ruleset_version = q.text(kColVersion);
  f.title = q.text(kColTitle);
  f.severity = q.text(kColSeverity);
  f.reference = q.text(kColReference);
  f.source_url = q.text(kColSourceUrl);
  f.remediation = q.text(kColRemediation);
  f.effective = q.optional_integer(kColEffective);
  auto status = codec::status_from_code(q.integer(kColStatus));
  out->status_buf =
      status ? std::string(model::status_name(*status)) : std::to_string(q.integer(kColStatus));
  f.status = out->status_buf;
  if (auto raw = q.optional_integer(kColRawStatus)) {
    auto rs = codec::status_from_code(*raw);
    out->raw_status_buf = rs ? std::string(model::status_name(*rs)) : std::to_string(*raw);
    f.raw_status = out->raw_status_buf;
  } else {
    f.raw_status.reset();
  }
  f.in_force = q.integer(kColInForce) != 0;
  f.message = q.text(kColMessage);
  f.basis_json = q.text(kColBasis);
  f.evaluated_at = q.integer(kColEvaluatedAt);
  f.evidence_json = q.text(kColEvidence);
  if (auto base = evidence_base_of(q)) {
    // Stored with relative times; the chain covers absolute ones.
    auto j = codec::parse(f.evidence_json, "evidence");
    if (!j) return false;
    auto items = codec::decode_evidence(*j, base);
    if (!items) return false;
    out->evidence_buf.clear();
    codec::append_evidence(&out->evidence_buf, *items, std::nullopt);
    f.evidence_json = out->evidence_buf;
  }
  return true;
}

// The chain's view of a finding about to be stored (or re-derived from a StoredFinding).
codec::ChainFields chain_fields_of(const model::Finding& f, int64_t id, int64_t scan_id,
                                   std::string_view target, std::string_view evidence_json,
                                   std::string_view basis_json) {
  codec::ChainFields c;
  c.id = id;
  c.scan_id = scan_id;
  c.target = target;
  c.rule_id = f.rule_id;
  c.ruleset = f.ruleset;
  c.ruleset_version = f.ruleset_version;
  c.title = f.title;
  c.severity = model::severity_name(f.severity);
  c.reference = f.reference;
  c.source_url = f.source_url;
  c.remediation = f.remediation;
  c.effective = codec::to_ns(f.effective);
  c.status = model::status_name(f.status);
  if (f.raw_status) c.raw_status = model::status_name(*f.raw_status);
  c.in_force = f.in_force;
  c.message = f.message;
  c.evidence_json = evidence_json;
  c.basis_json = basis_json;
  c.evaluated_at = codec::to_ns(f.evaluated_at);
  return c;
}

// Owns the flock on "<db>.lock" that makes this process the database's only writer.
class WriterLock {
 public:
  static Result<WriterLock> acquire(const std::string& db_path) {
    std::string lock_path = db_path + ".lock";
    int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
      return fail(ErrorCode::kIo, lock_path + ": cannot open lock file: " + std::strerror(errno));
    }
    WriterLock lock(fd);
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      if (errno == EWOULDBLOCK) {
        return fail(ErrorCode::kUnavailable,
                    db_path + ": already open for writing by another process or Store (" +
                        lock_path + " is locked)");
      }
      return fail(ErrorCode::kIo, lock_path + ": cannot lock: " + std::strerror(errno));
    }
    return lock;
  }
  WriterLock() = default;
  WriterLock(WriterLock&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  WriterLock& operator=(WriterLock&& o) noexcept {
    std::swap(fd_, o.fd_);
    return *this;
  }
  ~WriterLock() {
    if (fd_ >= 0) ::close(fd_);  // releases the flock
  }

 private:
  explicit WriterLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

// Library exceptions (nlohmann on hostile JSON) stop at the module boundary.
template <typename F>
auto guarded(std::string_view op, F&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const nlohmann::json::exception& e) {
    return Error(ErrorCode::kInternal, "store: " + std::string(op) + ": " + e.what());
  }
}

std::optional<ScanState> parse_scan_state(std::string_view s) {
  for (auto st : {ScanState::kRunning, ScanState::kComplete, ScanState::kInterrupted}) {
    if (scan_state_name(st) == s) return st;
  }
  return std::nullopt;
}

}  // namespace

// ---------------------------------------------------------------------------------------------

class Store::Impl {
 public:
  Impl(sqlite::Database db, codec::Sha256 sha, WriterLock lock, const StoreOptions& options,
       int version)
      : db_(std::move(db)),
        sha_(std::move(sha)),
        lock_(std::move(lock)),
        read_only_(options.read_only),
        clock_(options.clock != nullptr ? options.clock : &system_clock_),
        version_(version) {}

  static Result<std::unique_ptr<Impl>> open(const std::string& path, const StoreOptions& options);

  int version() const { return version_; }
  const std::string& path() const { return db_.path(); }

  Result<int64_t> begin_scan(const ScanMeta& meta);
  Result<bool> record_target(int64_t scan_id, const model::Target& target,
                             const model::Facts& facts, const ProbeOutcome& outcome,
                             const std::vector<model::Finding>& findings);
  Result<bool> end_scan(int64_t scan_id, ScanState state, const Json* summary, TimePoint finished);
  Result<std::vector<ScanInfo>> scans(size_t limit);
  Result<ScanInfo> scan(int64_t scan_id);
  Result<int64_t> for_each_finding(const FindingQuery& query, const FindingVisitor& visit);
  Result<TargetRecord> target_record(int64_t scan_id, const std::string& target_id,
                                     bool with_sources);
  Result<VerifyReport> verify();
  Result<std::string> chain_head();
  Result<PruneReport> prune(TimePoint keep_after);
  Result<int64_t> size_bytes();
  Result<bool> checkpoint_wal();
  // The outbox (Store::outbox_*) reads and writes its table directly.
  sqlite::Database& db() { return db_; }
  bool read_only() const { return read_only_; }

 private:
  struct Head {
    int64_t last_id = 0;  // id of the last finding (or the checkpoint's last_finding_id)
    std::string hash;     // raw 32 bytes
  };

  Result<bool> writable(std::string_view op) const;
  // kNotFound when scan `scan_id` does not exist, kInvalidInput when it is no longer running;
  // messages start with `op`.
  Result<bool> require_running(int64_t scan_id, const std::string& op);
  Result<Head> last_checkpoint();
  Result<Head> head();
  Result<int64_t> upsert_target(const model::Target& target);
  Result<int64_t> intern_doc(std::string_view json);
  Result<int64_t> intern_rule(const model::Finding& f,
                              std::vector<std::pair<std::string, int64_t>>* pending);
  // The details rows a target's rules used last: loaded once per target, so that an unchanged
  // finding costs no statement beyond its own INSERT.
  struct LatestDetails {
    int64_t rule;
    int64_t detail;
    std::string sha256;
    int64_t last_finding;
  };
  Result<std::vector<LatestDetails>> load_latest_details(int64_t target_row);
  // The details row for one finding: the latest one of (target, rule) if its content is the
  // same, else a new row that supersedes it. `batch_last` is the id of the target's last finding
  // in this transaction, recorded as the new row's last user.
  Result<int64_t> intern_details(int64_t target_row, int64_t rule, std::string_view message,
                                 std::string_view evidence_json, std::string_view basis_json,
                                 int64_t batch_last, std::vector<LatestDetails>* latest,
                                 std::string* reused);
  Result<ScanInfo> read_scan(const sqlite::Query& q);
  // Runs a DELETE whose ?1 is the prune cut; returns the number of rows deleted.
  Result<int64_t> delete_up_to(const char* sql, int64_t cut);
  // Recomputes the chain for rows in (from.last_id, up_to] (up_to nullopt = to the end).
  Result<VerifyReport> verify_chain(const Head& from, std::optional<int64_t> up_to);

  sqlite::Database db_;
  codec::Sha256 sha_;
  WriterLock lock_;
  bool read_only_;
  SystemClock system_clock_;
  const Clock* clock_;
  int version_;
  // Rule key (every field) -> rules.id. Rules are never deleted, so an entry stays valid; only
  // committed rows enter it.
  std::unordered_map<std::string, int64_t> rule_ids_;
};

Result<std::unique_ptr<Store::Impl>> Store::Impl::open(const std::string& path,
                                                       const StoreOptions& options) {
  WriterLock lock;
  if (!options.read_only) {
    fs::path parent = fs::path(path).parent_path();
    if (!parent.empty()) {
      std::error_code ec;
      fs::create_directories(parent, ec);
      if (ec) {
        return fail(ErrorCode::kIo,
                    path + ": cannot create directory " + parent.string() + ": " + ec.message());
      }
    }
    auto l = WriterLock::acquire(path);
    if (!l) return l.error();
    lock = std::move(*l);
  }
  auto db = sqlite::Database::open(path, options.read_only, options.busy_timeout);
  if (!db) return db.error();

  // Read the header before anything writes to the file: a newer or foreign database must stay
  // byte for byte as it was.
  int64_t version = 0;
  int64_t app_id = 0;
  int64_t objects = 0;
  {
    auto q = db->query("PRAGMA user_version", "read schema version");
    if (!q) return q.error();
    auto row = q->step();
    if (!row) {
      if (row.error().code() == ErrorCode::kCorrupt) {
        return Error(ErrorCode::kCorrupt, path + " is not a sovereignd database", row.error());
      }
      return row.error();
    }
    version = q->integer(0);
  }
  {
    auto v = scalar_integer(&*db, "PRAGMA application_id", "read application id");
    if (!v) return v.error();
    app_id = *v;
  }
  {
    auto v = scalar_integer(&*db, "SELECT count(*) FROM sqlite_schema", "read schema");
    if (!v) return v.error();
    objects = *v;
  }
  if (version > kSchemaVersion) return newer_schema(path, version);
  if (app_id != 0 && app_id != kApplicationId) {
    return fail(ErrorCode::kUnsupported, "database " + path +
                                             " belongs to another application (application_id " +
                                             std::to_string(app_id) + "); refusing to modify it");
  }
  if (version == 0 && objects > 0) {
    return fail(ErrorCode::kUnsupported,
                "database " + path +
                    " belongs to another application (it has tables but no sovereignd schema "
                    "version); refusing to modify it");
  }
  // 16 MiB of page cache instead of SQLite's 2 MiB: it holds the deduplication indices of a
  // 10,000-target estate (about 45 bytes per distinct details row), which every finding probes.
  if (auto r = db->exec("set cache size", "PRAGMA cache_size = -16384"); !r) return r.error();
  if (options.read_only) {
    if (version < kSchemaVersion) {
      return fail(ErrorCode::kUnsupported,
                  "database " + path + " has schema version " + std::to_string(version) +
                      " and needs migrating to " + std::to_string(kSchemaVersion) +
                      "; open it read-write (sovereignd does at start)");
    }
  } else {
    {
      auto q = db->query("PRAGMA journal_mode = WAL", "enable WAL");
      if (!q) return q.error();
      auto row = q->step();
      if (!row) return row.error();
      if (!*row || q->text(0) != "wal") {
        return fail(ErrorCode::kIo, path + ": cannot switch to WAL mode (journal mode '" +
                                        std::string(*row ? q->text(0) : "") + "')");
      }
    }
    // WAL with synchronous=NORMAL: a commit is appended to the WAL without fsync, which is
    // durable across a crash of the process (the WAL is in the OS cache) but may lose the last
    // transactions on power loss or a kernel crash; the database is never corrupted either way.
    // FULL would fsync every target's transaction, tens of thousands per hour; the evidence of
    // an hour-old scan is re-established by the next scan anyway.
    auto r = db->exec("set pragmas", "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON");
    if (!r) return r.error();

    if (version < kSchemaVersion) {
      auto tx = sqlite::Transaction::begin(&*db);
      if (!tx) return tx.error();
      // Re-read inside the transaction: the flock keeps other sovereignd writers out, but not
      // a tool that opens the file directly.
      auto current = scalar_integer(&*db, "PRAGMA user_version", "read schema version");
      if (!current) return current.error();
      if (*current > kSchemaVersion) return newer_schema(path, *current);
      for (int64_t v = *current; v < kSchemaVersion; ++v) {
        auto m = db->exec("migrate schema to version " + std::to_string(v + 1), kMigrations[v]);
        if (!m) return m.error();
      }
      std::string set = "PRAGMA user_version = " + std::to_string(kSchemaVersion);
      auto s = db->exec("set schema version", set.c_str());
      if (!s) return s.error();
      auto c = tx->commit();
      if (!c) return c.error();
      db->clear_cache();
      version = kSchemaVersion;
    }
    // A scan still running belongs to a writer that died (we hold the writer lock).
    auto q = db->query("UPDATE scans SET state = 'interrupted' WHERE state = 'running'",
                       "mark interrupted scans");
    if (!q) return q.error();
    auto u = q->run();
    if (!u) return u.error();
  }

  auto sha = codec::Sha256::create();
  if (!sha) return sha.error();
  return std::make_unique<Impl>(std::move(*db), std::move(*sha), std::move(lock), options,
                                static_cast<int>(version));
}

Result<bool> Store::Impl::writable(std::string_view op) const {
  if (read_only_) {
    return fail(ErrorCode::kUnsupported, path() + ": " + std::string(op) + ": store is read-only");
  }
  return true;
}

Result<bool> Store::Impl::require_running(int64_t scan_id, const std::string& op) {
  auto q = db_.query("SELECT state FROM scans WHERE id = ?1", "read scan state");
  if (!q) return q.error();
  q->bind(1, scan_id);
  auto row = q->step();
  if (!row) return row.error();
  if (!*row) {
    return fail(ErrorCode::kNotFound, op + ": scan " + std::to_string(scan_id) + " not found");
  }
  if (q->text(0) != "running") {
    return fail(ErrorCode::kInvalidInput, op + ": scan " + std::to_string(scan_id) + " is " +
                                              std::string(q->text(0)) + ", not running");
  }
  return true;
}

Result<int64_t> Store::Impl::begin_scan(const ScanMeta& meta) {
  if (auto w = writable("begin scan"); !w) return w.error();
  auto q = db_.query(
      "INSERT INTO scans(node, started, state, config_file, config_sha256, rules_digest, version) "
      "VALUES(?1, ?2, 'running', ?3, ?4, ?5, ?6) RETURNING id",
      "begin scan");
  if (!q) return q.error();
  q->bind(1, meta.node)
      .bind(2, codec::to_ns(meta.started))
      .bind(3, meta.config_file)
      .bind(4, meta.config_sha256)
      .bind(5, meta.rules_digest)
      .bind(6, meta.version);
  auto row = q->step();
  if (!row) return row.error();
  int64_t id = q->integer(0);
  if (auto r = q->run(); !r) return r.error();
  return id;
}

Result<Store::Impl::Head> Store::Impl::last_checkpoint() {
  auto q = db_.query("SELECT last_finding_id, head_hash FROM checkpoints ORDER BY id DESC LIMIT 1",
                     "read checkpoint");
  if (!q) return q.error();
  auto row = q->step();
  if (!row) return row.error();
  if (!*row) return Head{0, codec::genesis_hash()};
  return Head{q->integer(0), std::string(q->blob(1))};
}

Result<Store::Impl::Head> Store::Impl::head() {
  {
    auto q = db_.query("SELECT id, hash FROM findings ORDER BY id DESC LIMIT 1", "read chain head");
    if (!q) return q.error();
    auto row = q->step();
    if (!row) return row.error();
    if (*row) return Head{q->integer(0), std::string(q->blob(1))};
  }
  return last_checkpoint();
}

Result<int64_t> Store::Impl::upsert_target(const model::Target& target) {
  int64_t now = codec::to_ns(clock_->now());
  std::optional<int64_t> id;
  {
    auto q = db_.query("SELECT id FROM targets WHERE name = ?1", "find target");
    if (!q) return q.error();
    q->bind(1, target.id);
    auto row = q->step();
    if (!row) return row.error();
    if (*row) id = q->integer(0);
  }
  if (id) {
    auto q =
        db_.query("UPDATE targets SET kind = ?2, last_seen = ?3 WHERE id = ?1", "update target");
    if (!q) return q.error();
    q->bind(1, *id).bind(2, target.kind).bind(3, now);
    if (auto r = q->run(); !r) return r.error();
    return *id;
  }
  auto q =
      db_.query("INSERT INTO targets(name, kind, first_seen, last_seen) VALUES(?1, ?2, ?3, ?3)",
                "insert target");
  if (!q) return q.error();
  q->bind(1, target.id).bind(2, target.kind).bind(3, now);
  if (auto r = q->run(); !r) return r.error();
  return db_.last_insert_rowid();
}

Result<int64_t> Store::Impl::intern_doc(std::string_view json) {
  auto sha = sha_.digest(json);
  if (!sha) return sha.error();
  {
    auto q = db_.query("SELECT id FROM fact_docs WHERE sha256 = ?1", "find fact document");
    if (!q) return q.error();
    q->bind_blob(1, *sha);
    auto row = q->step();
    if (!row) return row.error();
    if (*row) return q->integer(0);
  }
  auto q = db_.query("INSERT INTO fact_docs(sha256, json) VALUES(?1, ?2)", "insert fact document");
  if (!q) return q.error();
  q->bind_blob(1, *sha).bind(2, json);
  if (auto r = q->run(); !r) return r.error();
  return db_.last_insert_rowid();
}

Result<int64_t> Store::Impl::intern_rule(const model::Finding& f,
                                         std::vector<std::pair<std::string, int64_t>>* pending) {
  std::string key;
  std::string_view severity = model::severity_name(f.severity);
  auto effective = codec::to_ns(f.effective);
  for (std::string_view part : {std::string_view(f.rule_id), std::string_view(f.ruleset),
                                std::string_view(f.ruleset_version), std::string_view(f.title),
                                severity, std::string_view(f.reference),
                                std::string_view(f.source_url), std::string_view(f.remediation)}) {
    key.append(part);
    key.push_back('\0');
  }
  key.append(effective ? std::to_string(*effective) : "-");
  if (auto it = rule_ids_.find(key); it != rule_ids_.end()) return it->second;
  for (const auto& [k, id] : *pending) {
    if (k == key) return id;
  }

  Json canon = {{"rule_id", f.rule_id},         {"ruleset", f.ruleset},
                {"version", f.ruleset_version}, {"title", f.title},
                {"severity", severity},         {"reference", f.reference},
                {"source_url", f.source_url},   {"remediation", f.remediation}};
  canon["effective"] = effective ? Json(*effective) : Json(nullptr);
  auto sha = sha_.digest(codec::dump(canon));
  if (!sha) return sha.error();
  int64_t id = 0;
  {
    auto q = db_.query("SELECT id FROM rules WHERE sha256 = ?1", "find rule");
    if (!q) return q.error();
    q->bind_blob(1, *sha);
    auto row = q->step();
    if (!row) return row.error();
    if (*row) id = q->integer(0);
  }
  if (id == 0) {
    auto q = db_.query(
        "INSERT INTO rules(sha256, rule_id, ruleset, version, title, severity, reference, "
        "source_url, remediation, effective) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        "insert rule");
    if (!q) return q.error();
    q->bind_blob(1, *sha)
        .bind(2, f.rule_id)
        .bind(3, f.ruleset)
        .bind(4, f.ruleset_version)
        .bind(5, f.title)
        .bind(6, severity)
        .bind(7, f.reference)
        .bind(8, f.source_url)
        .bind(9, f.remediation)
        .bind(10, effective);
    if (auto r = q->run(); !r) return r.error();
    id = db_.last_insert_rowid();
  }
  pending->emplace_back(std::move(key), id);
  return id;
}

Result<std::vector<Store::Impl::LatestDetails>> Store::Impl::load_latest_details(
    int64_t target_row) {
  std::vector<LatestDetails> out;
  auto q = db_.query(
      "SELECT rule, detail, sha256, last_finding FROM latest_details WHERE target_id = ?1",
      "read latest finding details");
  if (!q) return q.error();
  q->bind(1, target_row);
  while (true) {
    auto row = q->step();
    if (!row) return row.error();
    if (!*row) break;
    out.push_back({q->integer(0), q->integer(1), std::string(q->blob(2)), q->integer(3)});
  }
  return out;
}

Result<int64_t> Store::Impl::intern_details(int64_t target_row, int64_t rule,
                                            std::string_view message,
                                            std::string_view evidence_json,
                                            std::string_view basis_json, int64_t batch_last,
                                            std::vector<LatestDetails>* latest,
                                            std::string* reused) {
  // No RETURNING clauses on this path: SQLite buffers their rows in an ephemeral table, whose
  // set-up costs more than the statements themselves.
  auto sha = sha_.digest(codec::canonical_details(message, evidence_json, basis_json));
  if (!sha) return sha.error();
  auto it = std::find_if(latest->begin(), latest->end(),
                         [&](const LatestDetails& l) { return l.rule == rule; });
  if (it != latest->end() && it->sha256 == *sha) {
    // Same content as last time: reuse. Its last user is updated for the whole target at once.
    if (!reused->empty()) reused->push_back(',');
    reused->append(std::to_string(rule));
    return it->detail;
  }
  {
    auto q = db_.query("INSERT INTO details(message, evidence, basis) VALUES(?1, ?2, ?3)",
                       "insert finding details");
    if (!q) return q.error();
    q->bind(1, message).bind(2, evidence_json).bind(3, basis_json);
    if (auto r = q->run(); !r) return r.error();
  }
  int64_t id = db_.last_insert_rowid();
  if (it != latest->end()) {
    // The superseded row keeps its last user, so prune knows when it can go.
    auto q = db_.query("UPDATE details SET last_finding = ?2 WHERE id = ?1",
                       "supersede finding details");
    if (!q) return q.error();
    q->bind(1, it->detail).bind(2, it->last_finding);
    if (auto r = q->run(); !r) return r.error();
  }
  auto q = db_.query(
      "INSERT OR REPLACE INTO latest_details(target_id, rule, sha256, detail, last_finding) "
      "VALUES(?1, ?2, ?3, ?4, ?5)",
      "record latest finding details");
  if (!q) return q.error();
  q->bind(1, target_row).bind(2, rule).bind_blob(3, *sha).bind(4, id).bind(5, batch_last);
  if (auto r = q->run(); !r) return r.error();
  if (it != latest->end()) {
    *it = {rule, id, std::move(*sha), batch_last};
  } else {
    latest->push_back({rule, id, std::move(*sha), batch_last});
  }
  return id;
}

Result<bool> Store::Impl::record_target(int64_t scan_id, const model::Target& target,
                                        const model::Facts& facts, const ProbeOutcome& outcome,
                                        const std::vector<model::Finding>& findings) {
  if (auto w = writable("record target"); !w) return w.error();
  for (const auto& f : findings) {
    if (!f.target_id.empty() && f.target_id != target.id) {
      return fail(ErrorCode::kInvalidInput, "record target " + target.id + ": finding of rule " +
                                                f.rule_id + " is for target " + f.target_id);
    }
  }
  // Serialise before taking the write lock, to hold it for less time.
  std::string facts_json = codec::dump(facts.doc());
  auto sources_base = codec::sources_base(facts.sources());
  std::string sources_json;
  codec::append_sources(&sources_json, facts.sources(), sources_base);

  auto tx = sqlite::Transaction::begin(&db_);
  if (!tx) return tx.error();
  if (auto r = require_running(scan_id, "record target " + target.id); !r) return r.error();
  auto h = head();
  if (!h) return h.error();

  auto target_row = upsert_target(target);
  if (!target_row) return target_row.error();
  auto facts_id = intern_doc(facts_json);
  if (!facts_id) return facts_id.error();
  auto sources_id = intern_doc(sources_json);
  if (!sources_id) return sources_id.error();
  {
    auto q = db_.query(
        "INSERT INTO target_results(scan_id, target_id, facts, sources, probe_ok, probe_error, "
        "probe_started, probe_duration, sources_base) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        "record target result");
    if (!q) return q.error();
    q->bind(1, scan_id)
        .bind(2, *target_row)
        .bind(3, *facts_id)
        .bind(4, *sources_id)
        .bind(5, int64_t{outcome.ok ? 1 : 0})
        .bind(7, codec::to_ns(outcome.started))
        .bind(8, std::chrono::duration_cast<std::chrono::nanoseconds>(outcome.duration).count())
        .bind(9, sources_base);
    if (outcome.error.empty()) {
      q->bind_null(6);
    } else {
      q->bind(6, outcome.error);
    }
    if (auto r = q->run(); !r) {
      if (r.error().code() == ErrorCode::kInvalidInput) {
        return Error(
            ErrorCode::kInvalidInput,
            "target " + target.id + " is already recorded in scan " + std::to_string(scan_id),
            r.error());
      }
      return r.error();
    }
  }

  auto latest = load_latest_details(*target_row);
  if (!latest) return latest.error();
  // A target's findings are one contiguous run of ids inside one scan, and prune cuts between
  // scans, so the run's last id serves as the last user of every details row it uses.
  const int64_t batch_last = h->last_id + static_cast<int64_t>(findings.size());
  std::string reused;  // rules ids whose latest details were reused, comma-separated
  std::vector<std::pair<std::string, int64_t>> pending_rules;
  int64_t id = h->last_id;
  std::string prev = std::move(h->hash);
  std::string stored_evidence, absolute_evidence, basis_json;
  for (const auto& f : findings) {
    ++id;
    auto rule = intern_rule(f, &pending_rules);
    if (!rule) return rule.error();
    auto base = codec::evidence_base(f.evidence);
    stored_evidence.clear();
    codec::append_evidence(&stored_evidence, f.evidence, base);
    std::string_view evidence_json = stored_evidence;
    if (base) {
      absolute_evidence.clear();
      codec::append_evidence(&absolute_evidence, f.evidence, std::nullopt);
      evidence_json = absolute_evidence;
    }
    basis_json.clear();
    codec::append_json_value(&basis_json, f.basis);
    auto detail = intern_details(*target_row, *rule, f.message, stored_evidence, basis_json,
                                 batch_last, &*latest, &reused);
    if (!detail) return detail.error();

    codec::ChainFields c = chain_fields_of(f, id, scan_id, target.id, evidence_json, basis_json);
    auto hash = sha_.digest(prev, codec::canonical_finding(c));
    if (!hash) return hash.error();

    auto q = db_.query(
        "INSERT INTO findings(id, scan_id, target_id, rule, status, raw_status, in_force, detail, "
        "evaluated_at, hash, evidence_age) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        "record finding");
    if (!q) return q.error();
    q->bind(1, id)
        .bind(2, scan_id)
        .bind(3, *target_row)
        .bind(4, *rule)
        .bind(5, codec::status_code(f.status))
        .bind(6, f.raw_status ? std::optional<int64_t>(codec::status_code(*f.raw_status))
                              : std::nullopt)
        .bind(7, int64_t{f.in_force ? 1 : 0})
        .bind(8, *detail)
        .bind(9, c.evaluated_at)
        .bind_blob(10, *hash)
        .bind(11, base ? std::optional<int64_t>(c.evaluated_at - *base) : std::nullopt);
    if (auto r = q->run(); !r) return r.error();
    prev = std::move(*hash);
  }
  if (!reused.empty()) {
    auto q = db_.query(
        "UPDATE latest_details SET last_finding = ?2 "
        "WHERE target_id = ?1 AND rule IN (SELECT value FROM json_each(?3))",
        "mark reused finding details");
    if (!q) return q.error();
    q->bind(1, *target_row).bind(2, batch_last).bind(3, "[" + reused + "]");
    if (auto r = q->run(); !r) return r.error();
  }
  if (!findings.empty()) {
    auto q = db_.query(
        "UPDATE scans SET first_finding = coalesce(first_finding, ?2), last_finding = ?3 "
        "WHERE id = ?1",
        "record scan findings range");
    if (!q) return q.error();
    q->bind(1, scan_id).bind(2, h->last_id + 1).bind(3, id);
    if (auto r = q->run(); !r) return r.error();
  }
  auto c = tx->commit();
  if (!c) return c.error();
  for (auto& [k, v] : pending_rules) rule_ids_.emplace(std::move(k), v);
  return true;
}

Result<bool> Store::Impl::end_scan(int64_t scan_id, ScanState state, const Json* summary,
                                   TimePoint finished) {
  std::string op = state == ScanState::kComplete ? "finish scan" : "interrupt scan";
  if (auto w = writable(op); !w) return w.error();
  auto tx = sqlite::Transaction::begin(&db_);
  if (!tx) return tx.error();
  if (auto r = require_running(scan_id, op); !r) return r.error();
  auto q = db_.query("UPDATE scans SET state = ?2, summary = ?3, finished = ?4 WHERE id = ?1",
                     "update scan state");
  if (!q) return q.error();
  q->bind(1, scan_id).bind(2, scan_state_name(state)).bind(4, codec::to_ns(finished));
  if (summary != nullptr) {
    q->bind(3, codec::dump(*summary));
  } else {
    q->bind_null(3);
  }
  if (auto r = q->run(); !r) return r.error();
  return tx->commit();
}

#define SOV_SCAN_SELECT                                                                   \
  "SELECT id, node, started, finished, state, config_file, config_sha256, rules_digest, " \
  "version, summary FROM scans "

Result<ScanInfo> Store::Impl::read_scan(const sqlite::Query& q) {
  ScanInfo s;
  s.id = q.integer(0);
  s.meta.node = std::string(q.text(1));
  s.meta.started = codec::from_ns(q.integer(2));
  s.finished = codec::from_ns(q.optional_integer(3));
  auto state = parse_scan_state(q.text(4));
  if (!state) {
    return fail(ErrorCode::kCorrupt, path() + ": scan " + std::to_string(s.id) +
                                         " has unknown state '" + std::string(q.text(4)) + "'");
  }
  s.state = *state;
  s.meta.config_file = std::string(q.text(5));
  s.meta.config_sha256 = std::string(q.text(6));
  s.meta.rules_digest = std::string(q.text(7));
  s.meta.version = std::string(q.text(8));
  if (!q.is_null(9)) {
    auto j = codec::parse(q.text(9), path() + ": summary of scan " + std::to_string(s.id));
    if (!j) return j.error();
    s.summary = std::move(*j);
  }
  return s;
}

Result<std::vector<ScanInfo>> Store::Impl::scans(size_t limit) {
  auto q = db_.query(SOV_SCAN_SELECT "ORDER BY id DESC LIMIT ?1", "list scans");
  if (!q) return q.error();
  q->bind(1, limit == 0 ? int64_t{-1} : static_cast<int64_t>(limit));
  std::vector<ScanInfo> out;
  while (true) {
    auto row = q->step();
    if (!row) return row.error();
    if (!*row) break;
    auto s = read_scan(*q);
    if (!s) return s.error();
    out.push_back(std::move(*s));
  }
  return out;
}

Result<ScanInfo> Store::Impl::scan(int64_t scan_id) {
  auto q = db_.query(SOV_SCAN_SELECT "WHERE id = ?1", "read scan");
  if (!q) return q.error();
  q->bind(1, scan_id);
  auto row = q->step();
  if (!row) return row.error();
  if (!*row) return fail(ErrorCode::kNotFound, "scan " + std::to_string(scan_id) + " not found");
  return read_scan(*q);
}

// Streams the rows one at a time: only the current row is decoded, so a million findings cost
// the memory of one (exports rely on it).
Result<int64_t> Store::Impl::for_each_finding(const FindingQuery& query,
                                              const FindingVisitor& visit) {
  int64_t scan_id = 0;
  int64_t first = 0;
  int64_t last = -1;
  {
    auto q = query.scan_id
                 ? db_.query("SELECT id, first_finding, last_finding FROM scans WHERE id = ?1",
                             "read scan")
                 : db_.query(
                       "SELECT id, first_finding, last_finding FROM scans "
                       "WHERE last_finding IS NOT NULL ORDER BY id DESC LIMIT 1",
                       "find latest scan with findings");
    if (!q) return q.error();
    if (query.scan_id) q->bind(1, *query.scan_id);
    auto row = q->step();
    if (!row) return row.error();
    if (!*row) {
      if (query.scan_id) {
        return fail(ErrorCode::kNotFound, "scan " + std::to_string(*query.scan_id) + " not found");
      }
      return int64_t{0};
    }
    if (q->is_null(1)) return int64_t{0};
    scan_id = q->integer(0);
    first = q->integer(1);
    last = q->integer(2);
  }
  std::optional<int64_t> target_row;
  if (query.target_id) {
    auto q = db_.query("SELECT id FROM targets WHERE name = ?1", "find target");
    if (!q) return q.error();
    q->bind(1, *query.target_id);
    auto row = q->step();
    if (!row) return row.error();
    if (!*row) return int64_t{0};
    target_row = q->integer(0);
  }
  // The id range keeps this a rowid range scan: findings need no index on scan_id.
  auto q = db_.query(SOV_FINDING_SELECT
                     "WHERE f.id BETWEEN ?1 AND ?2 AND f.scan_id = ?3 "
                     "AND (?4 IS NULL OR f.status = ?4) AND (?5 IS NULL OR r.rule_id = ?5) "
                     "AND (?6 IS NULL OR f.target_id = ?6) ORDER BY f.id LIMIT ?7",
                     "query findings");
  if (!q) return q.error();
  q->bind(1, first).bind(2, last).bind(3, scan_id);
  if (query.status) {
    q->bind(4, codec::status_code(*query.status));
  } else {
    q->bind_null(4);
  }
  if (query.rule_id) {
    q->bind(5, *query.rule_id);
  } else {
    q->bind_null(5);
  }
  q->bind(6, target_row);
  q->bind(7, query.limit == 0 ? int64_t{-1} : static_cast<int64_t>(query.limit));

  int64_t visited = 0;
  while (true) {
    auto row = q->step();
    if (!row) return row.error();
    if (!*row) break;
    int64_t id = q->integer(kColId);
    auto corrupt = [&](const std::string& what) {
      return Error(ErrorCode::kCorrupt,
                   path() + ": findings row " + std::to_string(id) + ": " + what);
    };
    if (q->integer(kColDangling) != 0) {
      return corrupt("refers to a missing target, rule or details row");
    }
    StoredFinding sf;
    sf.id = id;
    sf.scan_id = q->integer(kColScan);
    sf.hash = codec::to_hex(q->blob(kColHash));
    model::Finding& f = sf.finding;
    f.rule_id = std::string(q->text(kColRuleId));
    f.ruleset = std::string(q->text(kColRuleset));
    f.ruleset_version = std::string(q->text(kColVersion));
    f.title = std::string(q->text(kColTitle));
    auto sev = model::parse_severity(q->text(kColSeverity));
    if (!sev) return corrupt("unknown severity '" + std::string(q->text(kColSeverity)) + "'");
    f.severity = *sev;
    f.reference = std::string(q->text(kColReference));
    f.source_url = std::string(q->text(kColSourceUrl));
    f.remediation = std::string(q->text(kColRemediation));
    f.target_id = std::string(q->text(kColTarget));
    auto status = codec::status_from_code(q->integer(kColStatus));
    if (!status) return corrupt("unknown status code " + std::to_string(q->integer(kColStatus)));
    f.status = *status;
    if (auto raw = q->optional_integer(kColRawStatus)) {
      auto rs = codec::status_from_code(*raw);
      if (!rs) return corrupt("unknown raw status code " + std::to_string(*raw));
      f.raw_status = *rs;
    }
    f.in_force = q->integer(kColInForce) != 0;
    f.effective = codec::from_ns(q->optional_integer(kColEffective));
    f.message = std::string(q->text(kColMessage));
    auto ev = codec::parse(q->text(kColEvidence), corrupt("evidence").message());
    if (!ev) return ev.error();
    auto items = codec::decode_evidence(*ev, evidence_base_of(*q));
    if (!items) return corrupt(items.error().message());
    f.evidence = std::move(*items);
    auto basis = codec::parse(q->text(kColBasis), corrupt("basis").message());
    if (!basis) return basis.error();
    f.basis = std::move(*basis);
    f.evaluated_at = codec::from_ns(q->integer(kColEvaluatedAt));
    ++visited;
    auto more = visit(std::move(sf));
    if (!more) return more.error();
    if (!*more) break;
  }
  return visited;
}

Result<TargetRecord> Store::Impl::target_record(int64_t scan_id, const std::string& target_id,
                                                bool with_sources) {
  auto q = db_.query(
      "SELECT t.kind, fd.json, sd.json, tr.probe_ok, tr.probe_error, tr.probe_started, "
      "tr.probe_duration, tr.sources_base FROM target_results tr JOIN targets t ON t.id = "
      "tr.target_id "
      "LEFT JOIN fact_docs fd ON fd.id = tr.facts LEFT JOIN fact_docs sd ON sd.id = tr.sources "
      "WHERE tr.scan_id = ?1 AND t.name = ?2",
      "read target result");
  if (!q) return q.error();
  q->bind(1, scan_id).bind(2, target_id);
  auto row = q->step();
  if (!row) return row.error();
  std::string subject = "target " + target_id + " in scan " + std::to_string(scan_id);
  if (!*row) return fail(ErrorCode::kNotFound, "no facts recorded for " + subject);
  if (q->is_null(1) || q->is_null(2)) {
    return fail(ErrorCode::kCorrupt, path() + ": facts of " + subject + " are missing");
  }
  TargetRecord rec;
  rec.scan_id = scan_id;
  rec.target_id = target_id;
  rec.kind = std::string(q->text(0));
  auto doc = codec::parse(q->text(1), path() + ": facts of " + subject);
  if (!doc) return doc.error();
  rec.facts = model::Facts(std::move(*doc));
  if (with_sources) {
    auto sj = codec::parse(q->text(2), path() + ": sources of " + subject);
    if (!sj) return sj.error();
    auto sources = codec::decode_sources(*sj, q->optional_integer(7));
    if (!sources) {
      return Error(ErrorCode::kCorrupt, path() + ": sources of " + subject, sources.error());
    }
    for (auto& [p, s] : *sources) rec.facts.set_source(p, std::move(s));
  }
  rec.outcome.ok = q->integer(3) != 0;
  rec.outcome.error = std::string(q->text(4));
  rec.outcome.started = codec::from_ns(q->integer(5));
  rec.outcome.duration =
      std::chrono::duration_cast<Duration>(std::chrono::nanoseconds(q->integer(6)));
  return rec;
}

Result<VerifyReport> Store::Impl::verify_chain(const Head& from, std::optional<int64_t> up_to) {
  VerifyReport rep;
  auto q = up_to ? db_.query(SOV_FINDING_SELECT "WHERE f.id > ?1 AND f.id <= ?2 ORDER BY f.id",
                             "verify findings range")
                 : db_.query(SOV_FINDING_SELECT "WHERE f.id > ?1 ORDER BY f.id", "verify findings");
  if (!q) return q.error();
  q->bind(1, from.last_id);
  if (up_to) q->bind(2, *up_to);
  int64_t expect = from.last_id + 1;
  std::string prev = from.hash;
  RowFields row_fields;
  while (true) {
    auto row = q->step();
    if (!row) return row.error();
    if (!*row) break;
    int64_t id = q->integer(kColId);
    if (id != expect) {
      rep.ok = false;
      rep.first_bad_id = id;
      rep.message = "findings row " + std::to_string(id) + " does not follow row " +
                    std::to_string(expect - 1) + ": rows " + std::to_string(expect) + ".." +
                    std::to_string(id - 1) + " are missing (deleted)";
      break;
    }
    bool readable = read_chain_fields(*q, &row_fields);
    auto hash = sha_.digest(prev, codec::canonical_finding(row_fields.fields));
    if (!hash) return hash.error();
    if (!readable || *hash != q->blob(kColHash)) {
      rep.ok = false;
      rep.first_bad_id = id;
      rep.message =
          "findings row " + std::to_string(id) +
          " does not match its hash: it was changed after it was recorded" +
          (q->integer(kColDangling) != 0 ? " (its target, rule or details row is gone)" : "");
      break;
    }
    prev = std::string(q->blob(kColHash));
    ++expect;
    ++rep.rows_checked;
  }
  rep.head = codec::to_hex(prev);
  return rep;
}

Result<VerifyReport> Store::Impl::verify() {
  auto cp = last_checkpoint();
  if (!cp) return cp.error();
  VerifyReport rep;
  {
    auto q = db_.query("SELECT min(id) FROM findings", "verify findings");
    if (!q) return q.error();
    auto row = q->step();
    if (!row) return row.error();
    if (auto min = q->optional_integer(0); min && *min <= cp->last_id) {
      rep.ok = false;
      rep.first_bad_id = *min;
      rep.message = "findings row " + std::to_string(*min) +
                    " precedes the last checkpoint (which cut the chain after row " +
                    std::to_string(cp->last_id) + ")";
    }
  }
  if (rep.ok) {
    auto chain = verify_chain(*cp, std::nullopt);
    if (!chain) return chain.error();
    rep = std::move(*chain);
  }
  if (rep.ok) {
    // Rows cut from the end leave no broken link; the scans still name their last finding.
    auto q = db_.query("SELECT max(last_finding) FROM scans", "verify scans");
    if (!q) return q.error();
    auto row = q->step();
    if (!row) return row.error();
    int64_t last_row = cp->last_id + rep.rows_checked;
    if (auto recorded = q->optional_integer(0); recorded && *recorded > last_row) {
      rep.ok = false;
      rep.first_bad_id = last_row + 1;
      rep.message = "findings rows " + std::to_string(last_row + 1) + ".." +
                    std::to_string(*recorded) + " are missing at the end of the chain (deleted)";
    }
  }
  {
    auto q = db_.query("SELECT id, sha256, json FROM fact_docs ORDER BY id", "verify fact docs");
    if (!q) return q.error();
    while (true) {
      auto row = q->step();
      if (!row) return row.error();
      if (!*row) break;
      ++rep.fact_docs_checked;
      auto sha = sha_.digest(q->text(2));
      if (!sha) return sha.error();
      if (*sha != q->blob(1)) {
        rep.first_bad_fact_doc = q->integer(0);
        if (rep.ok) {
          rep.message = "fact document " + std::to_string(q->integer(0)) +
                        " does not match its SHA-256: it was changed after it was recorded";
        }
        rep.ok = false;
        break;
      }
    }
  }
  if (rep.ok) {
    rep.message = "chain intact: " + std::to_string(rep.rows_checked) + " findings from " +
                  (cp->last_id == 0 ? std::string("the start")
                                    : "checkpoint after row " + std::to_string(cp->last_id)) +
                  ", " + std::to_string(rep.fact_docs_checked) + " fact documents";
  }
  return rep;
}

Result<std::string> Store::Impl::chain_head() {
  auto h = head();
  if (!h) return h.error();
  return codec::to_hex(h->hash);
}

Result<int64_t> Store::Impl::delete_up_to(const char* sql, int64_t cut) {
  auto q = db_.query(sql, "prune");
  if (!q) return q.error();
  q->bind(1, cut);
  if (auto x = q->run(); !x) return x.error();
  return db_.changes();
}

Result<PruneReport> Store::Impl::prune(TimePoint keep_after) {
  if (auto w = writable("prune"); !w) return w.error();
  auto tx = sqlite::Transaction::begin(&db_);
  if (!tx) return tx.error();
  auto cp = last_checkpoint();
  if (!cp) return cp.error();
  auto h = head();
  if (!h) return h.error();

  struct Row {
    int64_t id;
    int64_t started;
    std::string state;
    std::optional<int64_t> first, last;
    bool drop;
  };
  std::vector<Row> rows;
  {
    auto q = db_.query("SELECT id, started, state, first_finding, last_finding FROM scans",
                       "list scans to prune");
    if (!q) return q.error();
    while (true) {
      auto row = q->step();
      if (!row) return row.error();
      if (!*row) break;
      rows.push_back({q->integer(0), q->integer(1), std::string(q->text(2)), q->optional_integer(3),
                      q->optional_integer(4), false});
    }
  }
  std::optional<int64_t> newest_complete;
  for (const auto& r : rows) {
    if (r.state == "complete" && (!newest_complete || r.id > *newest_complete)) {
      newest_complete = r.id;
    }
  }
  const int64_t keep_ns = codec::to_ns(keep_after);
  for (auto& r : rows) {
    r.drop = r.started < keep_ns && r.id != newest_complete && r.state != "running";
  }
  // Only a prefix of the chain can go: cut just before the first finding of any kept scan, and
  // keep any old scan that has findings past the cut, until nothing moves.
  PruneReport rep;
  int64_t cut = 0;
  while (true) {
    cut = h->last_id;
    for (const auto& r : rows) {
      if (!r.drop && r.first) cut = std::min(cut, *r.first - 1);
    }
    bool moved = false;
    for (auto& r : rows) {
      if (r.drop && r.last && *r.last > cut) {
        r.drop = false;
        moved = true;
        ++rep.scans_deferred;
      }
    }
    if (!moved) break;
  }
  cut = std::max(cut, cp->last_id);

  std::string cut_head;
  if (cut > cp->last_id) {
    // Verify what is about to go: a checkpoint over a broken chain would hide the tampering.
    auto check = verify_chain(*cp, cut);
    if (!check) return check.error();
    if (!check->ok || cp->last_id + check->rows_checked != cut) {
      return fail(ErrorCode::kCorrupt,
                  path() + ": refusing to prune: " +
                      (check->ok ? "findings rows up to " + std::to_string(cut) + " are missing"
                                 : check->message) +
                      "; run verify");
    }
    auto q = db_.query("SELECT hash FROM findings WHERE id = ?1", "read chain head at cut");
    if (!q) return q.error();
    q->bind(1, cut);
    auto row = q->step();
    if (!row) return row.error();
    cut_head = std::string(q->blob(0));
  }

  for (const auto& r : rows) {
    if (!r.drop) continue;
    for (const char* sql :
         {"DELETE FROM target_results WHERE scan_id = ?1", "DELETE FROM scans WHERE id = ?1"}) {
      auto q = db_.query(sql, "prune scan");
      if (!q) return q.error();
      q->bind(1, r.id);
      if (auto x = q->run(); !x) return x.error();
    }
    ++rep.scans_removed;
  }
  if (!cut_head.empty()) {
    auto findings = delete_up_to("DELETE FROM findings WHERE id <= ?1", cut);
    if (!findings) return findings.error();
    rep.findings_removed = *findings;
    {
      // Superseded details whose last user is gone, then the latest details of (target, rule)
      // pairs not evaluated since the cut.
      auto superseded = delete_up_to("DELETE FROM details WHERE last_finding <= ?1", cut);
      if (!superseded) return superseded.error();
      auto latest = delete_up_to(
          "DELETE FROM details WHERE id IN "
          "(SELECT detail FROM latest_details WHERE last_finding <= ?1)",
          cut);
      if (!latest) return latest.error();
      rep.details_removed = *superseded + *latest;
      auto pairs = delete_up_to("DELETE FROM latest_details WHERE last_finding <= ?1", cut);
      if (!pairs) return pairs.error();
    }
    auto q = db_.query(
        "INSERT INTO checkpoints(created, pruned_before, last_finding_id, head_hash) "
        "VALUES(?1, ?2, ?3, ?4)",
        "record checkpoint");
    if (!q) return q.error();
    q->bind(1, codec::to_ns(clock_->now())).bind(2, keep_ns).bind(3, cut).bind_blob(4, cut_head);
    if (auto x = q->run(); !x) return x.error();
    rep.checkpoint_hash = codec::to_hex(cut_head);
  }
  if (rep.scans_removed > 0) {
    auto q = db_.query(
        "DELETE FROM fact_docs WHERE id NOT IN (SELECT facts FROM target_results) "
        "AND id NOT IN (SELECT sources FROM target_results)",
        "prune fact documents");
    if (!q) return q.error();
    if (auto x = q->run(); !x) return x.error();
    rep.fact_docs_removed = db_.changes();
  }
  auto c = tx->commit();
  if (!c) return c.error();
  return rep;
}

Result<int64_t> Store::Impl::size_bytes() {
  int64_t total = 0;
  for (const std::string& p : {path(), path() + "-wal"}) {
    std::error_code ec;
    auto n = fs::file_size(p, ec);
    if (ec) {
      if (ec == std::errc::no_such_file_or_directory) continue;
      return fail(ErrorCode::kIo, p + ": cannot read size: " + ec.message());
    }
    total += static_cast<int64_t>(n);
  }
  return total;
}

Result<bool> Store::Impl::checkpoint_wal() {
  auto q = db_.query("PRAGMA wal_checkpoint(TRUNCATE)", "checkpoint WAL");
  if (!q) return q.error();
  auto row = q->step();
  if (!row) return row.error();
  if (*row && q->integer(0) != 0) {
    return fail(ErrorCode::kUnavailable,
                path() + ": checkpoint WAL: readers kept it from completing");
  }
  return true;
}

// ---------------------------------------------------------------------------------------------

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::~Store() = default;

Result<std::unique_ptr<Store>> Store::open(const std::string& path, const StoreOptions& options) {
  return guarded("open", [&]() -> Result<std::unique_ptr<Store>> {
    auto impl = Impl::open(path, options);
    if (!impl) return impl.error();
    return std::unique_ptr<Store>(new Store(std::move(*impl)));
  });
}

int Store::schema_version() const { return impl_->version(); }
const std::string& Store::path() const { return impl_->path(); }

Result<int64_t> Store::begin_scan(const ScanMeta& meta) {
  return guarded("begin scan", [&] { return impl_->begin_scan(meta); });
}

Result<bool> Store::record_target(int64_t scan_id, const model::Target& target,
                                  const model::Facts& facts, const ProbeOutcome& outcome,
                                  const std::vector<model::Finding>& findings) {
  return guarded("record target",
                 [&] { return impl_->record_target(scan_id, target, facts, outcome, findings); });
}

Result<bool> Store::finish_scan(int64_t scan_id, const model::Json& summary, TimePoint finished) {
  return guarded("finish scan", [&] {
    return impl_->end_scan(scan_id, ScanState::kComplete, &summary, finished);
  });
}

Result<bool> Store::interrupt_scan(int64_t scan_id, TimePoint finished) {
  return guarded("interrupt scan", [&] {
    return impl_->end_scan(scan_id, ScanState::kInterrupted, nullptr, finished);
  });
}

Result<std::vector<ScanInfo>> Store::scans(size_t limit) const {
  return guarded("list scans", [&] { return impl_->scans(limit); });
}

Result<ScanInfo> Store::scan(int64_t scan_id) const {
  return guarded("read scan", [&] { return impl_->scan(scan_id); });
}

Result<std::vector<StoredFinding>> Store::findings(const FindingQuery& query) const {
  return guarded("query findings", [&]() -> Result<std::vector<StoredFinding>> {
    std::vector<StoredFinding> out;
    auto n = impl_->for_each_finding(query, [&](StoredFinding&& sf) -> Result<bool> {
      out.push_back(std::move(sf));
      return true;
    });
    if (!n) return n.error();
    return out;
  });
}

Result<int64_t> Store::for_each_finding(const FindingQuery& query,
                                        const FindingVisitor& visit) const {
  return guarded("stream findings", [&] { return impl_->for_each_finding(query, visit); });
}

Result<model::Json> Store::facts(int64_t scan_id, const std::string& target_id) const {
  return guarded("read facts", [&]() -> Result<model::Json> {
    auto rec = impl_->target_record(scan_id, target_id, false);
    if (!rec) return rec.error();
    return std::move(rec->facts.doc());
  });
}

Result<TargetRecord> Store::target_record(int64_t scan_id, const std::string& target_id) const {
  return guarded("read target result",
                 [&] { return impl_->target_record(scan_id, target_id, true); });
}

Result<std::vector<std::pair<std::string, int64_t>>> Store::latest_target_scans() const {
  using Out = std::vector<std::pair<std::string, int64_t>>;
  return guarded("read latest target results", [&]() -> Result<Out> {
    auto q = impl_->db().query(
        "SELECT t.name, max(tr.scan_id) FROM target_results tr JOIN targets t ON t.id = "
        "tr.target_id GROUP BY tr.target_id",
        "read latest target results");
    if (!q) return q.error();
    Out out;
    while (true) {
      auto row = q->step();
      if (!row) return row.error();
      if (!*row) break;
      out.emplace_back(std::string(q->text(0)), q->integer(1));
    }
    return out;
  });
}

Result<VerifyReport> Store::verify() const {
  return guarded("verify", [&] { return impl_->verify(); });
}

Result<std::string> Store::chain_head() const {
  return guarded("read chain head", [&] { return impl_->chain_head(); });
}

Result<int64_t> Store::record_waivers(const std::vector<model::Waiver>& waivers, TimePoint seen) {
  return guarded("record waivers", [&]() -> Result<int64_t> {
    if (impl_->read_only()) return fail(ErrorCode::kUnsupported, "store is read-only");
    sqlite::Database& db = impl_->db();
    auto tx = sqlite::Transaction::begin(&db);
    if (!tx) return tx.error();
    int64_t added = 0;
    const int64_t at = codec::to_ns(seen);
    for (const auto& w : waivers) {
      model::Json j = w.to_json();
      j.erase("file");  // where a waiver is written is not what it says
      const std::string text = j.dump();
      {
        auto q = db.query(
            "INSERT INTO waiver_versions(waiver_id, json, first_seen, last_seen) "
            "VALUES(?1, ?2, ?3, ?3) ON CONFLICT(waiver_id, json) DO NOTHING",
            "record waiver version");
        if (!q) return q.error();
        q->bind(1, w.id).bind(2, text).bind(3, at);
        if (auto r = q->run(); !r) return r.error();
      }
      if (db.changes() == 1) {
        ++added;
      } else {
        auto q = db.query(
            "UPDATE waiver_versions SET last_seen = max(last_seen, ?3) "
            "WHERE waiver_id = ?1 AND json = ?2",
            "update waiver version");
        if (!q) return q.error();
        q->bind(1, w.id).bind(2, text).bind(3, at);
        if (auto r = q->run(); !r) return r.error();
      }
      std::string rules, targets;
      for (const auto& r : w.rules.empty() ? std::vector<std::string>{w.rule_id} : w.rules) {
        rules += (rules.empty() ? "" : ",") + r;
      }
      for (const auto& t : w.targets) targets += (targets.empty() ? "" : ",") + t;
      if (targets.empty()) targets = w.target_id;
      auto q = db.query(
          "INSERT INTO waivers(id, rule_id, target_id, reason, by, created, expires, revoked) "
          "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT(id) DO UPDATE SET "
          "rule_id = excluded.rule_id, target_id = excluded.target_id, reason = excluded.reason, "
          "by = excluded.by, created = excluded.created, expires = excluded.expires, "
          "revoked = excluded.revoked",
          "record waiver");
      if (!q) return q.error();
      q->bind(1, w.id).bind(2, rules).bind(3, targets).bind(4, w.reason).bind(5, w.by);
      q->bind(6, codec::to_ns(w.created)).bind(7, codec::to_ns(w.expires));
      q->bind(8, codec::to_ns(w.revoked));
      if (auto r = q->run(); !r) return r.error();
    }
    if (auto c = tx->commit(); !c) return c.error();
    return added;
  });
}

Result<std::vector<WaiverVersion>> Store::waiver_history(
    const std::optional<std::string>& waiver_id) const {
  return guarded("read waiver history", [&]() -> Result<std::vector<WaiverVersion>> {
    auto q = impl_->db().query(
        "SELECT waiver_id, json, first_seen, last_seen FROM waiver_versions "
        "WHERE ?1 IS NULL OR waiver_id = ?1 ORDER BY waiver_id, first_seen, id",
        "read waiver history");
    if (!q) return q.error();
    if (waiver_id) {
      q->bind(1, *waiver_id);
    } else {
      q->bind_null(1);
    }
    std::vector<WaiverVersion> out;
    while (true) {
      auto row = q->step();
      if (!row) return row.error();
      if (!*row) break;
      WaiverVersion v;
      v.waiver_id = std::string(q->text(0));
      v.waiver = model::Json::parse(q->text(1), nullptr, /*allow_exceptions=*/false);
      if (v.waiver.is_discarded()) {
        return fail(ErrorCode::kCorrupt,
                    "waiver_versions: a row of '" + v.waiver_id + "' is not JSON");
      }
      v.first_seen = codec::from_ns(q->integer(2));
      v.last_seen = codec::from_ns(q->integer(3));
      out.push_back(std::move(v));
    }
    return out;
  });
}

Result<bool> Store::chain_contains(const std::string& hex_hash) const {
  std::string bytes;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; hex_hash.size() == 64 && i < 64; i += 2) {
    int hi = nibble(hex_hash[i]), lo = nibble(hex_hash[i + 1]);
    if (hi < 0 || lo < 0) break;
    bytes += static_cast<char>(hi * 16 + lo);
  }
  if (bytes.size() != 32) {
    return fail(ErrorCode::kInvalidInput,
                "not a chain hash (64 hex digits): '" + hex_hash.substr(0, 80) + "'");
  }
  if (bytes == std::string(32, '\0')) return true;
  return guarded("look up chain hash", [&]() -> Result<bool> {
    auto q = impl_->db().query(
        "SELECT EXISTS(SELECT 1 FROM findings WHERE hash = ?1) OR "
        "EXISTS(SELECT 1 FROM checkpoints WHERE head_hash = ?1)",
        "look up chain hash");
    if (!q) return q.error();
    q->bind_blob(1, bytes);
    auto row = q->step();
    if (!row) return row.error();
    return q->integer(0) != 0;
  });
}

Result<PruneReport> Store::prune(TimePoint keep_after) {
  return guarded("prune", [&] { return impl_->prune(keep_after); });
}

Result<int64_t> Store::size_bytes() const { return impl_->size_bytes(); }

Result<bool> Store::checkpoint_wal() {
  return guarded("checkpoint WAL", [&] { return impl_->checkpoint_wal(); });
}

std::string canonical_json(const StoredFinding& sf) {
  std::string evidence_json;
  codec::append_evidence(&evidence_json, sf.finding.evidence, std::nullopt);
  std::string basis_json;
  codec::append_json_value(&basis_json, sf.finding.basis);
  return codec::canonical_finding(chain_fields_of(sf.finding, sf.id, sf.scan_id,
                                                  sf.finding.target_id, evidence_json, basis_json));
}

}  // namespace sov::store

// ---------------------------------------------------------------------------------------------
// Outbox: alert notifications awaiting delivery (at-least-once; see store.h).

namespace sov::store {

namespace {

Result<std::vector<OutboxItem>> read_outbox(sqlite::Query& q) {
  std::vector<OutboxItem> out;
  while (true) {
    auto row = q.step();
    if (!row) return row.error();
    if (!*row) break;
    OutboxItem it;
    it.id = q.integer(0);
    it.dedup_key = std::string(q.text(1));
    it.kind = std::string(q.text(2));
    it.payload = std::string(q.text(3));
    it.created = codec::from_ns(q.integer(4));
    it.attempts = static_cast<int>(q.integer(5));
    it.next_attempt = codec::from_ns(q.integer(6));
    it.delivered = codec::from_ns(q.optional_integer(7));
    if (!q.is_null(8)) it.last_error = std::string(q.text(8));
    out.push_back(std::move(it));
  }
  return out;
}

}  // namespace

Result<bool> Store::outbox_enqueue(const std::string& dedup_key, const std::string& kind,
                                   const std::string& payload, TimePoint now) {
  return guarded("enqueue alert", [&]() -> Result<bool> {
    if (impl_->read_only()) return fail(ErrorCode::kUnsupported, "store is read-only");
    auto q = impl_->db().query(
        "INSERT INTO outbox(dedup_key, kind, payload, created, attempts, next_attempt) "
        "VALUES(?1, ?2, ?3, ?4, 0, ?4) ON CONFLICT(dedup_key) DO NOTHING",
        "enqueue alert");
    if (!q) return q.error();
    q->bind(1, dedup_key).bind(2, kind).bind(3, payload).bind(4, codec::to_ns(now));
    auto r = q->run();
    if (!r) return r.error();
    return impl_->db().changes() > 0;
  });
}

Result<std::vector<OutboxItem>> Store::outbox_due(TimePoint now, size_t limit) {
  return guarded("read due alerts", [&]() -> Result<std::vector<OutboxItem>> {
    auto q = impl_->db().query(
        "SELECT id, dedup_key, kind, payload, created, attempts, next_attempt, delivered, "
        "last_error FROM outbox WHERE delivered IS NULL AND next_attempt <= ?1 "
        "ORDER BY next_attempt, id LIMIT ?2",
        "read due alerts");
    if (!q) return q.error();
    q->bind(1, codec::to_ns(now)).bind(2, static_cast<int64_t>(limit == 0 ? -1 : limit));
    return read_outbox(*q);
  });
}

Result<std::vector<OutboxItem>> Store::outbox_items(size_t limit) {
  return guarded("read alerts", [&]() -> Result<std::vector<OutboxItem>> {
    auto q = impl_->db().query(
        "SELECT id, dedup_key, kind, payload, created, attempts, next_attempt, delivered, "
        "last_error FROM outbox ORDER BY id LIMIT ?1",
        "read alerts");
    if (!q) return q.error();
    q->bind(1, static_cast<int64_t>(limit == 0 ? -1 : limit));
    return read_outbox(*q);
  });
}

Result<bool> Store::outbox_delivered(int64_t id, TimePoint now) {
  return guarded("mark alert delivered", [&]() -> Result<bool> {
    if (impl_->read_only()) return fail(ErrorCode::kUnsupported, "store is read-only");
    auto q = impl_->db().query(
        "UPDATE outbox SET delivered = ?2, attempts = attempts + 1, last_error = NULL "
        "WHERE id = ?1",
        "mark alert delivered");
    if (!q) return q.error();
    q->bind(1, id).bind(2, codec::to_ns(now));
    auto r = q->run();
    if (!r) return r.error();
    if (impl_->db().changes() == 0) {
      return fail(ErrorCode::kNotFound, "no outbox item " + std::to_string(id));
    }
    return true;
  });
}

Result<bool> Store::outbox_failed(int64_t id, const std::string& error, TimePoint now,
                                  Duration base_backoff, Duration max_backoff) {
  return guarded("mark alert failed", [&]() -> Result<bool> {
    if (impl_->read_only()) return fail(ErrorCode::kUnsupported, "store is read-only");
    int attempts = 0;
    {
      auto sel = impl_->db().query("SELECT attempts FROM outbox WHERE id = ?1", "read attempts");
      if (!sel) return sel.error();
      sel->bind(1, id);
      auto row = sel->step();
      if (!row) return row.error();
      if (!*row) return fail(ErrorCode::kNotFound, "no outbox item " + std::to_string(id));
      attempts = static_cast<int>(sel->integer(0)) + 1;
    }
    TimePoint next = now + outbox_backoff(attempts, base_backoff, max_backoff);
    auto q = impl_->db().query(
        "UPDATE outbox SET attempts = ?2, next_attempt = ?3, last_error = ?4 WHERE id = ?1",
        "mark alert failed");
    if (!q) return q.error();
    q->bind(1, id)
        .bind(2, static_cast<int64_t>(attempts))
        .bind(3, codec::to_ns(next))
        .bind(4, error);
    auto r = q->run();
    if (!r) return r.error();
    return true;
  });
}

Result<int64_t> Store::outbox_pending() {
  return guarded("count pending alerts", [&]() -> Result<int64_t> {
    auto q = impl_->db().query("SELECT count(*) FROM outbox WHERE delivered IS NULL",
                               "count pending alerts");
    if (!q) return q.error();
    auto row = q->step();
    if (!row) return row.error();
    return q->integer(0);
  });
}

Result<int64_t> Store::outbox_prune(TimePoint delivered_before) {
  return guarded("prune delivered alerts", [&]() -> Result<int64_t> {
    if (impl_->read_only()) return fail(ErrorCode::kUnsupported, "store is read-only");
    auto q = impl_->db().query("DELETE FROM outbox WHERE delivered IS NOT NULL AND delivered < ?1",
                               "prune alerts");
    if (!q) return q.error();
    q->bind(1, codec::to_ns(delivered_before));
    auto r = q->run();
    if (!r) return r.error();
    return impl_->db().changes();
  });
}

Duration outbox_backoff(int attempts, Duration base, Duration max) {
  Duration d = base;
  for (int i = 1; i < attempts && d < max; ++i) d *= 2;
  return std::min(d, max);
}

}  // namespace sov::store
