// SPDX-License-Identifier: Apache-2.0
// daemon/net's HTTP client (net::async_http) as the S3 probe uses it: request headers, the body
// cap, https with certificate verification against a CA file, connect_to. Real servers on
// loopback: the HTTP test server and s3rver over TLS.
#include <chrono>
#include <string>

#include <boost/asio/io_context.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "daemon/net/net.h"
#include "tests/probes/s3/s3rver_fixture.h"
#include "tests/support/tls_server.h"

namespace sov::net {
namespace {

using sov::testing::HttpAnswer;
using sov::testing::LoopbackHttpServer;
using ::testing::HasSubstr;

Result<HttpResponse> fetch(HttpRequest req,
                           std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  boost::asio::io_context io;
  Result<HttpResponse> out = fail(ErrorCode::kInternal, "no answer");
  async_http(io, std::move(req), std::chrono::steady_clock::now() + timeout,
             [&](Result<HttpResponse> r) { out = std::move(r); });
  io.run();
  return out;
}

TEST(NetHttp, SendsHeadersAndReturnsThoseOfTheAnswer) {
  std::string seen;
  LoopbackHttpServer server(
      [&](const std::string& method, const std::string& path, const std::string&) {
        seen = method + " " + path;
        return HttpAnswer{200, "<ok/>", "application/xml"};
      });
  HttpRequest req;
  req.url = server.url("/bucket?location");
  req.headers.push_back({"x-amz-date", "20150830T123600Z"});
  auto r = fetch(req);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(seen, "GET /bucket?location");
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "<ok/>");
  bool has_length = false;
  for (const auto& h : r->headers) has_length |= h.name == "Content-Length" && h.value == "5";
  EXPECT_TRUE(has_length);
}

TEST(NetHttp, CapsTheBody) {
  LoopbackHttpServer server([](const std::string&, const std::string&, const std::string&) {
    return HttpAnswer{200, std::string(3 << 20, 'x'), "application/xml"};
  });
  HttpRequest req;
  req.url = server.url("/");
  req.max_body = 1 << 20;
  auto r = fetch(req);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidInput);
  EXPECT_EQ(r.error().message(), "answer larger than 1048576 bytes");
}

TEST(NetHttp, QueryWithoutPathAndOtherSchemes) {
  LoopbackHttpServer server([](const std::string&, const std::string& path, const std::string&) {
    return HttpAnswer{200, path, "text/plain"};
  });
  HttpRequest req;
  req.url = "http://127.0.0.1:" + std::to_string(server.port()) + "?x";
  auto r = fetch(req);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->body, "/?x");
  req.url = "ftp://127.0.0.1/";
  EXPECT_EQ(fetch(req).error().code(), ErrorCode::kUnsupported);
  req.url = "127.0.0.1/";
  EXPECT_EQ(fetch(req).error().code(), ErrorCode::kInvalidInput);
}

TEST(NetHttp, HttpsVerifiesTheServerAndHonoursConnectTo) {
  ASSERT_TRUE(sov::testing::S3rver::installed());
  sov::testing::S3rverOptions options;
  options.https = true;
  sov::testing::S3rver server(options);
  ASSERT_TRUE(server.started());
  HttpRequest req;
  req.url = server.endpoint() + "/bucket-one?location";
  req.ca_file = server.ca_file();
  auto ok = fetch(req);
  ASSERT_TRUE(ok) << ok.error().message();
  EXPECT_EQ(ok->status, 200);
  EXPECT_THAT(ok->body, HasSubstr("LocationConstraint"));

  // The name the certificate carries (localhost), reached through connect_to.
  req.url = "https://localhost:" + std::to_string(server.port()) + "/bucket-one?location";
  req.connect_to = HostPort{"127.0.0.1", server.port()};
  auto named = fetch(req);
  ASSERT_TRUE(named) << named.error().message();
  EXPECT_EQ(named->status, 200);

  // A name the certificate does not carry.
  req.url = "https://wrong.example:" + std::to_string(server.port()) + "/";
  auto wrong = fetch(req);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().message(), "certificate verify failed: hostname mismatch");

  req.url = server.endpoint() + "/";
  req.connect_to.reset();
  req.ca_file = "/nonexistent/ca.pem";
  auto unreadable = fetch(req);
  ASSERT_FALSE(unreadable);
  EXPECT_THAT(unreadable.error().message(), HasSubstr("cannot read ca_file /nonexistent/ca.pem"));
}

}  // namespace
}  // namespace sov::net
