// SPDX-License-Identifier: Apache-2.0
#include "daemon/store/sqlite.h"

#include <sqlite3.h>

namespace sov::store::sqlite {

void ConnectionCloser::operator()(sqlite3* db) const {
  // close_v2 defers the close until every statement is finalized, so teardown order cannot leak.
  sqlite3_close_v2(db);
}

void StatementFinalizer::operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }

ErrorCode error_code_for(int rc) {
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_FULL:
      return ErrorCode::kUnavailable;
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      return ErrorCode::kCorrupt;
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_PROTOCOL:
      return ErrorCode::kIo;
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
    case SQLITE_TOOBIG:
      return ErrorCode::kInvalidInput;
    default:
      return ErrorCode::kInternal;
  }
}

// ---------------------------------------------------------------------------------------------

Query::Query(Database* db, sqlite3_stmt* stmt, bool* in_use, std::string_view what)
    : db_(db), stmt_(stmt), in_use_(in_use), what_(what) {
  *in_use_ = true;
}

Query::Query(Query&& other) noexcept
    : db_(other.db_),
      stmt_(std::exchange(other.stmt_, nullptr)),
      in_use_(std::exchange(other.in_use_, nullptr)),
      what_(other.what_),
      bind_rc_(other.bind_rc_) {}

Query::~Query() {
  if (stmt_ == nullptr) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  *in_use_ = false;
}

Query& Query::bind(int index, int64_t value) {
  int rc = sqlite3_bind_int64(stmt_, index, value);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Query& Query::bind(int index, std::string_view text) {
  int rc =
      sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Query& Query::bind(int index, const std::optional<int64_t>& value) {
  return value ? bind(index, *value) : bind_null(index);
}

Query& Query::bind_blob(int index, std::string_view bytes) {
  int rc = sqlite3_bind_blob64(stmt_, index, bytes.data(), bytes.size(), SQLITE_TRANSIENT);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Query& Query::bind_null(int index) {
  int rc = sqlite3_bind_null(stmt_, index);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Result<bool> Query::step() {
  if (bind_rc_ != SQLITE_OK) return db_->error(what_, bind_rc_);
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return db_->error(what_, rc);
}

Result<bool> Query::run() {
  while (true) {
    auto r = step();
    if (!r) return r.error();
    if (!*r) return true;
  }
}

bool Query::is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

int64_t Query::integer(int col) const { return sqlite3_column_int64(stmt_, col); }

std::optional<int64_t> Query::optional_integer(int col) const {
  if (is_null(col)) return std::nullopt;
  return integer(col);
}

std::string_view Query::text(int col) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
  if (p == nullptr) return {};
  return {p, static_cast<size_t>(sqlite3_column_bytes(stmt_, col))};
}

std::string_view Query::blob(int col) const {
  const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, col));
  if (p == nullptr) return {};
  return {p, static_cast<size_t>(sqlite3_column_bytes(stmt_, col))};
}

// ---------------------------------------------------------------------------------------------

Result<Database> Database::open(const std::string& path, bool read_only,
                                std::chrono::milliseconds busy_timeout) {
  sqlite3* raw = nullptr;
  int flags = (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
              SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  ConnectionPtr db(raw);  // owns the handle even when open failed
  if (rc != SQLITE_OK) {
    std::string msg = raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
    return Error(error_code_for(rc), path + ": open: " + msg);
  }
  sqlite3_extended_result_codes(raw, 1);
  rc = sqlite3_busy_timeout(raw, static_cast<int>(busy_timeout.count()));
  if (rc != SQLITE_OK) {
    return Error(error_code_for(rc), path + ": set busy timeout: " + sqlite3_errmsg(raw));
  }
  return Database(path, std::move(db));
}

Database::~Database() {
  // Finalize cached statements before the connection goes.
  cache_.clear();
}

Result<bool> Database::exec(std::string_view what, const char* sql) {
  int rc = sqlite3_exec(db_.get(), sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return error(what, rc);
  return true;
}

Result<Query> Database::query(const char* sql, std::string_view what) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    sqlite3_stmt* raw = nullptr;
    int rc = sqlite3_prepare_v3(db_.get(), sql, -1, SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
    StatementPtr stmt(raw);
    if (rc != SQLITE_OK) return error(what, rc);
    auto cached = std::make_unique<Cached>();
    cached->stmt = std::move(stmt);
    it = cache_.emplace(sql, std::move(cached)).first;
  }
  Cached& c = *it->second;
  if (c.in_use) {
    return Error(ErrorCode::kInternal,
                 path_ + ": " + std::string(what) + ": statement already in use (nested query)");
  }
  return Query(this, c.stmt.get(), &c.in_use, what);
}

Error Database::error(std::string_view what, int rc) const {
  std::string msg = path_ + ": " + std::string(what) + ": ";
  // sqlite3_errmsg describes the last call on this connection; a bind error has not reached it.
  const char* last = sqlite3_errmsg(db_.get());
  int last_code = sqlite3_extended_errcode(db_.get());
  msg += (last != nullptr && last_code == rc) ? last : sqlite3_errstr(rc);
  return Error(error_code_for(rc), std::move(msg));
}

int64_t Database::changes() const { return sqlite3_changes64(db_.get()); }

int64_t Database::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_.get()); }

// ---------------------------------------------------------------------------------------------

Result<Transaction> Transaction::begin(Database* db) {
  auto r = db->exec("begin transaction", "BEGIN IMMEDIATE");
  if (!r) return r.error();
  return Transaction(db);
}

Transaction::~Transaction() {
  if (db_ != nullptr) {
    // Nothing to report if the rollback fails: SQLite has then rolled back already.
    (void)db_->exec("rollback", "ROLLBACK");
  }
}

Result<bool> Transaction::commit() {
  auto r = db_->exec("commit", "COMMIT");
  if (!r) return r.error();  // still active: the destructor rolls back
  db_ = nullptr;
  return true;
}

}  // namespace sov::store::sqlite
