#pragma once
// The admin listener: /healthz (the process answers), /readyz (started, listeners bound, store
// reachable) and /metrics (Prometheus text). Meant for a private network or loopback.
#include <functional>

#include <nlohmann/json.hpp>

#include "plugin/web/http_server.hpp"

namespace rightmoment {

class AdminRoutes final : public HttpRoutes {
 public:
  // status() is PluginRuntime::status(): cheap, never waits for the store.
  explicit AdminRoutes(std::function<nlohmann::json()> status);
  HttpResponse handle(const HttpRequest& request) override;

  // Why the plugin is not ready, one reason a line; empty when it is.
  static std::vector<std::string> not_ready_reasons(const nlohmann::json& status);

 private:
  std::function<nlohmann::json()> status_;
};

}  // namespace rightmoment
