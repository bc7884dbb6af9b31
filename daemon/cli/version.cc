// SPDX-License-Identifier: Apache-2.0
#include <string>

#include <boost/version.hpp>
#include <openssl/crypto.h>
#include <sqlite3.h>

#include "daemon/cli/commands.h"

namespace sov::cli {

std::string version_text() {
  std::string boost = std::to_string(BOOST_VERSION / 100000) + "." +
                      std::to_string(BOOST_VERSION / 100 % 1000) + "." +
                      std::to_string(BOOST_VERSION % 100);
  return std::string("sovereignctl ") + SOV_VERSION + "\n" + "  OpenSSL " +
         OpenSSL_version(OPENSSL_VERSION_STRING) + " (built with " + OPENSSL_VERSION_TEXT + ")\n" +
         "  SQLite " + sqlite3_libversion() + " (built with " + SQLITE_VERSION + ")\n" +
         "  yaml-cpp " + SOV_YAML_CPP_VERSION + "\n" + "  Boost " + boost + "\n";
}

}  // namespace sov::cli
