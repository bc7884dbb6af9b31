// SPDX-License-Identifier: Apache-2.0
#pragma once
// daemon/metrics: the sovereignd_ metrics (FORMATS.md §5.2) and their Prometheus text
// exposition (format 0.0.4). A Registry holds families (gauge, counter, histogram) declared once
// with their help text; series are addressed by their label values.
//
// Threading: every method locks an internal mutex; the engine's scan thread writes while the
// HTTP handler renders. Label values are escaped on output (\\, \", \n).

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace sov::metrics {

enum class Type { kGauge, kCounter, kHistogram };

using Labels = std::vector<std::pair<std::string, std::string>>;

class Registry {
 public:
  /// Declares a family. Requires: `name` is a valid metric name, declared once; histograms take
  /// their bucket upper bounds (ascending; +Inf is implicit).
  void declare(const std::string& name, Type type, const std::string& help,
               std::vector<double> buckets = {});

  /// Sets a gauge series (creates it). Requires: `name` declared as kGauge.
  void set(const std::string& name, const Labels& labels, double value);
  /// Adds to a counter series (creates it at 0 first).
  void add(const std::string& name, const Labels& labels, double delta = 1);
  /// Records one observation in a histogram series.
  void observe(const std::string& name, const Labels& labels, double value);
  /// Removes every series of `name` whose label `key` equals `value` (a target's old statuses).
  void remove_matching(const std::string& name, const std::string& key, const std::string& value);
  /// Removes every series of `name`.
  void clear(const std::string& name);
  /// The value of one series, or nullopt-like NaN when absent (for tests and /healthz).
  double value(const std::string& name, const Labels& labels) const;

  /// The exposition text: # HELP, # TYPE, then the series, families sorted by name.
  std::string render() const;

 private:
  struct Histogram {
    std::vector<uint64_t> counts;  // per bucket, not cumulative
    double sum = 0;
    uint64_t count = 0;
  };
  struct Family {
    Type type = Type::kGauge;
    std::string help;
    std::vector<double> buckets;
    std::map<Labels, double> values;
    std::map<Labels, Histogram> histograms;
  };
  mutable std::mutex mu_;
  std::map<std::string, Family> families_;
};

/// Declares every sovereignd_ family the daemon exports (names and help in one place).
void declare_sovereignd_metrics(Registry& registry);

/// Prometheus label-value escaping.
std::string escape_label_value(const std::string& v);

}  // namespace sov::metrics
