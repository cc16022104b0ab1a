#include "tests/benchmarks/loadgen/server_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>
#include <thread>

#include "tests/benchmarks/loadgen/common.hpp"

namespace rightmoment::loadgen {
namespace {

// utime + stime (fields 14 and 15) of a /proc/.../stat text, in seconds.
double stat_cpu_seconds(const std::string& stat_path) {
  static const double tick = static_cast<double>(::sysconf(_SC_CLK_TCK));
  std::ifstream in(stat_path);
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto close = stat.rfind(')');  // the command name may hold spaces and parentheses
  if (close == std::string::npos || close + 2 > stat.size()) return 0;
  std::istringstream rest(stat.substr(close + 2));
  std::string field;
  double utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stod(field);
    if (i == 15) stime = std::stod(field);
  }
  return (utime + stime) / tick;
}

// Reads a pipe until EOF, calling fn for each complete line with the time its read returned.
void read_lines(int fd, const std::function<void(std::string_view, std::int64_t)>& fn) {
  std::string pending;
  std::vector<char> buf(1 << 16);
  for (;;) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    std::int64_t t = now_ns();
    pending.append(buf.data(), static_cast<std::size_t>(n));
    std::size_t start = 0;
    for (std::size_t nl; (nl = pending.find('\n', start)) != std::string::npos; start = nl + 1)
      fn(std::string_view(pending).substr(start, nl - start), t);
    pending.erase(0, start);
  }
  ::close(fd);
}

}  // namespace

struct ServerProcess::Impl {
  pid_t pid = -1;
  int exit_status = -1;
  std::string url, admin_url;
  std::thread out_reader, err_reader;
  std::atomic<std::uint64_t> warnings{0}, lines{0};

  std::mutex mutex;  // guards url and ready while starting
  std::condition_variable ready_cv;
  bool ready = false, err_closed = false;
  std::uint64_t count = 0, counts = 0;  // the last "events N" answer, and how many came
};

ServerProcess::ServerProcess() : impl_(std::make_unique<Impl>()) {}

ServerProcess::~ServerProcess() {
  if (impl_->pid > 0 && impl_->exit_status < 0) stop(10);
}

bool ServerProcess::start(const std::vector<std::string>& argv, const std::string& adapter, double timeout_s,
                          LineHandler on_line, std::string& error) {
  auto& d = *impl_;
  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) {
    error = std::string("pipe: ") + std::strerror(errno);
    return false;
  }
  // A roomier pipe, so that a burst of prompts does not stall the server's delivery thread on our
  // reader's wake-up (at most 1 MiB unless the system allows more; failure leaves the default).
  ::fcntl(out[1], F_SETPIPE_SZ, 1 << 20);
  std::vector<char*> args;
  std::vector<std::string> copy = argv;
  for (auto& a : copy) args.push_back(a.data());
  args.push_back(nullptr);
  std::cout.flush();
  std::cerr.flush();
  pid_t parent = ::getpid();
  d.pid = ::fork();
  if (d.pid < 0) {
    error = std::string("fork: ") + std::strerror(errno);
    return false;
  }
  if (d.pid == 0) {
    ::dup2(out[1], STDOUT_FILENO);
    ::dup2(err[1], STDERR_FILENO);
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);  // never outlive the load generator
    if (::getppid() != parent) ::_exit(127);
    ::execv(args[0], args.data());
    const char msg[] = "exec failed\n";
    (void)!::write(STDERR_FILENO, msg, sizeof msg - 1);
    ::_exit(127);
  }
  ::close(out[1]);
  ::close(err[1]);

  d.out_reader = std::thread([&d, fd = out[0], on_line = std::move(on_line)] {
    read_lines(fd, [&](std::string_view line, std::int64_t t) {
      d.lines.fetch_add(1, std::memory_order_relaxed);
      on_line(line, t);
    });
  });
  const std::string ready_prefix = "listening " + adapter + " ";
  d.err_reader = std::thread([&d, fd = err[0], ready_prefix] {
    read_lines(fd, [&](std::string_view line, std::int64_t) {
      {
        std::lock_guard lock(d.mutex);
        if (!d.ready && line.substr(0, ready_prefix.size()) == ready_prefix) {
          d.url = std::string(line.substr(ready_prefix.size()));
          d.ready = true;
          d.ready_cv.notify_all();
          return;
        }
        if (line.substr(0, 6) == "admin ") {
          d.admin_url = std::string(line.substr(6));
          return;
        }
        if (d.ready && line.substr(0, 7) == "events ") {
          d.count = std::stoull(std::string(line.substr(7)));
          ++d.counts;
          d.ready_cv.notify_all();
          return;
        }
      }
      auto has = [&line](std::string_view s) { return line.find(s) != std::string_view::npos; };
      bool warn = has("rightmoment warn: ") || has("rightmoment error: ") || has("exec failed") ||
                  (has("rightmoment-host: ") && !has("shutting down"));
      // A loopback listener without authentication is what the bench configures on purpose.
      if (!warn || has("without authentication")) return;
      if (d.warnings.fetch_add(1) < 5) std::cerr << "server: " << line << "\n";
    });
    std::lock_guard lock(d.mutex);
    d.err_closed = true;
    d.ready_cv.notify_all();
  });

  std::unique_lock lock(d.mutex);
  d.ready_cv.wait_for(lock, std::chrono::duration<double>(timeout_s), [&d] { return d.ready || d.err_closed; });
  if (d.ready) return true;
  error = argv[0] + (d.err_closed ? std::string(" exited before it listened (its messages are above)")
                                  : " printed no 'listening " + adapter + "' line within " + std::to_string(timeout_s) + " s");
  lock.unlock();
  stop(5);
  return false;
}

std::optional<std::uint64_t> ServerProcess::ask_count(int signal, double timeout_s) {
  auto& d = *impl_;
  std::unique_lock lock(d.mutex);
  const std::uint64_t before = d.counts;
  if (d.pid <= 0 || d.exit_status >= 0 || ::kill(d.pid, signal) != 0) return std::nullopt;
  if (!d.ready_cv.wait_for(lock, std::chrono::duration<double>(timeout_s), [&] { return d.counts != before || d.err_closed; }) ||
      d.counts == before)
    return std::nullopt;
  return d.count;
}

const std::string& ServerProcess::url() const { return impl_->url; }
std::string ServerProcess::admin_url() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->admin_url;
}
pid_t ServerProcess::pid() const { return impl_->pid; }
std::uint64_t ServerProcess::warnings() const { return impl_->warnings.load(); }
std::uint64_t ServerProcess::stdout_lines() const { return impl_->lines.load(); }

double ServerProcess::cpu_seconds() const { return stat_cpu_seconds("/proc/" + std::to_string(impl_->pid) + "/stat"); }

long ServerProcess::rss_kib() const {
  std::ifstream in("/proc/" + std::to_string(impl_->pid) + "/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return 0;
}

std::map<int, double> ServerProcess::threads_cpu_seconds() const {
  std::map<int, double> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/proc/" + std::to_string(impl_->pid) + "/task", ec))
    out[std::stoi(e.path().filename().string())] = stat_cpu_seconds((e.path() / "stat").string());
  return out;
}

std::map<int, std::string> ServerProcess::thread_names() const {
  std::map<int, std::string> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/proc/" + std::to_string(impl_->pid) + "/task", ec)) {
    std::ifstream in(e.path() / "comm");
    std::string name;
    std::getline(in, name);
    out[std::stoi(e.path().filename().string())] = name;
  }
  return out;
}

int ServerProcess::stop(double timeout_s) {
  auto& d = *impl_;
  if (d.pid <= 0) return -1;
  if (d.exit_status < 0) {
    ::kill(d.pid, SIGTERM);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
    int status = 0;
    for (;;) {
      pid_t r = ::waitpid(d.pid, &status, WNOHANG);
      if (r == d.pid) break;
      if (r < 0 && errno != EINTR) break;
      if (std::chrono::steady_clock::now() > deadline) {
        ::kill(d.pid, SIGKILL);
        ::waitpid(d.pid, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    d.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  }
  if (d.out_reader.joinable()) d.out_reader.join();
  if (d.err_reader.joinable()) d.err_reader.join();
  return d.exit_status;
}

}  // namespace rightmoment::loadgen
