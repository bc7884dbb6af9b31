// SPDX-License-Identifier: Apache-2.0
// The man page is tested like code (STYLE B1.10): sovereign-rules(5) lists every fact path the
// probes' schema declares, with its type, so a new fact cannot ship undocumented.

#include <string>

#include <gtest/gtest.h>

#include "probes/api/probe.h"
#include "tests/support/temp_dir.h"

namespace sov::ruleset {
namespace {

std::string roff_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '-' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

TEST(ManPage, ListsEveryFactOfTheSchemaWithItsType) {
  std::string page =
      sov::testing::read_file(std::string(SOV_SOURCE_DIR) + "/man/sovereign-rules.5");
  ASSERT_FALSE(page.empty());
  auto entries = probes::core_fact_schema();
  auto declarable = probes::declarable_fact_schema();
  entries.insert(entries.end(), declarable.begin(), declarable.end());
  for (const auto& e : entries) {
    std::string type(model::fact_type_name(e.type));
    if (e.type == model::FactType::kList && e.element_type != model::FactType::kAny) {
      type += " of " + std::string(model::fact_type_name(e.element_type));
    }
    std::string line = ".BR " + roff_escape(e.path) + " \" (" + type + ")\"\n";
    EXPECT_NE(page.find(line), std::string::npos) << "man/sovereign-rules.5 lacks: " << line;
  }
}

TEST(ManPage, HasTheSectionsOfAManPage) {
  std::string page =
      sov::testing::read_file(std::string(SOV_SOURCE_DIR) + "/man/sovereign-rules.5");
  for (const char* section : {".SH NAME", ".SH SYNOPSIS", ".SH DESCRIPTION", ".SH FACTS",
                              ".SH FILES", ".SH EXIT STATUS", ".SH EXAMPLES", ".SH SEE ALSO"}) {
    EXPECT_NE(page.find(std::string(section) + "\n"), std::string::npos) << section;
  }
}

}  // namespace
}  // namespace sov::ruleset
