#pragma once
// Every log line of the plugin passes through here before any other sink: personal data echoed from
// input is masked (plugin/core/pii_masking.hpp), whichever sink the operator configured.
#include <memory>
#include <vector>

#include <spdlog/details/null_mutex.h>
#include <spdlog/sinks/base_sink.h>

#include "plugin/core/pii_masking.hpp"

namespace rightmoment {

class MaskingSink final : public spdlog::sinks::base_sink<spdlog::details::null_mutex> {
 public:
  explicit MaskingSink(std::vector<spdlog::sink_ptr> inner) : inner_(std::move(inner)) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    std::string masked = mask_pii(std::string_view(msg.payload.data(), msg.payload.size()));
    spdlog::details::log_msg copy(msg.time, msg.source, msg.logger_name, msg.level, masked);
    copy.thread_id = msg.thread_id;
    for (auto& s : inner_)
      if (s->should_log(copy.level)) s->log(copy);
  }
  void flush_() override {
    for (auto& s : inner_) s->flush();
  }

 private:
  std::vector<spdlog::sink_ptr> inner_;  // each inner sink locks for itself
};

}  // namespace rightmoment
