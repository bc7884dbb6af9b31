// SPDX-License-Identifier: Apache-2.0
#pragma once
// sov::Error and sov::Result<T>: how failures of the outside world travel through sovereignd.
//
// No exception crosses a module API. A function that can fail because of its input or the
// outside world (a file, a server, a database) returns Result<T>. Result<T> has the interface of
// C++23 std::expected<T, Error> (has_value, operator bool, value, error, value_or), built on
// tl::expected so that moving to C++23 means changing the base class only. The class is
// [[nodiscard]], so an ignored result is a compile error under -Werror=unused-result.

#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include <tl/expected.hpp>

namespace sov {

enum class ErrorCode {
  kInvalidInput,  // malformed config, rule set, certificate, argument: exit 2
  kNotFound,      // a file, target, rule or row that should be there is not
  kIo,            // file system or socket failure
  kTimeout,       // a deadline expired
  kUnavailable,   // a server, token or database could not be reached or is busy
  kCorrupt,       // stored data fails an integrity check (hash chain, schema)
  kUnsupported,   // a newer schema, an algorithm this build cannot offer
  kInternal,      // a bug caught at a boundary
};

std::string_view error_code_name(ErrorCode code);

// An error: a code, a message that already names its subject (file:line:col, or target and
// endpoint), and an optional cause, printed as "outer: inner".
class Error {
 public:
  Error(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}
  Error(ErrorCode code, std::string message, Error cause)
      : code_(code),
        message_(std::move(message)),
        cause_(std::make_shared<const Error>(std::move(cause))) {}

  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  const Error* cause() const { return cause_.get(); }

  // The whole chain, "outer: inner: innermost".
  std::string to_string() const;

 private:
  ErrorCode code_;
  std::string message_;
  std::shared_ptr<const Error> cause_;
};

template <typename T>
class [[nodiscard]] Result : public tl::expected<T, Error> {
 public:
  using tl::expected<T, Error>::expected;
  // NOLINTNEXTLINE(google-explicit-constructor): a Result is built from an Error implicitly.
  Result(Error e) : tl::expected<T, Error>(tl::unexpected<Error>(std::move(e))) {}
};

inline tl::unexpected<Error> fail(ErrorCode code, std::string message) {
  return tl::unexpected<Error>(Error(code, std::move(message)));
}

}  // namespace sov
