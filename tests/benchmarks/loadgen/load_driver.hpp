#pragma once
// The client side of the load: N interactions spread over C WebSocket connections, all on one Asio
// thread, each interaction a scripted call (started, agent joined, utterances, a hold, ended) that
// starts over with a new interaction id when it ends. Beast stays inside load_driver.cpp.
#include <cstdint>
#include <memory>
#include <string>

namespace rightmoment::loadgen {

struct DriverOptions {
  std::string host = "127.0.0.1";
  std::string port;
  std::string target = "/events";
  std::size_t interactions = 100;
  std::size_t connections = 0;           // 0: one connection per interaction
  double rate = 2.0;                     // events per second per interaction; 0: as fast as possible
  std::size_t utterances_per_call = 20;  // a call is these utterances plus started, joined, hold, unhold, ended
  std::uint64_t customers = 0;           // callers are customers 1..N of the synthetic store; 0: unknown callers
  double ramp_s = 0;                     // rate mode: first calls start evenly over this long (calls arrive
                                         // spread out, not all in the same phase of their script)
  std::uint64_t seed = 7;
  // Connection churn (the soak): this many connections a second, chosen at random, drop in mid-call
  // (the socket just closes), reconnect and resend the last `resend_last` events of each of their
  // interactions, as a platform does after a network blip, then go on.
  double churn_per_s = 0;
  std::size_t resend_last = 8;
};

struct DriverCounters {
  std::uint64_t events_sent = 0;
  std::uint64_t calls_started = 0;
  std::uint64_t error_replies = 0;
  std::uint64_t connection_errors = 0;
  std::uint64_t reconnects = 0;    // churn: connections dropped and open again
  std::uint64_t events_resent = 0;
  std::string first_error;
  double thread_cpu_s = 0;  // CPU time of the driver's own thread
  int thread_id = 0;        // its kernel thread id (for per-thread CPU figures)
};

class LoadDriver {
 public:
  explicit LoadDriver(DriverOptions options);
  ~LoadDriver();
  LoadDriver(const LoadDriver&) = delete;
  LoadDriver& operator=(const LoadDriver&) = delete;

  // Opens every connection (WebSocket handshake included); false with a message on failure.
  bool connect(double timeout_s, std::string& error);
  // Starts every interaction's first call (spread over one period in rate mode).
  void start();
  // Stops generating, ends every open call, sends control.sync on every connection and waits for
  // every control.synced (all events processed, all prompts delivered); then closes the connections.
  bool stop_and_sync(double timeout_s, std::string& error);
  DriverCounters counters() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rightmoment::loadgen
