// SPDX-License-Identifier: Apache-2.0
#pragma once
// A temporary directory removed with its contents when the object dies, plus small file helpers
// for tests.

#include <string>
#include <string_view>

namespace sov::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // path()/name
  std::string file(std::string_view name) const;
  // Writes `content` to path()/name (creating parent directories) and returns the full path.
  std::string write(std::string_view name, std::string_view content) const;

 private:
  std::string path_;
};

std::string read_file(const std::string& path);
// The root of the source tree (SOV_SOURCE_DIR at build time).
std::string source_dir();

}  // namespace sov::testing
