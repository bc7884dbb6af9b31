// SPDX-License-Identifier: Apache-2.0
#pragma once
// Internal to daemon/store: a small RAII layer over the SQLite 3 C API. Connections and prepared
// statements are owned by unique_ptr with deleters; prepared statements are cached per
// connection; a Query resets its statement when it dies, so no cached statement keeps a read
// transaction open. Every SQLite failure becomes a sov::Error naming the database file, the
// operation and sqlite3_errmsg(). sqlite3.h itself is only included by the .cc files.
//
// Threading: a Database is used by one thread at a time, like the Store that owns it.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "daemon/base/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace sov::store::sqlite {

struct ConnectionCloser {
  void operator()(sqlite3* db) const;
};
struct StatementFinalizer {
  void operator()(sqlite3_stmt* stmt) const;
};
using ConnectionPtr = std::unique_ptr<sqlite3, ConnectionCloser>;
using StatementPtr = std::unique_ptr<sqlite3_stmt, StatementFinalizer>;

class Database;

/// One use of a prepared statement: bind, step, read columns. Resets the statement and clears
/// its bindings when destroyed. A binding error is kept and returned by the next step().
class Query {
 public:
  Query(Database* db, sqlite3_stmt* stmt, bool* in_use, std::string_view what);
  ~Query();
  Query(Query&& other) noexcept;
  Query& operator=(Query&&) = delete;
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;

  // Parameters are numbered from 1, as in SQL ("?1").
  Query& bind(int index, int64_t value);
  Query& bind(int index, std::string_view text);
  Query& bind(int index, const std::optional<int64_t>& value);
  Query& bind_blob(int index, std::string_view bytes);
  Query& bind_null(int index);

  /// Advances: true when a row is available, false when the statement is done.
  Result<bool> step();
  /// Steps to completion, ignoring rows (INSERT/UPDATE/DELETE, or RETURNING read by step()).
  Result<bool> run();

  // Columns are numbered from 0. Views stay valid until the next step() or the end of the Query.
  bool is_null(int col) const;
  int64_t integer(int col) const;
  std::optional<int64_t> optional_integer(int col) const;
  std::string_view text(int col) const;
  std::string_view blob(int col) const;

 private:
  Database* db_;
  sqlite3_stmt* stmt_;
  bool* in_use_;
  std::string_view what_;
  int bind_rc_ = 0;
};

/// A connection with its statement cache.
class Database {
 public:
  /// Opens (read-write: creating) the file. Does not read it: SQLite reads lazily, so a file that
  /// is not a database is only reported by the first statement.
  static Result<Database> open(const std::string& path, bool read_only,
                               std::chrono::milliseconds busy_timeout);
  Database(Database&&) noexcept = default;
  Database& operator=(Database&&) noexcept = default;
  ~Database();

  const std::string& path() const { return path_; }

  /// Runs one or more statements that return no rows.
  Result<bool> exec(std::string_view what, const char* sql);

  /// A use of the cached statement for `sql`. Requires: `sql` and `what` are string literals
  /// (the cache is keyed by the address of `sql`; the Query keeps a view of `what` for its
  /// errors), and the statement is not in use by another live Query (kInternal otherwise).
  Result<Query> query(const char* sql, std::string_view what);

  /// An Error for the last failure on this connection: "PATH: WHAT: errmsg", with its code.
  Error error(std::string_view what, int rc) const;

  int64_t changes() const;
  int64_t last_insert_rowid() const;

  // Drops every cached statement (before a schema change, for example).
  void clear_cache() { cache_.clear(); }

 private:
  struct Cached {
    StatementPtr stmt;
    bool in_use = false;
  };

  Database(std::string path, ConnectionPtr db) : path_(std::move(path)), db_(std::move(db)) {}

  std::string path_;
  ConnectionPtr db_;  // declared before cache_: statements are finalized first
  // unique_ptr keeps each Cached at a stable address while the map rehashes.
  std::unordered_map<const char*, std::unique_ptr<Cached>> cache_;
};

/// BEGIN IMMEDIATE ... COMMIT; rolls back when destroyed uncommitted. IMMEDIATE takes the write
/// lock at the start, so a busy database fails here (after busy_timeout), not halfway through.
class Transaction {
 public:
  static Result<Transaction> begin(Database* db);
  Transaction(Transaction&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();

  Result<bool> commit();

 private:
  explicit Transaction(Database* db) : db_(db) {}
  Database* db_;
};

/// The sov::ErrorCode for an SQLite result code: busy, locked and full are kUnavailable, a file
/// that is not a database or is corrupt is kCorrupt, I/O and permissions are kIo.
ErrorCode error_code_for(int rc);

}  // namespace sov::store::sqlite
