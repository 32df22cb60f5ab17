#include "autoscale/request_deadline.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <set>
#include <vector>

namespace occam {
namespace {

constexpr auto kSweepInterval = std::chrono::milliseconds(250);

// An accepted connection on `port`, as `fd` shows it.
struct Connection {
  ino_t inode = 0;
  std::string peer;  // "ip:port", as httplib's remote_addr and remote_port
};

// The numbers of the process's open descriptors.
std::vector<int> OpenDescriptors() {
  std::vector<int> fds;
  std::error_code ec;
  for (const auto& entry :
       std::filesystem::directory_iterator("/proc/self/fd", ec)) {
    const std::string name = entry.path().filename().string();
    if (!name.empty() && name.find_first_not_of("0123456789") == std::string::npos) {
      fds.push_back(std::stoi(name));
    }
  }
  return fds;
}

int PortOf(const sockaddr_storage& a) {
  if (a.ss_family == AF_INET) {
    return ntohs(reinterpret_cast<const sockaddr_in&>(a).sin_port);
  }
  if (a.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6&>(a).sin6_port);
  }
  return -1;
}

std::string IpOf(const sockaddr_storage& a) {
  char text[INET6_ADDRSTRLEN] = {};
  if (a.ss_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in&>(a).sin_addr, text,
              sizeof text);
  } else if (a.ss_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6&>(a).sin6_addr,
              text, sizeof text);
  }
  return text;
}

// Whether `fd` is a connection accepted on `port` (not the listener, not a
// connection occam opened elsewhere).
bool AcceptedOn(int fd, int port, Connection* out) {
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode)) return false;
  int listening = 0;
  socklen_t len = sizeof listening;
  if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 ||
      listening) {
    return false;
  }
  sockaddr_storage local{}, peer{};
  socklen_t local_len = sizeof local, peer_len = sizeof peer;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) != 0 ||
      PortOf(local) != port ||
      getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_len) != 0) {
    return false;
  }
  out->inode = st.st_ino;
  out->peer = IpOf(peer) + ":" + std::to_string(PortOf(peer));
  return true;
}

}  // namespace

void WidenListenBacklog(int port, int backlog) {
  for (int fd : OpenDescriptors()) {
    struct stat st;
    int listening = 0;
    socklen_t len = sizeof listening;
    sockaddr_storage local{};
    socklen_t local_len = sizeof local;
    if (fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode) &&
        getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) == 0 && listening &&
        getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) == 0 &&
        PortOf(local) == port) {
      listen(fd, backlog);
    }
  }
}

RequestDeadline::RequestDeadline(int port, std::chrono::milliseconds limit)
    : port_(port), limit_(limit) {}

RequestDeadline::~RequestDeadline() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (watcher_.joinable()) watcher_.join();
}

void RequestDeadline::StartWatching() {
  watcher_ = std::thread([this] { Watch(); });
}

void RequestDeadline::ResponseDone(const std::string& ip, int port) {
  std::lock_guard<std::mutex> lock(mu_);
  answered_[ip + ":" + std::to_string(port)] = Clock::now();
}

bool RequestDeadline::ShutDown(const std::string& ip, int port) {
  const std::string peer = ip + ":" + std::to_string(port);
  for (int fd : OpenDescriptors()) {
    Connection c;
    if (AcceptedOn(fd, port_, &c) && c.peer == peer) return shutdown(fd, SHUT_RDWR) == 0;
  }
  return false;
}

int RequestDeadline::Sweep(Clock::time_point now) {
  int cut = 0;
  std::set<ino_t> seen_sockets;
  std::set<std::string> seen_peers;
  for (int fd : OpenDescriptors()) {
    // Never a duplicate: closing one would release the process's POSIX
    // locks on the file behind it -- SQLite's on the state -- so every
    // check is made on the descriptor itself, and only asks.
    Connection c;
    if (!AcceptedOn(fd, port_, &c)) continue;
    std::lock_guard<std::mutex> lock(mu_);
    seen_sockets.insert(c.inode);
    seen_peers.insert(c.peer);
    Clock::time_point began = accepted_.emplace(c.inode, now).first->second;
    auto answered = answered_.find(c.peer);
    if (answered != answered_.end() && answered->second > began) {
      began = answered->second;
    }
    if (now - began <= limit_) continue;
    // Still that connection (its descriptor may have been closed and
    // reused since): then it is shut down; its thread closes it.
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode) && st.st_ino == c.inode &&
        shutdown(fd, SHUT_RDWR) == 0) {
      ++cut;
      accepted_[c.inode] = Clock::time_point::max();  // counted once
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  std::erase_if(accepted_, [&](const auto& e) { return !seen_sockets.count(e.first); });
  std::erase_if(answered_, [&](const auto& e) { return !seen_peers.count(e.first); });
  return cut;
}

void RequestDeadline::Watch() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    lock.unlock();
    Sweep(Clock::now());
    lock.lock();
    wake_.wait_for(lock, kSweepInterval, [this] { return stop_; });
  }
}

}  // namespace occam
