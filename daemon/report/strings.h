// SPDX-License-Identifier: Apache-2.0
#pragma once
// Internal to sov_report: every fixed string of the HTML report, one table per language, so a
// translation is one place to read and nothing is concatenated from word parts.

#include <string_view>

#include "daemon/model/model.h"

namespace sov::report::detail {

struct Strings {
  const char* lang;
  const char* title;
  const char* cover;
  const char* scope;
  const char* scans;
  const char* period;
  const char* node;
  const char* generated_at;
  const char* generated_by;
  const char* sovereignd_version;
  const char* rulesets;
  const char* chain_head;
  const char* signature;
  const char* all;
  const char* filter_ruleset;
  const char* filter_target;
  const char* unknown;
  const char* summary;
  const char* findings;
  const char* targets;
  const char* in_force_failures;
  const char* score_before;
  const char* score_after;
  const char* score_note;
  const char* chart_by_ruleset;
  const char* chart_trend;
  const char* chart_trend_empty;
  const char* matrix;
  const char* article;
  const char* rule;
  const char* rule_title;
  const char* chain;
  const char* target;
  const char* provider;
  const char* seat;
  const char* parent;
  const char* location;
  const char* no_facts;
  const char* waivers;
  const char* no_waivers;
  const char* waiver;
  const char* kind;
  const char* reason;
  const char* approved_by;
  const char* expires;
  const char* applies_to;
  const char* changes;
  const char* changes_from;
  const char* no_previous;
  const char* new_failures;
  const char* resolved;
  const char* changed;
  const char* before;
  const char* after;
  const char* none;
  const char* evidence;
  const char* evidence_note;
  const char* status;
  const char* severity;
  const char* message;
  const char* observed;
  const char* source;
  const char* remediation;
  const char* version;
  const char* contents;
  const char* status_names[7];  // indexed by model::Status
};

const Strings& strings_for(std::string_view lang);

inline const char* status_label(const Strings& s, model::Status st) {
  return s.status_names[static_cast<size_t>(st)];
}

}  // namespace sov::report::detail
