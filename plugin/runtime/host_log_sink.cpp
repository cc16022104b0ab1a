#include "plugin/runtime/host_log_sink.hpp"

#include "plugin/runtime/log_fields.hpp"

namespace rightmoment {

void HostLogSink::sink_it_(const spdlog::details::log_msg& msg) {
  if (!fn_) return;
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
  try {
    fn_(msg.level, line);
  } catch (...) {
    // The host's callback must not throw into us; if it does, the line is lost, nothing else.
  }
}

}  // namespace rightmoment
