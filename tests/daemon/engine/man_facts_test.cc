// SPDX-License-Identifier: Apache-2.0
// sovereign-rules(5) documents every fact path this binary's probes and enrichment can produce,
// with its type (issue #3: "document every one in sovereign-rules(5) and in the fact schema"), so
// a new fact cannot ship undocumented. The page's FACTS entries are generated from the schema:
//   SOV_PRINT_MAN_FACTS=1 sov_engine_tests --gtest_filter=ManPageFacts.*
// prints them, grouped by producer, to paste between the FACTS markers of man/sovereign-rules.5.
#include <cstdlib>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "daemon/engine/engine.h"
#include "tests/support/temp_dir.h"

namespace sov::engine {
namespace {

std::string roff_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '-' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

std::string type_of(const model::FactSchemaEntry& e) {
  std::string type(model::fact_type_name(e.type));
  if (e.type == model::FactType::kList && e.element_type != model::FactType::kAny) {
    type += " of " + std::string(model::fact_type_name(e.element_type));
  }
  return type;
}

std::string entry_line(const model::FactSchemaEntry& e) {
  return ".BR " + roff_escape(e.path) + " \" (" + type_of(e) + ")\"\n";
}

// The description as a roff text line: capitalised, ending with a full stop, no line starting
// with a roff control character.
std::string description_line(std::string d) {
  if (d.empty()) d = "(no description)";
  if (d[0] >= 'a' && d[0] <= 'z') d[0] = static_cast<char>(d[0] - 'a' + 'A');
  if (d.back() != '.') d += '.';
  if (d[0] == '.' || d[0] == '\'') d = "\\&" + d;
  return roff_escape(d) + "\n";
}

TEST(ManPageFacts, ListsEveryFactOfEveryBuiltInProbeWithItsType) {
  model::FactSchema schema = builtin_probes().fact_schema();
  if (std::getenv("SOV_PRINT_MAN_FACTS") != nullptr) {
    std::map<std::string, std::vector<const model::FactSchemaEntry*>> by_producer;
    for (const auto& [path, e] : schema.entries()) by_producer[e.producer].push_back(&e);
    for (const auto& [producer, entries] : by_producer) {
      std::cout << ".SS " << producer << "\n";
      for (const auto* e : entries) {
        std::cout << ".TP\n" << entry_line(*e) << description_line(e->description);
      }
    }
  }
  std::string page = sov::testing::read_file(sov::testing::source_dir() + "/man/sovereign-rules.5");
  ASSERT_FALSE(page.empty());
  for (const auto& [path, e] : schema.entries()) {
    EXPECT_NE(page.find(entry_line(e)), std::string::npos)
        << "man/sovereign-rules.5 lacks (producer " << e.producer << "): " << entry_line(e);
  }
}

}  // namespace
}  // namespace sov::engine
