// SPDX-License-Identifier: Apache-2.0
#pragma once
// daemon/control: the control socket between sovereignctl and sovereignd (STYLE.md B10).
//
// Protocol: a unix stream socket; each request is one line of JSON
//   {"command": "status", "args": {...}}
// answered by one line of JSON
//   {"result": 0, "text": "human summary", "data": {...}}
// result codes: kResultOk 0, kResultError 1 (the command failed), kResultUnsupported 2 (unknown
// command or bad arguments). A connection may carry several requests; a request line longer
// than kMaxRequestBytes closes the connection. Each command is documented by one JSON file in
// daemon/control/api/ (a test checks every command the server knows has one).
//
// Threading: the Server lives on the io_context given to it (one thread); handlers run there and
// must not block. The client is blocking with a deadline, for sovereignctl.

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "daemon/base/result.h"
#include "daemon/model/model.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace sov::control {

inline constexpr int kResultOk = 0;
inline constexpr int kResultError = 1;
inline constexpr int kResultUnsupported = 2;
inline constexpr size_t kMaxRequestBytes = 64 * 1024;

struct Request {
  std::string command;
  model::Json args = model::Json::object();
};

struct Response {
  int result = kResultOk;
  std::string text;
  model::Json data = nullptr;
};

/// Decodes one request line. kInvalidInput names what is wrong (not JSON, no command, args not
/// an object). Never throws, whatever the bytes.
Result<Request> decode_request(std::string_view line);
std::string encode_request(const Request& request);
Result<Response> decode_response(std::string_view line);
std::string encode_response(const Response& response);

using Handler = std::function<Response(const Request&)>;

/// Serves the socket at `path`: removes a stale socket file, binds, sets `mode` (0660), listens.
class Server {
 public:
  struct Impl;
  /// Errors: kIo when the socket cannot be created or bound (message names the path).
  static Result<std::unique_ptr<Server>> listen(boost::asio::io_context& io,
                                                const std::string& path, unsigned mode);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Registers a command. Unknown commands answer kResultUnsupported.
  void add(const std::string& command, Handler handler);
  /// The registered command names (for the api/ documentation test).
  std::vector<std::string> commands() const;
  /// Stops accepting and closes the socket file.
  void close();

  explicit Server(std::unique_ptr<Impl> impl);

 private:
  std::shared_ptr<Impl> impl_;
};

/// One request over the socket at `path`, blocking up to `timeout`. Errors: kUnavailable (no
/// daemon listening: "cannot connect to <path>: ..."), kTimeout, kInvalidInput (malformed answer).
Result<Response> call(const std::string& path, const Request& request,
                      std::chrono::milliseconds timeout);

}  // namespace sov::control
