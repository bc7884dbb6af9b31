// SPDX-License-Identifier: Apache-2.0
// Error text is part of the contract (STYLE B13): every malformed rule file in tests/data/rules/
// NAME.yaml must fail to load with exactly the text in NAME.err (positions, source lines and
// carets included). Files named strict_*.yaml load under --strict. Run with SOV_UPDATE_GOLDEN=1
// to rewrite the .err files after a deliberate change, then review the diff.

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "tests/daemon/ruleset/ruleset_test_util.h"
#include "tests/support/temp_dir.h"

namespace sov::ruleset {
namespace {

namespace fs = std::filesystem;

std::string data_dir() { return std::string(SOV_SOURCE_DIR) + "/tests/data/rules"; }

// The lists a real installation has, so that "did you mean '$eu27'" shows up.
std::vector<SharedList> known_lists() {
  SharedList eu27;
  eu27.id = "eu27";
  eu27.values = {"AT", "BE", "DE", "FR", "IT"};
  SharedList eea;
  eea.id = "eea";
  eea.values = {"AT", "BE", "DE", "FR", "IS", "IT", "LI", "NO"};
  return {eu27, eea};
}

std::vector<std::string> golden_inputs() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(data_dir(), ec)) {
    if (e.path().extension() == ".yaml") names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

class GoldenErrors : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenErrors, MatchesExpectedTextExactly) {
  const std::string name = GetParam();
  const std::string input = sov::testing::read_file(data_dir() + "/" + name);
  const std::string err_path = data_dir() + "/" + name.substr(0, name.size() - 5) + ".err";
  std::vector<SharedList> lists = known_lists();
  LoadOptions options;
  options.schema = &testing::probe_schema();
  options.strict = name.rfind("strict_", 0) == 0;
  options.lists = &lists;

  Diagnostics diags;
  auto book = load_rules_text(name, input, options, &diags);
  ASSERT_FALSE(book.has_value()) << name << " loaded";
  EXPECT_EQ(book.error().code(), ErrorCode::kInvalidInput);
  std::string actual = diags.to_string() + "\n";

  if (std::getenv("SOV_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(err_path, std::ios::binary) << actual;
    GTEST_SKIP() << "rewrote " << err_path;
  }
  ASSERT_TRUE(fs::exists(err_path)) << "missing " << err_path << "; actual:\n" << actual;
  EXPECT_EQ(actual, sov::testing::read_file(err_path)) << name;
}

INSTANTIATE_TEST_SUITE_P(RuleLoader, GoldenErrors, ::testing::ValuesIn(golden_inputs()),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                           std::string n = param.param.substr(0, param.param.size() - 5);
                           std::string out;
                           bool up = true;
                           for (char c : n) {
                             if (c == '_') {
                               up = true;
                               continue;
                             }
                             out += up ? static_cast<char>(std::toupper(c)) : c;
                             up = false;
                           }
                           return out;
                         });

TEST(RuleLoader, EveryGoldenInputHasItsExpectedText) {
  auto inputs = golden_inputs();
  EXPECT_GE(inputs.size(), 9u);
  for (const auto& n : inputs) {
    EXPECT_TRUE(fs::exists(data_dir() + "/" + n.substr(0, n.size() - 5) + ".err")) << n;
  }
}

}  // namespace
}  // namespace sov::ruleset
