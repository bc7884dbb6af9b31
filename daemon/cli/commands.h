// SPDX-License-Identifier: Apache-2.0
#pragma once
// sovereignctl's commands. Each returns the process exit status documented in sovereignctl(1):
// 0 ok, 1 runtime error, 2 usage or invalid input, 3 in-force failures found (scan) or rule
// cases that do not match (rules test).

#include <optional>
#include <string>
#include <vector>

namespace sov::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitRuntime = 1;
inline constexpr int kExitInvalid = 2;
inline constexpr int kExitFailures = 3;

// Where a command finds the store: --db wins, else the `store` of --config, else of the default
// config file.
struct StoreRef {
  std::string db;
  std::string config;
};

struct ScanArgs {
  std::string config;
  std::string db;
  bool strict = false;
  std::string format = "table";
};
int cmd_scan(const ScanArgs& args);

struct FindingsArgs {
  StoreRef store;
  std::string status, rule, target, format = "table";
  std::string explain;  // a target id: print its sovereignty chain instead of a list
  std::optional<long long> scan;
};
int cmd_findings(const FindingsArgs& args);

int cmd_history(const StoreRef& store, size_t limit, const std::string& format);
int cmd_diff(const StoreRef& store, long long scan_a, long long scan_b, const std::string& format);
int cmd_verify(const StoreRef& store);

struct RulesArgs {
  std::vector<std::string> paths;  // empty: the config's rules (or the defaults)
  std::string config;
  bool strict = false;
  std::string format = "table";
};
int cmd_rules_validate(const RulesArgs& args);
int cmd_rules_test(const RulesArgs& args);
int cmd_rules_list(const RulesArgs& args);
int cmd_rules_explain(const RulesArgs& args, const std::string& rule_id);

int cmd_config_check(const std::string& file);
int cmd_config_schema(const std::string& format);

// "sovereignctl 0.1.0\n  OpenSSL ...\n  SQLite ...\n  yaml-cpp ...\n  Boost ..."
std::string version_text();

}  // namespace sov::cli
