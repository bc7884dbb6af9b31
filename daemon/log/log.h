// SPDX-License-Identifier: Apache-2.0
#pragma once
// daemon/log: diagnostics of sovereignd (STYLE.md B11). Every line is a stable dotted event name
// then key=value fields: `probe.failed target=web-1 reason="connection refused"`. Event names are
// listed in daemon/log/EVENTS.md; a test checks that every name used in code is there.
//
// Output: stderr, one line per event, with a journald priority prefix ("<3>" error, "<4>" warn,
// "<6>" info, "<7>" debug and trace) and no timestamp: under systemd the journal adds time and
// host. spdlog stays inside this module (its header does not leak); its errors are caught by an
// error handler and never thrown.
//
// Threading: every function may be called from any thread once init() ran.

#include <string>
#include <string_view>

#include "daemon/base/result.h"

namespace sov::log {

enum class Level { kTrace, kDebug, kInfo, kWarn, kError, kOff };

/// Parses "trace" "debug" "info" "warn" "error" "off". kInvalidInput otherwise.
Result<Level> parse_level(std::string_view text);

/// Sets the output (stderr) and the threshold. May be called again (reload changes the level).
void init(Level level);
void set_level(Level level);

/// Redirects every line to `sink` instead of stderr (tests capture lines this way); nullptr
/// restores stderr. The sink receives the full line, prefix included, without newline.
void set_capture(void (*sink)(std::string_view line));

/// Writes `<prio>event fields` when `level` passes the threshold. `logger` names the module
/// ("daemon", "engine", "alerts", "control", "http"); it is kept for filtering, not printed.
void emit(Level level, std::string_view logger, std::string_view event, std::string_view fields);

inline void error(std::string_view logger, std::string_view event, std::string_view fields = {}) {
  emit(Level::kError, logger, event, fields);
}
inline void warn(std::string_view logger, std::string_view event, std::string_view fields = {}) {
  emit(Level::kWarn, logger, event, fields);
}
inline void info(std::string_view logger, std::string_view event, std::string_view fields = {}) {
  emit(Level::kInfo, logger, event, fields);
}
inline void debug(std::string_view logger, std::string_view event, std::string_view fields = {}) {
  emit(Level::kDebug, logger, event, fields);
}

/// `"value"` with `"` and `\` escaped and newlines as \n, for free-text fields (reason="...").
std::string quote(std::string_view value);

}  // namespace sov::log
