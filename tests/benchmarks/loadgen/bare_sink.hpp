#pragma once
// The ceiling: a bare Beast WebSocket server on one I/O thread (as the plugin's listener has by
// default) that reads every message and discards it. It records when each event arrived (its
// event_id carries the send time) and answers control.sync at once, so the same client code drives
// it and the plugin. Run as a process of its own for the outside view (`rightmoment-loadgen
// --serve-sink`), it also echoes each event that would raise a prompt, one line on standard output,
// as the reference host prints its prompts.
#include <cstdint>
#include <memory>
#include <string>

#include "tests/benchmarks/loadgen/common.hpp"

namespace rightmoment::loadgen {

class BareSink {
 public:
  explicit BareSink(LatencySamples& samples, bool echo_prompt_triggers = false);
  ~BareSink();
  BareSink(const BareSink&) = delete;
  BareSink& operator=(const BareSink&) = delete;

  // Listens on 127.0.0.1 (a free port); false with a message on failure.
  bool start(std::string& error);
  unsigned short port() const;
  std::uint64_t events_received() const;
  double thread_cpu_s() const;
  int thread_id() const;  // the I/O thread's kernel id
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rightmoment::loadgen
