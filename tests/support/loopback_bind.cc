// SPDX-License-Identifier: Apache-2.0
// An LD_PRELOAD shim for the peer programs the tests start (ExternalServer): a bind() to the
// wildcard address becomes a bind() to loopback (127.0.0.1, ::1). Some peers have no option to
// choose their address (gnutls-serv listens on every address), and tests must never listen
// beyond loopback. Any other bind() is passed through unchanged.
#include <cstring>

#include <dlfcn.h>
#include <netinet/in.h>
#include <sys/socket.h>

extern "C" int bind(int fd, const struct sockaddr* addr, socklen_t len) {
  using BindFn = int (*)(int, const struct sockaddr*, socklen_t);
  static const auto next = reinterpret_cast<BindFn>(dlsym(RTLD_NEXT, "bind"));
  if (addr != nullptr && addr->sa_family == AF_INET && len >= sizeof(sockaddr_in)) {
    sockaddr_in in;
    std::memcpy(&in, addr, sizeof in);
    if (in.sin_addr.s_addr == htonl(INADDR_ANY)) {
      in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      return next(fd, reinterpret_cast<const sockaddr*>(&in), sizeof in);
    }
  } else if (addr != nullptr && addr->sa_family == AF_INET6 && len >= sizeof(sockaddr_in6)) {
    sockaddr_in6 in6;
    std::memcpy(&in6, addr, sizeof in6);
    if (std::memcmp(&in6.sin6_addr, &in6addr_any, sizeof in6addr_any) == 0) {
      in6.sin6_addr = in6addr_loopback;
      return next(fd, reinterpret_cast<const sockaddr*>(&in6), sizeof in6);
    }
  }
  return next(fd, addr, len);
}
