#pragma once
// An spdlog sink that hands each line to the host's log callback. It keeps no state and takes no
// lock (the host's callback is thread-safe by contract), so a host may call back into the plugin
// from its log callback without deadlocking on a sink mutex.
#include <functional>
#include <string>

#include <spdlog/details/null_mutex.h>
#include <spdlog/sinks/base_sink.h>

namespace rightmoment {

using HostLogFn = std::function<void(spdlog::level::level_enum, std::string_view)>;

class HostLogSink final : public spdlog::sinks::base_sink<spdlog::details::null_mutex> {
 public:
  HostLogSink(HostLogFn fn, bool json) : fn_(std::move(fn)), json_(json) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override;
  void flush_() override {}

 private:
  HostLogFn fn_;
  bool json_;
};

}  // namespace rightmoment
