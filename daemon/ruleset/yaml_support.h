// SPDX-License-Identifier: Apache-2.0
#pragma once
// Internal to sov_ruleset: reading YAML files safely (size cap, exceptions caught, positions made
// 1-based), the keyword tables that drive key checking, typed scalars (YAML 1.2 core schema:
// `NO` is a string, "24" quoted is a string), bounded dates and durations, and the conversion of
// YAML trees to JSON for case files. Used by loader.cc and cases.cc only; yaml-cpp never leaves
// this module.

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "daemon/base/diag.h"
#include "daemon/base/result.h"
#include "daemon/base/time.h"
#include "daemon/model/model.h"
#include "daemon/ruleset/compiled.h"

namespace sov::ruleset::detail {

inline constexpr size_t kMaxFileBytes = size_t{4} << 20;  // 4 MiB per file, checked before parsing
inline constexpr int kMaxDepth = 64;                      // nesting of conditions and of case facts
inline constexpr size_t kMaxNodes = 50000;      // YAML nodes walked per file (alias bombs)
inline constexpr size_t kMaxDiagnostics = 100;  // per file; then the loader stops reading it

// A 1-based position; {0, 0} when yaml-cpp has none.
struct Pos {
  int line = 0;
  int column = 0;
};
Pos pos_of(const YAML::Node& node);
Pos pos_of(const YAML::Mark& mark);

// A file read into memory and parsed: one YAML document, or diagnostics saying why not.
struct ParsedFile {
  std::string path;  // as named in diagnostics
  std::string text;
  YAML::Node root;  // null when parsing failed
  bool ok = false;
};

// Reads at most kMaxFileBytes from `path`. kIo when it cannot be read; kInvalidInput (with a
// message naming the file) when it is too large.
Result<std::string> read_capped(const std::string& path);

// Parses `text` (exactly one YAML document). Syntax errors go to `diags` (whose source must be
// set) at their position; returns false then.
bool parse_yaml(std::string_view text, YAML::Node* root, Diagnostics* diags);

// Every regular file under `paths` (files are taken as named, directories walked recursively in
// sorted order) for which `wanted(path, named_explicitly)` holds. Unreadable paths go to `diags`
// and make the result kIo.
Result<std::vector<std::string>> collect_files(const std::vector<std::string>& paths,
                                               bool (*wanted)(const std::string& path,
                                                              bool explicit_),
                                               Diagnostics* diags);

bool ends_with(std::string_view s, std::string_view suffix);

// ---------------------------------------------------------------------------------------------
// Keyword tables: one row per key a mapping may hold. The loader checks every mapping of a file
// against its table (unknown keys with "did you mean", duplicate keys, missing required keys).

struct Keyword {
  std::string_view name;
  bool required = false;
  std::string_view description;
};

// Reports unknown, duplicate and missing keys of `map` (which must be a mapping) against
// `table`. `what` names the mapping in messages ("rule", "rule set"). A missing key that an
// unknown key's "did you mean" already names is not reported twice; `suggested` (optional)
// receives those names. Returns false on error.
bool check_keys(const YAML::Node& map, std::span<const Keyword> table, std::string_view what,
                Diagnostics* diags, std::vector<std::string>* suggested = nullptr);

// The value of `key` in a mapping and the key node itself (for positions of empty values).
struct Field {
  YAML::Node key;
  YAML::Node value;
  bool present = false;
};
Field field(const YAML::Node& map, std::string_view key);

// A string-valued field: nullopt when absent (silently) or invalid (reported; an empty value is
// reported at its key).
std::optional<std::string> string_field(const Field& f, Diagnostics* diags);

// The names of a table, for "did you mean".
std::vector<std::string> keyword_names(std::span<const Keyword> table);

// ---------------------------------------------------------------------------------------------
// Typed scalars.

enum class ScalarKind { kNull, kBool, kNumber, kString };

struct Scalar {
  ScalarKind kind = ScalarKind::kNull;
  bool boolean = false;
  double number = 0;
  bool integral = false;  // a number written without fraction or exponent that fits int64
  int64_t integer = 0;
  std::string text;     // the scalar as written
  bool quoted = false;  // a quoted string ("24" is a string, not a number)
};

// Classifies a scalar or null node by the YAML 1.2 core schema. Returns nullopt (and reports at
// the node) for unsupported tags and numbers out of range.
std::optional<Scalar> read_scalar(const YAML::Node& node, Diagnostics* diags);

// "a mapping", "a list", "a string 'x'", "the number 3", "null", "true".
std::string describe(const YAML::Node& node);

// A string-valued key: any non-null scalar, taken as written. Reports a type error otherwise.
std::optional<std::string> read_string(const YAML::Node& node, std::string_view key,
                                       Diagnostics* diags);
std::optional<bool> read_bool(const YAML::Node& node, std::string_view key, Diagnostics* diags);
// A date ("YYYY-MM-DD" or RFC 3339) within years 1900..2199.
std::optional<TimePoint> read_date(const YAML::Node& node, std::string_view key,
                                   Diagnostics* diags);

// parse_date_bounded and friends are declared in compiled.h (the evaluator needs them too).

// Converts a YAML tree to JSON (core-schema scalars). Reports errors (depth, duplicate keys,
// non-scalar keys, bad scalars) and returns false. `budget` counts nodes left.
bool yaml_to_json(const YAML::Node& node, model::Json* out, Diagnostics* diags, int depth,
                  size_t* budget);

// Hex SHA-256 of `bytes`.
std::string sha256_hex(std::string_view bytes);

}  // namespace sov::ruleset::detail
