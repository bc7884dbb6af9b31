// SPDX-License-Identifier: Apache-2.0
// The man page is tested like code (STYLE B1.10): sovereign-rules(5) has the sections of a man
// page. That it lists every fact of every built-in probe is checked in tests/daemon/engine
// (man_facts_test.cc), where the probes are linked.

#include <string>

#include <gtest/gtest.h>

#include "tests/support/temp_dir.h"

namespace sov::ruleset {
namespace {

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
