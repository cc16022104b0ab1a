#pragma once
// Structured log lines: a message may start with fields in brackets, "[interaction_id=c-1 adapter=generic]
// text". Text sinks print it as it is; the JSON line format (log.format "json") turns each field into
// its own key, so log shippers can filter by interaction or adapter.
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include <spdlog/formatter.h>

namespace rightmoment {

struct LogFields {
  std::map<std::string, std::string> fields;
  std::string_view text;  // the message after the fields
};

LogFields split_log_fields(std::string_view message);

// One JSON object a line: ts (RFC 3339, UTC), level, logger, msg, and the message's fields.
class JsonLogFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override;
  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<JsonLogFormatter>(); }
};

// The same object without ts (the host's callback adds its own time), as a string.
std::string json_log_line(std::string_view level, std::string_view logger, std::string_view message);

}  // namespace rightmoment
