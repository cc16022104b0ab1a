#pragma once
// Shared by the load generator's parts: the clock that stamps every event, the event-id format that
// carries the send time, and exact latency samples.
#include <pthread.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace rightmoment::loadgen {

// Nanoseconds on the steady clock: the one clock used for send and receive times (one process).
inline std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Resident memory of this process (VmRSS).
inline long rss_kib() {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return 0;
}

// "1.02 0.98 0.77": the machine's load over 1, 5 and 15 minutes.
inline std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

// CPU seconds a thread has used (its own clock).
inline double thread_cpu_seconds(pthread_t thread) {
  clockid_t id;
  if (pthread_getcpuclockid(thread, &id) != 0) return 0;
  timespec ts{};
  if (clock_gettime(id, &ts) != 0) return 0;
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// Event ids end in "t<send time in ns>", so whoever receives the event (the bare sink) or a prompt
// naming it as its trigger (the plugin's host callback) knows when it was sent, without a lookup.
inline std::int64_t send_time_of_event_id(std::string_view id) {
  auto t = id.rfind('t');
  if (t == std::string_view::npos || t + 1 >= id.size()) return -1;
  std::int64_t v = 0;
  for (std::size_t i = t + 1; i < id.size(); ++i) {
    char c = id[i];
    if (c < '0' || c > '9') return -1;
    v = v * 10 + (c - '0');
  }
  return v;
}

// Event ids of the events that raise a prompt in the default catalogue (agent.joined and the six
// marked lines) end in "pt<send time>": the bare sink process echoes those, and only those, on its
// standard output, so that its outside-view figures come the same way as the host's prompts.
inline bool event_id_raises_prompt(std::string_view id) {
  auto t = id.rfind('t');
  return t != std::string_view::npos && t > 0 && id[t - 1] == 'p';
}

// The string value of "key":"..." in a JSON text, found without parsing (ids carry no escapes).
inline std::string_view json_string_field(std::string_view json, std::string_view quoted_key_colon_quote) {
  auto p = json.find(quoted_key_colon_quote);
  if (p == std::string_view::npos) return {};
  p += quoted_key_colon_quote.size();
  auto e = json.find('"', p);
  if (e == std::string_view::npos) return {};
  return json.substr(p, e - p);
}

// Every latency in microseconds (exact percentiles, no buckets), recorded only for events sent inside
// the measurement window [from_ns, to_ns).
class LatencySamples {
 public:
  void reserve(std::size_t n) { us_.reserve(n); }
  void set_window(std::int64_t from_ns, std::int64_t to_ns) {
    from_ns_.store(from_ns);
    to_ns_.store(to_ns);
  }
  void record(std::int64_t sent_ns, std::int64_t received_ns) {
    if (sent_ns < from_ns_.load(std::memory_order_relaxed) || sent_ns >= to_ns_.load(std::memory_order_relaxed)) return;
    std::int64_t us = (received_ns - sent_ns + 500) / 1000;
    std::lock_guard lock(mutex_);
    us_.push_back(static_cast<std::uint32_t>(std::clamp<std::int64_t>(us, 0, UINT32_MAX)));
  }
  struct Summary {
    std::size_t count = 0;
    double p50 = 0, p99 = 0, p999 = 0, max = 0, mean = 0;
  };
  Summary summary() const {
    std::vector<std::uint32_t> v;
    {
      std::lock_guard lock(mutex_);
      v = us_;
    }
    Summary s;
    s.count = v.size();
    if (v.empty()) return s;
    std::sort(v.begin(), v.end());
    auto q = [&](double p) { return static_cast<double>(v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1))]); };
    s.p50 = q(0.5);
    s.p99 = q(0.99);
    s.p999 = q(0.999);
    s.max = v.back();
    double sum = 0;
    for (auto x : v) sum += x;
    s.mean = sum / static_cast<double>(v.size());
    return s;
  }

 private:
  std::atomic<std::int64_t> from_ns_{INT64_MAX}, to_ns_{INT64_MAX};
  mutable std::mutex mutex_;
  std::vector<std::uint32_t> us_;
};

}  // namespace rightmoment::loadgen
