#include "autoscale/request_deadline.h"

#include <gtest/gtest.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>

namespace occam {
namespace {

using namespace std::chrono_literals;

// A listening socket on 127.0.0.1, a client connected to it, and the
// accepted end — all in this process, as in occam serve.
class Sockets {
 public:
  Sockets() {
    listener_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    listen(listener_, 8);
    socklen_t len = sizeof addr;
    getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  ~Sockets() {
    for (int fd : fds_) close(fd);
    close(listener_);
  }
  // Connects a client; `*client_port` is its port, as serve sees the peer.
  int Connect(int* client_port) {
    int client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port_));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(0, connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof addr));
    int accepted = accept(listener_, nullptr, nullptr);
    fds_.push_back(client);
    fds_.push_back(accepted);
    socklen_t len = sizeof addr;
    getsockname(client, reinterpret_cast<sockaddr*>(&addr), &len);
    *client_port = ntohs(addr.sin_port);
    return client;
  }
  int port() const { return port_; }

 private:
  int listener_ = -1;
  int port_ = 0;
  std::vector<int> fds_;
};

bool Closed(int client) {
  char byte;
  return recv(client, &byte, 1, MSG_DONTWAIT) == 0;
}

TEST(RequestDeadline, CutsAConnectionWhoseRequestTakesTooLong) {
  Sockets sockets;
  int client_port;
  int client = sockets.Connect(&client_port);
  RequestDeadline deadline(sockets.port(), 200ms);
  auto t0 = RequestDeadline::Clock::now();
  EXPECT_EQ(0, deadline.Sweep(t0));
  EXPECT_EQ(0, deadline.Sweep(t0 + 150ms));
  EXPECT_FALSE(Closed(client));
  // Only the accepted end: not the listener, not the client's own socket.
  EXPECT_EQ(1, deadline.Sweep(t0 + 250ms));
  EXPECT_TRUE(Closed(client));
  EXPECT_EQ(0, deadline.Sweep(t0 + 500ms)) << "counted twice";
}

TEST(RequestDeadline, AnAnswerRestartsTheClock) {
  Sockets sockets;
  int client_port;
  int client = sockets.Connect(&client_port);
  RequestDeadline deadline(sockets.port(), 200ms);
  auto t0 = RequestDeadline::Clock::now();
  EXPECT_EQ(0, deadline.Sweep(t0));
  usleep(100'000);
  deadline.ResponseDone("127.0.0.1", client_port);
  auto answered = RequestDeadline::Clock::now();
  EXPECT_EQ(0, deadline.Sweep(answered + 150ms));
  EXPECT_FALSE(Closed(client));
  // Another peer's answer does not help this one.
  deadline.ResponseDone("127.0.0.1", client_port + 1);
  EXPECT_EQ(1, deadline.Sweep(answered + 250ms));
  EXPECT_TRUE(Closed(client));
}

TEST(RequestDeadline, OtherPortsAreLeftAlone) {
  Sockets watched, other;
  int client_port;
  int client = other.Connect(&client_port);
  RequestDeadline deadline(watched.port(), 1ms);
  auto t0 = RequestDeadline::Clock::now();
  EXPECT_EQ(0, deadline.Sweep(t0));
  EXPECT_EQ(0, deadline.Sweep(t0 + 1s));
  EXPECT_FALSE(Closed(client));
}

TEST(RequestDeadline, TheWatcherCutsOnItsOwn) {
  Sockets sockets;
  int client_port;
  int client = sockets.Connect(&client_port);
  RequestDeadline deadline(sockets.port(), 100ms);
  deadline.StartWatching();
  bool closed = false;
  for (int i = 0; i < 40 && !closed; ++i) {
    usleep(50'000);
    closed = Closed(client);
  }
  EXPECT_TRUE(closed);
}

// Whether this process holds a POSIX write lock on the file `probe` (a
// descriptor of its own) names: an open file description lock conflicts
// with a POSIX lock even in the process that holds it, so F_OFD_GETLK sees
// it without a fork (which ThreadSanitizer dislikes). The probe stays open
// until the end: closing it would release the lock it looks for.
bool LockedByParent(int probe) {
  struct flock query {};
  query.l_type = F_WRLCK;
  query.l_whence = SEEK_SET;
  return fcntl(probe, F_OFD_GETLK, &query) == 0 && query.l_type != F_UNLCK;
}

// The first watchdog duplicated every descriptor to look at it and closed
// the duplicate, which released the process's POSIX locks on the file
// behind it: SQLite's locks on the state, while an occam apply wrote it.
// The state was corrupted ("database disk image is malformed").
TEST(RequestDeadline, LooksAtDescriptorsWithoutReleasingFileLocks) {
  char path[] = "/tmp/occam-lock-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  struct flock lock {};
  lock.l_type = F_WRLCK;
  lock.l_whence = SEEK_SET;
  ASSERT_EQ(0, fcntl(fd, F_SETLK, &lock));
  int probe = open(path, O_RDWR | O_CLOEXEC);
  ASSERT_GE(probe, 0);
  ASSERT_TRUE(LockedByParent(probe));
  Sockets sockets;
  int client_port;
  sockets.Connect(&client_port);
  RequestDeadline deadline(sockets.port(), 1ms);
  auto t0 = RequestDeadline::Clock::now();
  deadline.Sweep(t0);
  EXPECT_EQ(1, deadline.Sweep(t0 + 1s));
  EXPECT_TRUE(LockedByParent(probe)) << "the watchdog released a file lock";
  close(probe);
  close(fd);
  std::remove(path);
}

}  // namespace
}  // namespace occam
