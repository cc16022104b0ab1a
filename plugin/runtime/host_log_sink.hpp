#pragma once
// An spdlog sink that formats each line for the host and queues it on the host log forwarder, which
// calls the host's log callback from its own thread with no plugin lock held (plugin.h's promise).
// It takes no lock itself.
#include <memory>
#include <string>

#include <spdlog/details/null_mutex.h>
#include <spdlog/sinks/base_sink.h>

#include "plugin/runtime/host_log_forwarder.hpp"

namespace rightmoment {

class HostLogSink final : public spdlog::sinks::base_sink<spdlog::details::null_mutex> {
 public:
  HostLogSink(std::shared_ptr<HostLogForwarder> forwarder, bool json) : forwarder_(std::move(forwarder)), json_(json) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override;
  void flush_() override {}

 private:
  std::shared_ptr<HostLogForwarder> forwarder_;
  bool json_;
};

}  // namespace rightmoment
