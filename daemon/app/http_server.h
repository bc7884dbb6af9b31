// SPDX-License-Identifier: Apache-2.0
#pragma once
// The loopback HTTP endpoint of sovereignd (/metrics, /healthz): Boost.Beast, HTTP/1.1, GET
// only, one request per connection, each connection bounded by a 10 s deadline. Beast stays in
// http_server.cc.
//
// Threading: lives on the io_context given to listen(); the handler runs there and must not
// block.

#include <functional>
#include <memory>
#include <string>

#include "daemon/base/result.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace sov::app {

struct HttpAnswer {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

/// Called with the request target's path ("/metrics"); the query string is dropped.
using HttpHandler = std::function<HttpAnswer(const std::string& path)>;

class HttpServer {
 public:
  struct Impl;
  /// Binds `listen` ("127.0.0.1:9469", "[::1]:9469"; port 0 picks one). Errors: kInvalidInput
  /// (malformed address; host names are refused), kIo (bind failed, message names the address).
  static Result<std::unique_ptr<HttpServer>> listen(boost::asio::io_context& io,
                                                    const std::string& listen, HttpHandler handler);
  explicit HttpServer(std::shared_ptr<Impl> impl);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// The bound address, port included ("127.0.0.1:9469").
  std::string address() const;
  void close();

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace sov::app
