// SPDX-License-Identifier: Apache-2.0
// dump_redacted(): the effective configuration as YAML, in the order of the keyword table, with
// the values of secret keys masked and every other string passed through sov::redact().
#include <chrono>
#include <cstdio>
#include <string>

#include <yaml-cpp/emitter.h>
#include <yaml-cpp/emittermanip.h>

#include "daemon/base/redact.h"
#include "daemon/config/config.h"

namespace sov::config {

namespace {

using model::Json;

std::string when_text(TimePoint t) {
  auto secs = std::chrono::floor<std::chrono::seconds>(t);
  if (secs == std::chrono::floor<std::chrono::days>(secs) && secs == t) return format_date(t);
  return format_rfc3339(t);
}

void emit_string(YAML::Emitter& out, const std::string& s) { out << redact(s); }

// Free-form JSON (declared facts): strings are always quoted so that they load back as strings.
void emit_json(YAML::Emitter& out, const Json& j) {
  switch (j.type()) {
    case Json::value_t::object:
      out << YAML::BeginMap;
      for (const auto& [k, v] : j.items()) {
        out << YAML::Key << k << YAML::Value;
        emit_json(out, v);
      }
      out << YAML::EndMap;
      break;
    case Json::value_t::array:
      out << YAML::BeginSeq;
      for (const auto& v : j) emit_json(out, v);
      out << YAML::EndSeq;
      break;
    case Json::value_t::string:
      out << YAML::DoubleQuoted << redact(j.get<std::string>());
      break;
    case Json::value_t::null:
      out << YAML::Null;
      break;
    default:
      out << j.dump();  // numbers and booleans, in JSON's spelling, which YAML reads back
      break;
  }
}

// A JSON object whose keys are rows of `scope` (Target::spec, an alert): emitted in table order,
// secrets masked, sections recursed into.
void emit_section(YAML::Emitter& out, const Json& obj, const std::string& scope) {
  for (const auto& kw : keyword_table()) {
    if (!kw.name.starts_with(scope)) continue;
    std::string leaf = kw.name.substr(scope.size());
    if (leaf.find('.') != std::string::npos || leaf.find('[') != std::string::npos) continue;
    auto it = obj.find(leaf);
    if (it == obj.end()) continue;
    out << YAML::Key << leaf << YAML::Value;
    if (kw.secret) {
      out << std::string(kRedacted);
    } else if (it->is_object() && kw.type == KeyType::kMap) {
      out << YAML::BeginMap;
      emit_section(out, *it, kw.name + ".");
      out << YAML::EndMap;
    } else if (it->is_array()) {
      out << YAML::Flow << YAML::BeginSeq;
      for (const auto& v : *it) {
        if (v.is_string()) {
          emit_string(out, v.get<std::string>());
        } else {
          emit_json(out, v);
        }
      }
      out << YAML::EndSeq;
    } else if (it->is_string()) {
      emit_string(out, it->get<std::string>());
    } else {
      emit_json(out, *it);
    }
  }
}

bool from_config_file(const Config& c, const std::string& file) {
  return file.rfind(c.source_name + ":", 0) == 0;
}

}  // namespace

std::string dump_redacted(const Config& c) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "node" << YAML::Value;
  emit_string(out, c.node);
  out << YAML::Key << "store" << YAML::Value;
  emit_string(out, c.store);
  out << YAML::Key << "rules" << YAML::Value << YAML::BeginSeq;
  for (const auto& r : c.rules) emit_string(out, r);
  out << YAML::EndSeq;
  out << YAML::Key << "strict_rules" << YAML::Value << (c.strict_rules ? "true" : "false");
  out << YAML::Key << "retention" << YAML::Value
      << (c.retention.count() == 0 ? std::string("0") : format_duration(c.retention));
  out << YAML::Key << "log_level" << YAML::Value << c.log_level;

  out << YAML::Key << "schedule" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "interval" << YAML::Value << format_duration(c.schedule.interval);
  // Jitter is kept as a fraction; print it back as the percentage it was written as.
  char jitter[32];
  std::snprintf(jitter, sizeof jitter, "%.10g%%", c.schedule.jitter * 100);
  out << YAML::Key << "jitter" << YAML::Value << std::string(jitter);
  out << YAML::Key << "concurrency" << YAML::Value << c.schedule.concurrency;
  out << YAML::Key << "per_host_concurrency" << YAML::Value << c.schedule.per_host_concurrency;
  out << YAML::Key << "probe_timeout" << YAML::Value << format_duration(c.schedule.probe_timeout);
  out << YAML::EndMap;

  out << YAML::Key << "targets" << YAML::Value << YAML::BeginSeq;
  for (const auto& t : c.targets) {
    out << YAML::BeginMap;
    out << YAML::Key << "id" << YAML::Value << t.id;
    out << YAML::Key << "kind" << YAML::Value << t.kind;
    if (!t.tags.empty()) {
      out << YAML::Key << "tags" << YAML::Value << YAML::BeginMap;
      for (const auto& [k, values] : t.tags) {
        out << YAML::Key << k << YAML::Value << YAML::Flow << YAML::BeginSeq;
        for (const auto& v : values) emit_string(out, v);
        out << YAML::EndSeq;
      }
      out << YAML::EndMap;
    }
    // The source of declared facts matters only when there are some.
    if (t.declared.is_object() && !t.declared.empty()) {
      out << YAML::Key << "declared" << YAML::Value;
      emit_json(out, t.declared);
      if (t.declared_source.when) {
        out << YAML::Key << "declared_as_of" << YAML::Value << when_text(*t.declared_source.when);
      }
      out << YAML::Key << "declared_source" << YAML::Value;
      emit_string(out, t.declared_source.where);
    }
    emit_section(out, t.spec, "targets[].");
    out << YAML::EndMap;
  }
  out << YAML::EndSeq;

  out << YAML::Key << "attestations" << YAML::Value << YAML::BeginSeq;
  for (const auto& a : c.attestations) {
    if (!from_config_file(c, a.file)) continue;
    out << YAML::BeginMap;
    out << YAML::Key << "rule" << YAML::Value << a.rule_id;
    if (!a.target_id.empty()) out << YAML::Key << "target" << YAML::Value << a.target_id;
    out << YAML::Key << "status" << YAML::Value << std::string(model::status_name(a.status));
    out << YAML::Key << "by" << YAML::Value;
    emit_string(out, a.by);
    if (!a.statement.empty()) {
      out << YAML::Key << "statement" << YAML::Value;
      emit_string(out, a.statement);
    }
    out << YAML::Key << "date" << YAML::Value << when_text(a.date);
    if (a.expires) out << YAML::Key << "expires" << YAML::Value << when_text(*a.expires);
    if (!a.evidence.empty()) {
      out << YAML::Key << "evidence" << YAML::Value;
      emit_string(out, a.evidence);
    }
    out << YAML::EndMap;
  }
  out << YAML::EndSeq;

  out << YAML::Key << "waivers" << YAML::Value << YAML::BeginSeq;
  for (const auto& w : c.waivers) {
    if (!from_config_file(c, w.file)) continue;
    out << YAML::BeginMap;
    out << YAML::Key << "id" << YAML::Value << w.id;
    out << YAML::Key << "rules" << YAML::Value << YAML::Flow << YAML::BeginSeq;
    for (const auto& r : w.rules) emit_string(out, r);
    out << YAML::EndSeq;
    if (!w.targets.empty()) {
      out << YAML::Key << "targets" << YAML::Value << YAML::Flow << YAML::BeginSeq;
      for (const auto& t : w.targets) emit_string(out, t);
      out << YAML::EndSeq;
    }
    out << YAML::Key << "reason" << YAML::Value;
    emit_string(out, w.reason);
    if (!w.category.empty()) out << YAML::Key << "category" << YAML::Value << w.category;
    out << YAML::Key << "approved_by" << YAML::Value;
    emit_string(out, w.by);
    if (!w.ticket.empty()) {
      out << YAML::Key << "ticket" << YAML::Value;
      emit_string(out, w.ticket);
    }
    out << YAML::Key << "created" << YAML::Value << when_text(w.created);
    if (w.expires) out << YAML::Key << "expires" << YAML::Value << when_text(*w.expires);
    if (w.review_every) {
      out << YAML::Key << "review_every" << YAML::Value << format_duration(*w.review_every);
    }
    out << YAML::Key << "mode" << YAML::Value << std::string(model::waiver_mode_name(w.mode));
    if (w.revoked) {
      out << YAML::Key << "revoked" << YAML::Value << when_text(*w.revoked);
      out << YAML::Key << "revoked_by" << YAML::Value;
      emit_string(out, w.revoked_by);
    }
    out << YAML::EndMap;
  }
  out << YAML::EndSeq;

  out << YAML::Key << "waiver_max_duration" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "critical" << YAML::Value << format_duration(c.waiver_max_duration.critical);
  out << YAML::Key << "high" << YAML::Value << format_duration(c.waiver_max_duration.high);
  out << YAML::Key << "medium" << YAML::Value << format_duration(c.waiver_max_duration.medium);
  out << YAML::Key << "low" << YAML::Value << format_duration(c.waiver_max_duration.low);
  out << YAML::EndMap;

  out << YAML::Key << "attestation_files" << YAML::Value << YAML::BeginSeq;
  for (const auto& f : c.attestation_files) emit_string(out, f);
  out << YAML::EndSeq;

  out << YAML::Key << "alerts" << YAML::Value << YAML::BeginSeq;
  for (const auto& a : c.alerts) {
    out << YAML::BeginMap;
    emit_section(out, a, "alerts[].");
    out << YAML::EndMap;
  }
  out << YAML::EndSeq;

  out << YAML::Key << "http" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "listen" << YAML::Value << c.http_listen;
  out << YAML::EndMap;
  out << YAML::Key << "control" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "socket" << YAML::Value;
  emit_string(out, c.control_socket);
  out << YAML::EndMap;
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace sov::config
