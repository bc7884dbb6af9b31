// SPDX-License-Identifier: Apache-2.0
// sovereignd: the daemon. Builds everything (no singletons, STYLE.md B7) and runs one event loop:
// the runner's timer, the signals, the watchdog, the control socket and the loopback HTTP
// endpoint. Exit status (sovereignd(8)): 0 clean stop, 1 internal or runtime failure, 2 usage or
// invalid configuration or rules, 3 a resource is unavailable (store locked or unreadable,
// socket or port in use).
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/version.hpp>
#include <malloc.h>
#include <openssl/crypto.h>
#include <systemd/sd-daemon.h>

#include "daemon/app/alerts_wiring.h"
#include "daemon/app/http_server.h"
#include "daemon/base/diag.h"
#include "daemon/base/redact.h"
#include "daemon/config/config.h"
#include "daemon/control/control.h"
#include "daemon/engine/engine.h"
#include "daemon/engine/runner.h"
#include "daemon/log/log.h"
#include "daemon/metrics/metrics.h"
#include "daemon/ruleset/ruleset.h"
#include "daemon/store/store.h"

namespace {

namespace asio = boost::asio;
using namespace sov;
using model::Json;

constexpr int kExitOk = 0;
constexpr int kExitRuntime = 1;
constexpr int kExitInvalid = 2;
constexpr int kExitUnavailable = 3;

constexpr const char* kUsage =
    "usage: sovereignd [--config FILE] [--check-config] [--version] [--help]\n"
    "  --config FILE    configuration file (default /etc/sovereignd/sovereignd.yaml)\n"
    "  --check-config   validate the configuration and the rules it names, then exit\n"
    "  --version        print the version and the library versions, then exit\n"
    "  --help           print this help, then exit\n";

std::string version_text() {
  std::string out = std::string("sovereignd ") + SOV_VERSION + "\n";
  out += std::string("  OpenSSL ") + OpenSSL_version(OPENSSL_VERSION) + "\n";
  out += std::string("  SQLite ") + SOV_SQLITE_VERSION + "\n";
  out += std::string("  yaml-cpp ") + SOV_YAML_CPP_VERSION + "\n";
  out += std::string("  Boost ") + std::to_string(BOOST_VERSION / 100000) + "." +
         std::to_string(BOOST_VERSION / 100 % 1000) + "." + std::to_string(BOOST_VERSION % 100) +
         "\n";
  return out;
}

struct Loaded {
  std::shared_ptr<const config::Config> config;
  std::shared_ptr<const ruleset::RuleBook> rules;
};

// Exactly the validation the daemon runs at start and on reload (and --check-config runs).
// Diagnostics, positioned, go to `diags`.
Result<Loaded> load_all(const std::string& path, const engine::ProbeRegistry& probes,
                        Diagnostics* diags) {
  auto cfg = config::load_config(path, diags);
  if (!cfg) return cfg.error();
  model::FactSchema schema = probes.fact_schema();
  ruleset::LoadOptions opts{&schema, (*cfg)->strict_rules};
  auto book = ruleset::load_rules((*cfg)->rules, opts, diags);
  if (!book) return book.error();
  return Loaded{*cfg, *book};
}

void notify(const std::string& state) { sd_notify(0, state.c_str()); }

class Daemon {
 public:
  Daemon(std::string config_path, Loaded loaded, engine::ProbeRegistry& probes,
         std::unique_ptr<store::Store> store)
      : config_path_(std::move(config_path)),
        loaded_(std::move(loaded)),
        probes_(probes),
        store_(std::move(store)),
        signals_(io_, SIGHUP, SIGTERM, SIGINT),
        watchdog_(io_) {}

  int run() {
    metrics::declare_sovereignd_metrics(metrics_);
    publish_static_metrics();
    // Counters that may stay at zero are shown from the start, so rate() and alerts see them.
    metrics_.add("sovereignd_watchdog_kills_total", {{"kind", "probe"}}, 0);
    metrics_.add("sovereignd_watchdog_kills_total", {{"kind", "exec_sink"}}, 0);
    metrics_.add("sovereignd_watchdog_pings_total", {}, 0);
    metrics_.set("sovereignd_config_last_reload_successful", {}, 1);
    metrics_.set("sovereignd_config_last_reload_success_timestamp_seconds", {},
                 static_cast<double>(to_unix_seconds(clock_.now())));

    alerts_ = std::make_unique<app::AlertsWiring>(io_, *store_, clock_, metrics_);
    alerts_->configure(*loaded_.config);
    restore_alert_state();

    const auto& cfg = *loaded_.config;
    std::error_code fec;
    std::filesystem::create_directories(std::filesystem::path(cfg.control_socket).parent_path(),
                                        fec);
    auto ctl = control::Server::listen(io_, cfg.control_socket, 0660);
    if (!ctl) {
      log::error("daemon", "daemon.start_failed", "reason=" + log::quote(ctl.error().to_string()));
      return kExitUnavailable;
    }
    control_ = std::move(*ctl);
    add_control_commands();
    auto http = app::HttpServer::listen(io_, cfg.http_listen,
                                        [this](const std::string& p) { return serve(p); });
    if (!http) {
      log::error("daemon", "daemon.start_failed", "reason=" + log::quote(http.error().to_string()));
      return http.error().code() == ErrorCode::kInvalidInput ? kExitInvalid : kExitUnavailable;
    }
    http_ = std::move(*http);

    engine::RunnerOptions ro;
    ro.clock = &clock_;
    ro.version = SOV_VERSION;
    ro.metrics = &metrics_;
    ro.hooks.on_target = [this](const engine::TargetResult& tr) { alerts_->on_target(tr); };
    ro.hooks.after_batch = [this] { alerts_->after_batch(); };
    ro.hooks.on_batch = [this](const std::string& line) {
      last_status_ = line;
      notify("STATUS=" + line);
    };
    runner_ = std::make_unique<engine::Runner>(io_, probes_, *store_, std::move(ro));
    runner_->start(loaded_.config, loaded_.rules);
    alerts_->set_runner(runner_.get());

    signals_.async_wait(
        [this](const boost::system::error_code& ec, int sig) { on_signal(ec, sig); });
    start_watchdog();
    log::info("daemon", "daemon.ready",
              "config=" + cfg.file + " targets=" + std::to_string(cfg.targets.size()) + " rules=" +
                  std::to_string(loaded_.rules->rules().size()) + " store=" + cfg.store +
                  " http=" + http_->address() + " control=" + cfg.control_socket);
    notify("READY=1\nSTATUS=ready, " + std::to_string(cfg.targets.size()) +
           " targets, first scans pending");
    alerts_->deliver_due();  // what a previous run left undelivered

    // The loop thread's last firewall (STYLE.md B6 layer 3): log, count, run again.
    while (true) {
      try {
        io_.run();
        break;
      } catch (const std::exception& e) {
        log::error("daemon", "daemon.handler_exception", "reason=" + log::quote(e.what()));
        metrics_.add("sovereignd_handler_exceptions_total", {});
      }
    }
    runner_.reset();
    alerts_.reset();
    auto cp = store_->checkpoint_wal();
    if (!cp)
      log::warn("store", "store.checkpoint_failed", "reason=" + log::quote(cp.error().to_string()));
    store_.reset();
    log::info("daemon", "daemon.stopped");
    return exit_code_;
  }

 private:
  void publish_static_metrics() {
    metrics_.clear("sovereignd_build_info");
    metrics_.set("sovereignd_build_info",
                 {{"version", SOV_VERSION},
                  {"ruleset", std::to_string(loaded_.rules->rules().size()) + " rules"},
                  {"ruleset_sha256", loaded_.rules->digest()}},
                 1);
    metrics_.clear("sovereignd_waiver_expiry_timestamp_seconds");
    for (const auto& w : loaded_.config->waivers) {
      if (!w.expires || w.revoked) continue;  // a revoked waiver will not expire any more
      // One series per rule id or glob the waiver names (`rules:`, or the older `rule:`).
      std::vector<std::string> rules = w.rules.empty() ? std::vector{w.rule_id} : w.rules;
      for (const auto& rule : rules) {
        metrics_.set("sovereignd_waiver_expiry_timestamp_seconds",
                     {{"waiver_id", w.id}, {"rule_id", rule}},
                     static_cast<double>(to_unix_seconds(*w.expires)));
      }
    }
  }

  // Without it, every finding still failing would be announced as new_failure again after
  // each restart: the diff's previous result would only be in memory.
  void restore_alert_state() {
    auto n = alerts_->restore(*loaded_.config);
    if (!n) {
      log::warn("alerts", "alerts.restore_failed", "reason=" + log::quote(n.error().to_string()));
      return;
    }
    log::info("alerts", "alerts.restored", "targets=" + std::to_string(*n));
  }

  void on_signal(const boost::system::error_code& ec, int sig) {
    if (ec) return;
    if (sig == SIGHUP) {
      log::info("daemon", "daemon.reload_requested", "source=sighup");
      (void)reload();
    } else {
      log::info("daemon", "daemon.stopping",
                std::string("signal=") + (sig == SIGINT ? "INT" : "TERM"));
      stop();
      return;
    }
    signals_.async_wait([this](const boost::system::error_code& e, int s) { on_signal(e, s); });
  }

  // Validate, swap on success; keep the old snapshot and log the positioned errors on failure.
  Result<bool> reload() {
    Diagnostics diags;
    auto next = load_all(config_path_, probes_, &diags);
    if (!next) {
      for (const auto& line : split_lines(diags.to_string())) {
        log::error("config", "config.diagnostic", line);
      }
      log::error("config", "config.reload_failed",
                 "file=" + config_path_ + " reason=" + log::quote(next.error().to_string()));
      metrics_.set("sovereignd_config_last_reload_successful", {}, 0);
      return next.error();
    }
    const auto& old = *loaded_.config;
    const auto& neu = *next->config;
    for (auto [key, a, b] :
         {std::tuple{"store", old.store, neu.store},
          std::tuple{"http.listen", old.http_listen, neu.http_listen},
          std::tuple{"control.socket", old.control_socket, neu.control_socket}}) {
      if (a != b) log::warn("config", "config.restart_required", std::string("key=") + key);
    }
    loaded_ = std::move(*next);
    if (auto lvl = log::parse_level(loaded_.config->log_level)) log::set_level(*lvl);
    runner_->swap(loaded_.config, loaded_.rules);
    alerts_->configure(*loaded_.config);
    publish_static_metrics();
    metrics_.set("sovereignd_config_last_reload_successful", {}, 1);
    metrics_.set("sovereignd_config_last_reload_success_timestamp_seconds", {},
                 static_cast<double>(to_unix_seconds(clock_.now())));
    log::info("config", "config.reloaded",
              "targets=" + std::to_string(loaded_.config->targets.size()) +
                  " rules=" + std::to_string(loaded_.rules->rules().size()) +
                  " ruleset_sha256=" + loaded_.rules->digest());
    return true;
  }

  static std::vector<std::string> split_lines(const std::string& s) {
    std::vector<std::string> out;
    size_t start = 0;
    while (start < s.size()) {
      size_t end = s.find('\n', start);
      if (end == std::string::npos) end = s.size();
      if (end > start) out.push_back(s.substr(start, end - start));
      start = end + 1;
    }
    return out;
  }

  void stop() {
    if (stopping_) return;
    stopping_ = true;
    notify("STOPPING=1");
    watchdog_.cancel();
    control_->close();
    http_->close();
    runner_->stop([this] {
      alerts_->stop();
      signals_.cancel();
      io_.stop();
    });
  }

  void start_watchdog() {
    uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return;
    watchdog_interval_ = std::chrono::microseconds(usec / 2);
    log::info("daemon", "daemon.watchdog", "interval_us=" + std::to_string(usec / 2));
    arm_watchdog();
  }

  // The ping comes from a timer on the loop, so it proves the loop runs, not merely the process.
  void arm_watchdog() {
    watchdog_.expires_after(watchdog_interval_);
    watchdog_.async_wait([this](const boost::system::error_code& ec) {
      if (ec || stopping_) return;
      notify("WATCHDOG=1");
      metrics_.add("sovereignd_watchdog_pings_total", {});
      arm_watchdog();
    });
  }

  void add_control_commands() {
    control_->add("list-commands", [this](const control::Request&) {
      auto names = control_->commands();
      return control::Response{control::kResultOk, std::to_string(names.size()) + " commands",
                               Json(names)};
    });
    control_->add("status", [this](const control::Request&) {
      Json data = runner_->status();
      data["version"] = SOV_VERSION;
      data["config"] = loaded_.config->file;
      data["ruleset_sha256"] = loaded_.rules->digest();
      data["rules"] = loaded_.rules->rules().size();
      data["last_reload_successful"] =
          metrics_.value("sovereignd_config_last_reload_successful", {}) == 1;
      data["alerts_pending"] = alerts_->pending();
      std::string text = std::string("sovereignd ") + SOV_VERSION + ": " +
                         data["state"].get<std::string>() + ", " +
                         std::to_string(loaded_.config->targets.size()) + " targets; " +
                         (last_status_.empty() ? "no scan yet" : last_status_);
      return control::Response{control::kResultOk, text, data};
    });
    control_->add("reload", [this](const control::Request&) {
      log::info("daemon", "daemon.reload_requested", "source=control");
      auto r = reload();
      if (!r) {
        return control::Response{
            control::kResultError,
            "reload rejected, the previous configuration stays: " + r.error().to_string(), nullptr};
      }
      return control::Response{control::kResultOk,
                               "reloaded: " + std::to_string(loaded_.config->targets.size()) +
                                   " targets, " + std::to_string(loaded_.rules->rules().size()) +
                                   " rules",
                               nullptr};
    });
    control_->add("scan-now", [this](const control::Request& req) {
      std::optional<std::string> target;
      if (req.args.contains("target") && req.args["target"].is_string()) {
        target = req.args["target"].get<std::string>();
      }
      auto r = runner_->scan_now(target);
      if (!r) return control::Response{control::kResultError, r.error().to_string(), nullptr};
      return control::Response{
          control::kResultOk, "scan scheduled for " + (target ? *target : "every target"), nullptr};
    });
  }

  app::HttpAnswer serve(const std::string& path) {
    if (path == "/metrics") {
      return {200, "text/plain; version=0.0.4; charset=utf-8", metrics_.render()};
    }
    if (path == "/healthz") {
      bool ok = !stopping_;
      return {ok ? 200 : 503, "text/plain; charset=utf-8", ok ? "ok\n" : "stopping\n"};
    }
    return {404, "text/plain; charset=utf-8", "not found\n"};
  }

  std::string config_path_;
  Loaded loaded_;
  engine::ProbeRegistry& probes_;
  std::unique_ptr<store::Store> store_;
  SystemClock clock_;
  metrics::Registry metrics_;
  asio::io_context io_;
  asio::signal_set signals_;
  asio::steady_timer watchdog_;
  std::chrono::microseconds watchdog_interval_{0};
  std::unique_ptr<control::Server> control_;
  std::unique_ptr<app::HttpServer> http_;
  std::unique_ptr<app::AlertsWiring> alerts_;
  std::unique_ptr<engine::Runner> runner_;
  std::string last_status_;
  bool stopping_ = false;
  int exit_code_ = kExitOk;
};

}  // namespace

int main(int argc, char** argv) {
  // Two malloc arenas at most, not eight per core: the scan worker is the only other thread
  // that allocates, and every extra arena keeps its freed pages resident between scans.
  ::mallopt(M_ARENA_MAX, 2);
  std::string config_path = config::kDefaultConfigPath;
  bool check_only = false;
  std::vector<std::string> args(argv + 1, argv + argc);
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--version") {
      std::cout << version_text();
      return kExitOk;
    } else if (a == "--help" || a == "-h") {
      std::cout << kUsage;
      return kExitOk;
    } else if (a == "--check-config") {
      check_only = true;
    } else if (a == "--config" && i + 1 < args.size()) {
      config_path = args[++i];
    } else if (a.rfind("--config=", 0) == 0) {
      config_path = a.substr(9);
    } else {
      std::cerr << "sovereignd: unknown argument '" << a << "'\n" << kUsage;
      return kExitInvalid;
    }
  }

  engine::ProbeRegistry probes = engine::builtin_probes();
  Diagnostics diags;
  auto loaded = load_all(config_path, probes, &diags);
  if (!diags.items().empty()) std::cerr << diags.to_string() << "\n";
  if (!loaded) {
    std::cerr << "sovereignd: " << redact(loaded.error().to_string()) << "\n";
    return loaded.error().code() == ErrorCode::kInvalidInput ? kExitInvalid : kExitUnavailable;
  }
  if (check_only) {
    std::cout << "sovereignd: " << config_path << ": ok (" << loaded->config->targets.size()
              << " targets, " << loaded->rules->rules().size() << " rules)\n";
    return kExitOk;
  }
  auto level = log::parse_level(loaded->config->log_level);
  log::init(level ? *level : log::Level::kInfo);
  log::info("daemon", "daemon.starting",
            std::string("version=") + SOV_VERSION + " config=" + loaded->config->file);

  auto store = store::Store::open(loaded->config->store);
  if (!store) {
    log::error(
        "daemon", "daemon.start_failed",
        "store=" + loaded->config->store + " reason=" + log::quote(store.error().to_string()));
    return store.error().code() == ErrorCode::kUnavailable ? kExitUnavailable : kExitRuntime;
  }
  Daemon daemon(config_path, std::move(*loaded), probes, std::move(*store));
  return daemon.run();
}
