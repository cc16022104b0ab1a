#pragma once
// The admin listener: /healthz (the process answers), /readyz (started, listeners bound, store
// reachable), /metrics (Prometheus text) and /status (JSON). Meant for a private network or loopback.
// What the pages say comes from the plugin (plugin/runtime renders its status snapshot); this is the
// HTTP around it.
#include <functional>
#include <string>
#include <vector>

#include "plugin/web/http_server.hpp"

namespace rightmoment {

class AdminRoutes final : public HttpRoutes {
 public:
  // Each is called afresh for every request, on a web thread: cheap, never waits for the store.
  struct Pages {
    std::function<std::vector<std::string>()> not_ready_reasons;  // /readyz: one reason a line; empty when ready
    std::function<std::string()> metrics;                          // /metrics: Prometheus text 0.0.4
    std::function<std::string()> status;                           // /status: the status JSON
  };
  explicit AdminRoutes(Pages pages);
  HttpResponse handle(const HttpRequest& request) override;

 private:
  Pages pages_;
};

}  // namespace rightmoment
