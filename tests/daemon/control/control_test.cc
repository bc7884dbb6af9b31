// SPDX-License-Identifier: Apache-2.0
// The control protocol: decoding (hostile input included), a server and the blocking client on a
// real unix socket.
#include "daemon/control/control.h"

#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "tests/support/temp_dir.h"

namespace {

using namespace std::chrono_literals;
using sov::control::Request;
using sov::control::Response;
using ::testing::HasSubstr;

TEST(ControlProtocol, DecodesRequestsAndRejectsMalformedOnes) {
  auto r = sov::control::decode_request(R"({"command":"scan-now","args":{"target":"web"}})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->command, "scan-now");
  EXPECT_EQ(r->args["target"], "web");
  EXPECT_TRUE(sov::control::decode_request(R"({"command":"status"})"));
  for (const char* bad : {"", "{", "[]", R"({"args":{}})", R"({"command":""})",
                          R"({"command":"x","args":[1]})", "\xff\xfe"}) {
    auto e = sov::control::decode_request(bad);
    ASSERT_FALSE(e) << bad;
    EXPECT_EQ(e.error().code(), sov::ErrorCode::kInvalidInput);
  }
  auto resp = sov::control::decode_response(sov::control::encode_response({0, "ok", {{"a", 1}}}));
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->text, "ok");
  EXPECT_EQ(resp->data["a"], 1);
}

TEST(ControlServer, AnswersOverAUnixSocketWithMode0660) {
  sov::testing::TempDir dir;
  std::string path = dir.file("ctl.sock");
  boost::asio::io_context io;
  auto server = sov::control::Server::listen(io, path, 0660);
  ASSERT_TRUE(server) << server.error().to_string();
  (*server)->add("echo", [](const Request& r) {
    return Response{0, "echo " + r.args.value("x", std::string()), r.args};
  });
  (*server)->add("boom", [](const Request&) -> Response { throw std::runtime_error("bad"); });
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0660u);
  auto guard = boost::asio::make_work_guard(io);
  std::thread loop([&] { io.run(); });

  auto a = sov::control::call(path, {"echo", {{"x", "hi"}}}, 5s);
  ASSERT_TRUE(a) << a.error().to_string();
  EXPECT_EQ(a->result, 0);
  EXPECT_EQ(a->text, "echo hi");
  auto u = sov::control::call(path, {"nope", sov::model::Json::object()}, 5s);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->result, sov::control::kResultUnsupported);
  auto b = sov::control::call(path, {"boom", sov::model::Json::object()}, 5s);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->result, sov::control::kResultError);
  EXPECT_THAT(b->text, HasSubstr("bad"));

  boost::asio::post(io, [&] {
    (*server)->close();
    guard.reset();
  });
  loop.join();
  auto gone = sov::control::call(path, {"echo", sov::model::Json::object()}, 1s);
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code(), sov::ErrorCode::kUnavailable);
}

}  // namespace
