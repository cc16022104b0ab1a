#pragma once
// A real PostgreSQL server for tests: initdb into a temporary folder, started on a free loopback port
// with pg_ctl, stopped (and removable) at the end. PostgreSQL refuses to run as root, so when the
// tests run as root (CI) the server runs as the `postgres` system user.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace rightmoment::testing {

class PostgresServer {
 public:
  // Empty when no PostgreSQL binaries are installed.
  static std::string find_bin() {
    for (int v = 17; v >= 12; --v) {
      std::string dir = "/usr/lib/postgresql/" + std::to_string(v) + "/bin";
      if (std::filesystem::exists(dir + "/pg_ctl")) return dir;
    }
    return "";
  }

  PostgresServer() {
    bin_ = find_bin();
    if (bin_.empty()) return;
    char tmpl[] = "/tmp/rm_pg_XXXXXX";
    dir_ = mkdtemp(tmpl);
    port_ = free_port();
    if (::geteuid() == 0) {
      as_user_ = "runuser -u postgres -- ";
      run("chown postgres " + dir_);
    }
    ok_ = run(as_user_ + bin_ + "/initdb -D " + dir_ + "/data -A trust -U rm --no-sync > " + dir_ + "/initdb.log 2>&1") &&
          start();
  }
  ~PostgresServer() {
    if (!bin_.empty()) {
      stop();
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
    }
  }

  bool ok() const { return ok_; }
  std::string url() const { return "postgresql://rm@127.0.0.1:" + std::to_string(port_) + "/postgres?connect_timeout=5"; }
  bool start() {
    return run(as_user_ + bin_ + "/pg_ctl -D " + dir_ + "/data -l " + dir_ + "/server.log -w -t 60 -o \"-p " +
               std::to_string(port_) + " -k " + dir_ + " -c listen_addresses=127.0.0.1 -c fsync=off\" start > /dev/null 2>&1");
  }
  bool stop() { return run(as_user_ + bin_ + "/pg_ctl -D " + dir_ + "/data -m fast -w stop > /dev/null 2>&1"); }

 private:
  static bool run(const std::string& cmd) { return std::system(cmd.c_str()) == 0; }
  static int free_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    int port = ntohs(addr.sin_port);
    ::close(fd);
    return port;
  }

  std::string bin_, dir_, as_user_;
  int port_ = 0;
  bool ok_ = false;
};

}  // namespace rightmoment::testing
