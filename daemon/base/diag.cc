// SPDX-License-Identifier: Apache-2.0
#include "daemon/base/diag.h"

#include <algorithm>

namespace sov {

std::string format_diagnostic(const Diagnostic& d) {
  std::string out = d.file;
  if (d.line > 0) {
    out += ":" + std::to_string(d.line) + ":" + std::to_string(d.column);
  }
  out += d.level == DiagLevel::kError ? ": error: " : ": warning: ";
  out += d.message;
  if (d.line > 0 && !d.source_line.empty()) {
    out += "\n  " + d.source_line + "\n  ";
    // Keep tabs so the caret lines up under the same bytes.
    for (int i = 1; i < d.column && static_cast<size_t>(i - 1) < d.source_line.size(); ++i) {
      out += d.source_line[i - 1] == '\t' ? '\t' : ' ';
    }
    out += '^';
  }
  return out;
}

void Diagnostics::set_source(std::string file, std::string_view text) {
  file_ = std::move(file);
  lines_.clear();
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines_.emplace_back(line);
    start = end + 1;
  }
}

std::string Diagnostics::line_text(int line) const {
  if (line < 1 || static_cast<size_t>(line) > lines_.size()) return {};
  return lines_[line - 1];
}

void Diagnostics::error(int line, int column, std::string message) {
  items_.push_back({DiagLevel::kError, file_, line, column, std::move(message), line_text(line)});
}

void Diagnostics::warning(int line, int column, std::string message) {
  items_.push_back({DiagLevel::kWarning, file_, line, column, std::move(message), line_text(line)});
}

void Diagnostics::append(const Diagnostics& other) {
  items_.insert(items_.end(), other.items_.begin(), other.items_.end());
}

bool Diagnostics::has_errors() const { return error_count() > 0; }

size_t Diagnostics::error_count() const {
  return std::count_if(items_.begin(), items_.end(),
                       [](const Diagnostic& d) { return d.level == DiagLevel::kError; });
}

size_t Diagnostics::warning_count() const { return items_.size() - error_count(); }

void Diagnostics::promote_warnings() {
  for (auto& d : items_) d.level = DiagLevel::kError;
}

std::string Diagnostics::to_string() const {
  std::string out;
  for (const auto& d : items_) {
    if (!out.empty()) out += '\n';
    out += format_diagnostic(d);
  }
  return out;
}

namespace {
// Optimal-string-alignment distance: Levenshtein plus adjacent transpositions ("wehn" -> "when"
// costs 1), the typo people make most.
size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}
}  // namespace

std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
  size_t limit = std::max<size_t>(1, word.size() / 3);
  size_t best = limit + 1;
  std::string found;
  for (const auto& c : candidates) {
    size_t d = edit_distance(word, c);
    if (d < best) {
      best = d;
      found = c;
    }
  }
  return found;
}

std::string did_you_mean_suffix(std::string_view word, const std::vector<std::string>& candidates) {
  std::string s = did_you_mean(word, candidates);
  return s.empty() ? std::string() : " (did you mean '" + s + "'?)";
}

}  // namespace sov
