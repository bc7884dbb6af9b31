// SPDX-License-Identifier: Apache-2.0
#include "daemon/log/log.h"

#include <atomic>
#include <cstdio>
#include <mutex>

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

namespace sov::log {

namespace {

std::atomic<void (*)(std::string_view)> g_capture{nullptr};

const char* prefix(spdlog::level::level_enum l) {
  switch (l) {
    case spdlog::level::critical:
      return "<2>";
    case spdlog::level::err:
      return "<3>";
    case spdlog::level::warn:
      return "<4>";
    case spdlog::level::info:
      return "<6>";
    default:
      return "<7>";
  }
}

// stderr without timestamps, with the journald priority prefix sd-daemon(3) describes.
class JournalSink final : public spdlog::sinks::base_sink<std::mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    std::string line = prefix(msg.level);
    line.append(msg.payload.data(), msg.payload.size());
    if (auto* cap = g_capture.load()) {
      cap(line);
      return;
    }
    line.push_back('\n');
    std::fwrite(line.data(), 1, line.size(), stderr);
  }
  void flush_() override { std::fflush(stderr); }
};

spdlog::level::level_enum to_spd(Level l) {
  switch (l) {
    case Level::kTrace:
      return spdlog::level::trace;
    case Level::kDebug:
      return spdlog::level::debug;
    case Level::kInfo:
      return spdlog::level::info;
    case Level::kWarn:
      return spdlog::level::warn;
    case Level::kError:
      return spdlog::level::err;
    case Level::kOff:
      return spdlog::level::off;
  }
  return spdlog::level::info;
}

std::once_flag g_once;
std::shared_ptr<spdlog::logger> g_logger;

spdlog::logger& logger() {
  std::call_once(g_once, [] {
    g_logger = std::make_shared<spdlog::logger>("sovereignd", std::make_shared<JournalSink>());
    g_logger->set_level(spdlog::level::info);
    g_logger->flush_on(spdlog::level::trace);
    // spdlog must never throw into our code (STYLE.md B6).
    g_logger->set_error_handler([](const std::string& msg) {
      std::fprintf(stderr, "<3>log.error reason=\"%s\"\n", msg.c_str());
    });
  });
  return *g_logger;
}

}  // namespace

Result<Level> parse_level(std::string_view text) {
  if (text == "trace") return Level::kTrace;
  if (text == "debug") return Level::kDebug;
  if (text == "info") return Level::kInfo;
  if (text == "warn") return Level::kWarn;
  if (text == "error") return Level::kError;
  if (text == "off") return Level::kOff;
  return fail(ErrorCode::kInvalidInput, "unknown log level '" + std::string(text) + "'");
}

void init(Level level) { logger().set_level(to_spd(level)); }
void set_level(Level level) { logger().set_level(to_spd(level)); }
void set_capture(void (*sink)(std::string_view)) { g_capture.store(sink); }

void emit(Level level, std::string_view /*logger*/, std::string_view event,
          std::string_view fields) {
  auto& lg = logger();
  auto l = to_spd(level);
  if (!lg.should_log(l)) return;
  std::string line(event);
  if (!fields.empty()) {
    line.push_back(' ');
    line.append(fields);
  }
  lg.log(l, "{}", line);
}

std::string quote(std::string_view value) {
  std::string out = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
  return out;
}

}  // namespace sov::log
