// Any bytes as what a browser page can send the pop-up (a WebSocket message, a query string), as a log
// message, and as another host's call summary on the prompt bus: answers or refusals, never a crash;
// an answer is forwarded only for a card the agent really has, and a summary that is accepted reads
// back the same once written. (/metrics is rendered from a typed snapshot, so no bytes reach it.)
#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "plugin/runtime/log_fields.hpp"
#include "plugin/web/http_server.hpp"
#include "plugin/web/interaction_summary.hpp"
#include "plugin/web/popup_hub.hpp"
#include "plugin/web/supervisor_hub.hpp"

namespace {
struct NullPage : rightmoment::WebSocketPeer {
  void send(std::string) override {}
  void close() override {}
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  int forwarded = 0;
  rightmoment::PopupHub* self = nullptr;
  rightmoment::PopupHub hub({}, [&](const std::string& json) -> std::optional<std::string> {
    auto j = nlohmann::json::parse(json);
    auto mine = self->active_prompt_ids("ruth");
    bool own = std::find(mine.begin(), mine.end(), j["prompt_id"].get<std::string>()) != mine.end();
    if (j["agent_id"] != "ruth" || !own) __builtin_trap();  // only Ruth's own cards, as Ruth
    ++forwarded;
    return std::nullopt;
  });
  self = &hub;
  hub.on_prompt(R"({"prompt_id":"p1","kind":"opportunity","interaction_id":"c1"})", "c1", "ruth");
  hub.on_prompt(R"({"prompt_id":"p2","kind":"opportunity","interaction_id":"c1"})", "c1", "omar");
  hub.on_prompt(input, "c1", "ruth");  // our own JSON in real life; must not crash on anything
  auto handlers = hub.attach("ruth", std::make_shared<NullPage>());
  if (handlers) {
    handlers->on_message(input);
    handlers->on_closed();
  }
  rightmoment::SupervisorOptions options;
  options.teams_of_supervisor = {{"sup", {"north"}}};
  rightmoment::SupervisorHub supervisor(options, "host-b", nullptr);
  auto page = supervisor.attach("sup", std::make_shared<NullPage>());
  supervisor.on_remote(input);
  if (auto j = nlohmann::json::parse(input, nullptr, false); !j.is_discarded()) {
    std::string why;
    if (auto s = rightmoment::summary_from_json(j, why)) {
      auto written = rightmoment::to_json(*s, true);
      auto again = rightmoment::summary_from_json(written, why);
      if (!again || rightmoment::to_json(*again, true) != written) __builtin_trap();
    }
  }
  (void)rightmoment::percent_decode(input);
  (void)rightmoment::json_log_line("info", "fuzz", input);
  return forwarded > 1 ? (__builtin_trap(), 0) : 0;
}
