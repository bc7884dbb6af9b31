// SPDX-License-Identifier: Apache-2.0
// The ServerHello reader (probes/tls/hello.h): whatever a server sends back to the hand-built
// ClientHello, the reader gives a verdict on every prefix without reading past the input, and
// a verdict of kServerHello names a suite.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "probes/tls/hello.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using sov::probes::tls::read_server_hello;
  using State = sov::probes::tls::ServerHelloReading::State;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto whole = read_server_hello(input);
  // Growing input never turns a verdict back into "need more".
  auto half = read_server_hello(input.substr(0, size / 2));
  if (half.state != State::kNeedMore && whole.state == State::kNeedMore) std::abort();
  (void)sov::probes::tls::weak_suite_name(whole.suite);
  return 0;
}
