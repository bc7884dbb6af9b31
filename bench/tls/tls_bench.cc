// SPDX-License-Identifier: Apache-2.0
// Probes every endpoint of a list with the TLS probe, `concurrency` at a time on one io_context
// (as the engine does), and prints one JSON line: endpoints/s, errors and peak memory (VmHWM).
//
//   sov_tls_bench ENDPOINTS_FILE CONCURRENCY handshake|full CA_FILE
#include <chrono>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "probes/tls/tls_probe.h"

namespace {

long peak_rss_kb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::cerr << "usage: sov_tls_bench ENDPOINTS_FILE CONCURRENCY handshake|full CA_FILE\n";
    return 2;
  }
  std::vector<std::string> endpoints;
  std::ifstream in(argv[1]);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) endpoints.push_back(line);
  }
  const size_t concurrency = std::stoul(argv[2]);
  const std::string mode = argv[3];
  sov::probes::tls::TlsProbe probe;
  sov::SystemClock clock;
  boost::asio::io_context io;
  size_t next = 0, in_flight = 0, ok = 0, errors = 0;
  std::string first_error;
  std::function<void()> start_more = [&] {
    while (in_flight < concurrency && next < endpoints.size()) {
      sov::model::Target t;
      t.id = "e" + std::to_string(next);
      t.kind = "tls";
      t.spec = {{"endpoint", endpoints[next++]}, {"ca_file", argv[4]}, {"tls", {{"mode", mode}}}};
      ++in_flight;
      sov::probes::ProbeContext ctx{&io, &clock,
                                    std::chrono::steady_clock::now() + std::chrono::seconds(10)};
      probe.run(t, ctx, [&](sov::probes::ProbeResult r) {
        --in_flight;
        if (r.ok) {
          ++ok;
        } else {
          ++errors;
          if (first_error.empty()) first_error = r.error;
        }
        start_more();
      });
    }
  };
  auto t0 = std::chrono::steady_clock::now();
  start_more();
  io.run();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cout << "{\"tool\": \"sovereignd-" << mode << "\", \"endpoints\": " << endpoints.size()
            << ", \"concurrency\": " << concurrency << ", \"seconds\": " << secs
            << ", \"endpoints_per_s\": " << endpoints.size() / secs << ", \"ok\": " << ok
            << ", \"errors\": " << errors << ", \"peak_rss_kb\": " << peak_rss_kb()
            << ", \"first_error\": \"" << first_error << "\"}" << std::endl;
  return errors == 0 ? 0 : 1;
}
