#pragma once
// The pop-up's HTTP surface: /agent (the page, for a signed link), /assets/* (its script and style,
// compiled in), /agent/ws (the WebSocket: the same signed link, and an Origin check); and, with a
// supervisor hub, /supervisor and /supervisor/ws behind links signed for the role "supervisor".
#include <memory>
#include <string>

#include "plugin/web/agent_link.hpp"
#include "plugin/web/http_server.hpp"
#include "plugin/web/popup_hub.hpp"
#include "plugin/web/supervisor_hub.hpp"
#include "plugin/web/web_config.hpp"

namespace rightmoment {

class PopupRoutes final : public HttpRoutes {
 public:
  PopupRoutes(PopupConfig config, std::shared_ptr<const AgentLinkSigner> signer, std::shared_ptr<PopupHub> hub,
              std::shared_ptr<spdlog::logger> log);

  HttpResponse handle(const HttpRequest& request) override;
  WebSocketDecision upgrade(const HttpRequest& request) override;
  void set_supervisor_hub(std::shared_ptr<SupervisorHub> hub) { supervisors_ = std::move(hub); }

 private:
  // The agent id of a valid link in the request's query, or the reason it is refused.
  // role "" is an agent's link (?agent=), "supervisor" a supervisor's (?supervisor=).
  std::optional<std::string> check_link(const HttpRequest& request, std::string& why, const std::string& role = {}) const;
  bool origin_allowed(const HttpRequest& request) const;

  PopupConfig config_;
  std::shared_ptr<const AgentLinkSigner> signer_;
  std::shared_ptr<PopupHub> hub_;
  std::shared_ptr<SupervisorHub> supervisors_;
  std::shared_ptr<spdlog::logger> log_;
};

// The embedded file of that name under plugin/web/assets/ (generated source); empty when none.
std::string_view popup_asset(std::string_view name);

}  // namespace rightmoment
