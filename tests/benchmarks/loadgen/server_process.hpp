#pragma once
// A server the outside view drives as its own process (the reference host, or the bare sink run as
// `rightmoment-loadgen --serve-sink`): started with its standard output and error on pipes, ready
// once it prints "listening ADAPTER URL" on standard error, its standard output read line by line on
// a thread of ours with the time each read returned, and its CPU and memory read from /proc/<pid>.
#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rightmoment::loadgen {

class ServerProcess {
 public:
  // Called on the reader thread for each complete line of the server's standard output; read_ns is
  // when the read() that brought the line's end returned (now_ns's clock, common to all processes).
  using LineHandler = std::function<void(std::string_view line, std::int64_t read_ns)>;

  ServerProcess();
  ~ServerProcess();  // stops the server if it still runs
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Starts argv[0] with those arguments and waits up to timeout_s for a standard-error line
  // "listening <adapter> <url>"; false with a message when it exits first or the time is up.
  bool start(const std::vector<std::string>& argv, const std::string& adapter, double timeout_s, LineHandler on_line,
             std::string& error);
  const std::string& url() const;  // the URL of the "listening" line, e.g. ws://127.0.0.1:41873/events
  std::string admin_url() const;   // of an "admin URL" line it printed (empty: none yet)
  pid_t pid() const;

  // CPU seconds (user + system, every thread) the process has used: /proc/<pid>/stat.
  double cpu_seconds() const;
  // Its resident memory (VmRSS), KiB.
  long rss_kib() const;
  // CPU seconds of each of its threads, by kernel thread id, and their names (comm).
  std::map<int, double> threads_cpu_seconds() const;
  std::map<int, std::string> thread_names() const;

  // Sends `signal` and waits up to timeout_s for a standard-error line "events N" (the sink's answer
  // to SIGUSR1); N, or nothing.
  std::optional<std::uint64_t> ask_count(int signal, double timeout_s);

  // Log lines at warn or error the server printed (the first few are copied to our standard error).
  std::uint64_t warnings() const;
  std::uint64_t stdout_lines() const;

  // SIGTERM, then waits up to timeout_s for it to exit (SIGKILL after that); returns its exit status
  // (128 + signal when killed), and joins the reader threads once its pipes are closed.
  int stop(double timeout_s);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rightmoment::loadgen
