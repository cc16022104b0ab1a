#include "plugin/runtime/log_fields.hpp"

#include <chrono>
#include <ctime>

#include <nlohmann/json.hpp>

namespace rightmoment {

LogFields split_log_fields(std::string_view message) {
  LogFields out;
  out.text = message;
  if (message.empty() || message[0] != '[') return out;
  auto close = message.find(']');
  if (close == std::string_view::npos) return out;
  std::string_view inside = message.substr(1, close - 1);
  std::map<std::string, std::string> fields;
  while (!inside.empty()) {
    auto space = inside.find(' ');
    std::string_view pair = inside.substr(0, space);
    auto eq = pair.find('=');
    if (eq == std::string_view::npos || eq == 0) return out;  // not a field list: leave the message alone
    fields.emplace(std::string(pair.substr(0, eq)), std::string(pair.substr(eq + 1)));
    if (space == std::string_view::npos) break;
    inside.remove_prefix(space + 1);
  }
  out.fields = std::move(fields);
  out.text = message.substr(close + 1);
  while (!out.text.empty() && out.text.front() == ' ') out.text.remove_prefix(1);
  return out;
}

namespace {
nlohmann::ordered_json object_for(std::string_view level, std::string_view logger, std::string_view message) {
  LogFields f = split_log_fields(message);
  nlohmann::ordered_json j{{"level", level}, {"logger", logger}, {"msg", f.text}};
  for (auto& [k, v] : f.fields)
    if (k != "level" && k != "logger" && k != "msg" && k != "ts") j[k] = v;
  return j;
}
}  // namespace

std::string json_log_line(std::string_view level, std::string_view logger, std::string_view message) {
  return object_for(level, logger, message).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void JsonLogFormatter::format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) {
  auto level = spdlog::level::to_string_view(msg.level);
  nlohmann::ordered_json j = object_for(std::string_view(level.data(), level.size()),
                                std::string_view(msg.logger_name.data(), msg.logger_name.size()),
                                std::string_view(msg.payload.data(), msg.payload.size()));
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(msg.time.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char ts[96];
  std::snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  nlohmann::ordered_json line{{"ts", ts}};
  for (auto& [k, v] : j.items()) line[k] = v;
  std::string s = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  dest.append(s.data(), s.data() + s.size());
  dest.push_back('\n');
}

}  // namespace rightmoment
