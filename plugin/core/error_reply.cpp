#include "plugin/core/error_reply.hpp"

#include <nlohmann/json.hpp>

namespace rightmoment {
namespace {

nlohmann::json reply(std::string_view code, std::string_view message) {
  return {{"type", "error"}, {"code", code}, {"message", message}};
}

// Invalid UTF-8 in a message (it may quote the peer's bytes) is replaced, never thrown on.
std::string dump(const nlohmann::json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

}  // namespace

std::string error_reply(const EventRejection& rejection) {
  nlohmann::json j = reply(rejection.code, rejection.message);
  j["event_id"] = rejection.event_id ? nlohmann::json(*rejection.event_id) : nlohmann::json(nullptr);
  return dump(j);
}

std::string error_reply(std::string_view code, std::string_view message, std::string_view prompt_id) {
  nlohmann::json j = reply(code, message);
  if (!prompt_id.empty()) j["prompt_id"] = prompt_id;
  return dump(j);
}

}  // namespace rightmoment
