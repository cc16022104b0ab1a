#include "plugin/runtime/host_log_sink.hpp"

#include "plugin/runtime/log_fields.hpp"

namespace rightmoment {

void HostLogSink::sink_it_(const spdlog::details::log_msg& msg) {
  std::string_view payload(msg.payload.data(), msg.payload.size());
  std::string_view name(msg.logger_name.data(), msg.logger_name.size());
  std::string line;
  if (json_) {
    auto level = spdlog::level::to_string_view(msg.level);
    line = json_log_line(std::string_view(level.data(), level.size()), name, payload);
  } else {
    line.reserve(name.size() + payload.size() + 2);
    line.append(name).append(": ").append(payload);
  }
  forwarder_->post(msg.level, std::move(line));
}

}  // namespace rightmoment
