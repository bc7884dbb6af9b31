// SPDX-License-Identifier: Apache-2.0
// Native JSON export (schemas/sovereignd-export.schema.json): a header, then the findings one per
// line as they are read, then the counters and rule sets gathered on the way.
#include <algorithm>

#include "daemon/report/internal.h"

namespace sov::report::detail {

// A JSON string literal, escaped as nlohmann's dump() does (invalid UTF-8 replaced by U+FFFD),
// without building a json value: the export writes a million of these.
void append_json_string(std::string* out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  std::string clean;
  bool ascii = std::all_of(text.begin(), text.end(),
                           [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  if (!ascii) {
    clean = clean_utf8(text);
    text = clean;
  }
  for (char c : text) {
    switch (c) {
      case '"':
        *out += "\\\"";
        break;
      case '\\':
        *out += "\\\\";
        break;
      case '\b':
        *out += "\\b";
        break;
      case '\f':
        *out += "\\f";
        break;
      case '\n':
        *out += "\\n";
        break;
      case '\r':
        *out += "\\r";
        break;
      case '\t':
        *out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          *out += "\\u00";
          out->push_back(kHex[(c >> 4) & 0x0F]);
          out->push_back(kHex[c & 0x0F]);
        } else {
          out->push_back(c);
        }
    }
  }
  out->push_back('"');
}

void append_json_field(std::string* out, const char* key, std::string_view value) {
  out->push_back(',');
  append_json_string(out, key);
  out->push_back(':');
  append_json_string(out, value);
}

namespace {

Json scans_json(const Scope& scope) {
  Json out = Json::array();
  for (const auto& s : scope.scans) {
    out.push_back({{"id", s.id},
                   {"node", s.meta.node},
                   {"started", format_rfc3339(s.meta.started)},
                   {"finished", s.finished ? Json(format_rfc3339(*s.finished)) : Json(nullptr)},
                   {"state", store::scan_state_name(s.state)},
                   {"version", s.meta.version},
                   {"rules_digest", s.meta.rules_digest}});
  }
  return out;
}

Json scope_json(const ExportOptions& opt) {
  auto opt_text = [](const std::optional<std::string>& v) { return v ? Json(*v) : Json(nullptr); };
  return {{"scan", opt.scan_id ? Json(*opt.scan_id) : Json(nullptr)},
          {"since", opt.since ? Json(format_rfc3339(*opt.since)) : Json(nullptr)},
          {"ruleset", opt_text(opt.ruleset)},
          {"target", opt_text(opt.target)}};
}

// The same object as finding_json(), written directly (a third of the time).
void append_finding(std::string* out, const store::StoredFinding& sf) {
  const model::Finding& f = sf.finding;
  *out += "{\"uid\":";
  append_json_string(out, finding_uid(sf.scan_id, f.target_id, f.rule_id));
  *out += ",\"id\":" + std::to_string(sf.id) + ",\"scan_id\":" + std::to_string(sf.scan_id);
  append_json_field(out, "hash", sf.hash);
  append_json_field(out, "rule_id", f.rule_id);
  append_json_field(out, "ruleset", f.ruleset);
  append_json_field(out, "ruleset_version", f.ruleset_version);
  append_json_field(out, "title", f.title);
  append_json_field(out, "severity", model::severity_name(f.severity));
  append_json_field(out, "reference", f.reference);
  append_json_field(out, "source_url", f.source_url);
  append_json_field(out, "target", f.target_id);
  append_json_field(out, "status", model::status_name(f.status));
  *out += ",\"raw_status\":";
  if (f.raw_status) {
    append_json_string(out, model::status_name(*f.raw_status));
  } else {
    *out += "null";
  }
  *out += f.in_force ? ",\"in_force\":true" : ",\"in_force\":false";
  *out += ",\"effective\":";
  if (f.effective) {
    append_json_string(out, format_date(*f.effective));
  } else {
    *out += "null";
  }
  append_json_field(out, "message", f.message);
  append_json_field(out, "remediation", f.remediation);
  append_json_field(out, "evaluated_at", format_rfc3339(f.evaluated_at));
  *out += ",\"basis\":" + (f.basis.is_null() ? std::string("null") : dump(f.basis));
  *out += ",\"evidence\":[";
  for (size_t i = 0; i < f.evidence.size(); ++i) {
    const model::EvidenceItem& e = f.evidence[i];
    *out += i == 0 ? "{\"path\":" : ",{\"path\":";
    append_json_string(out, e.path);
    *out += ",\"value\":" + dump(e.value);
    if (e.missing) *out += ",\"missing\":true";
    if (e.source) {
      *out += ",\"source\":{\"kind\":";
      append_json_string(out, model::source_kind_name(e.source->kind));
      append_json_field(out, "where", e.source->where);
      *out += ",\"when\":";
      if (e.source->when) {
        append_json_string(out, format_rfc3339(*e.source->when));
      } else {
        *out += "null";
      }
      out->push_back('}');
    }
    out->push_back('}');
  }
  *out += "]}";
}

}  // namespace

Result<ExportStats> write_json(const store::Store& store, const Scope& scope,
                               const ExportOptions& opt, std::ostream& out) {
  auto head = store.chain_head();
  if (!head) return head.error();
  Json generator = {{"name", "sovereignd"},
                    {"version", opt.version},
                    {"generated_at", format_rfc3339(opt.generated_at)},
                    {"generated_by", opt.generated_by}};
  out << "{\"schema_version\":" << dump(Json(kJsonSchemaVersion))
      << ",\n\"generator\":" << dump(generator) << ",\n\"node\":" << dump(Json(scope.node))
      << ",\n\"scope\":" << dump(scope_json(opt)) << ",\n\"scans\":" << dump(scans_json(scope))
      << ",\n\"chain_head\":" << dump(Json(*head)) << ",\n\"findings\":[";
  Tally tally;
  std::map<std::string, std::string> seen;
  bool first = true;
  std::string line;
  auto n = each_finding(store, scope, opt, [&](const store::StoredFinding& sf) -> Result<bool> {
    line.assign(first ? "\n" : ",\n");
    append_finding(&line, sf);
    out << line;
    first = false;
    tally.add(sf.finding);
    seen.emplace(sf.finding.ruleset, sf.finding.ruleset_version);
    return check_stream(out);
  });
  if (!n) return n.error();
  out << "],\n\"rulesets\":" << dump(rulesets_json(merge_rulesets(opt, seen)))
      << ",\n\"summary\":" << dump(tally.to_json()) << "}\n";
  ExportStats stats;
  stats.findings = *n;
  return stats;
}

}  // namespace sov::report::detail
