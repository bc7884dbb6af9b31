// SPDX-License-Identifier: Apache-2.0
#pragma once
// Positioned diagnostics for config, rule and registry files, in the format compilers and
// editors understand:
//
//   rules/sets/x.yaml:12:9: error: unknown key 'chek' (did you mean 'check'?)
//     chek: { fact: provider.id, eq: scaleway }
//     ^
//
// Loaders collect every diagnostic of a file (not only the first) into a Diagnostics list and
// fail as a whole when it holds an error. Lines and columns are 1-based.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace sov {

enum class DiagLevel { kError, kWarning };

struct Diagnostic {
  DiagLevel level = DiagLevel::kError;
  std::string file;
  int line = 0;    // 1-based; 0 when the message has no position (whole-file errors)
  int column = 0;  // 1-based
  std::string message;
  std::string source_line;  // the text of `line`, without its newline; may be empty
};

// "file:line:col: error: message\n  <source line>\n  <spaces>^" (no trailing newline).
std::string format_diagnostic(const Diagnostic& d);

class Diagnostics {
 public:
  // `text` is the whole file, used to quote the offending line.
  void set_source(std::string file, std::string_view text);
  void error(int line, int column, std::string message);
  void warning(int line, int column, std::string message);
  void add(Diagnostic d) { items_.push_back(std::move(d)); }
  void append(const Diagnostics& other);

  bool has_errors() const;
  size_t error_count() const;
  size_t warning_count() const;
  const std::vector<Diagnostic>& items() const { return items_; }
  // Turns every warning into an error (--strict).
  void promote_warnings();
  // All diagnostics, formatted, separated by newlines.
  std::string to_string() const;
  const std::string& file() const { return file_; }

 private:
  std::string line_text(int line) const;

  std::string file_;
  std::vector<std::string> lines_;
  std::vector<Diagnostic> items_;
};

// The candidate closest to `word` by edit distance, or "" if none is close enough
// (distance <= max(1, word.size() / 3)). Used for "did you mean" hints.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

// " (did you mean 'x'?)" or "".
std::string did_you_mean_suffix(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace sov
