#pragma once
// The webhook endpoint's routes: one path per configured endpoint, each served by its webhook
// adapter (plugin/core/webhook_adapter.hpp). A request's bytes go to the adapter as they came; its
// events go to the engine's inbox, its refusals and drops are counted. Nothing vendor-specific here.
#include <memory>
#include <string>
#include <vector>

#include <spdlog/logger.h>

#include "plugin/core/webhook_adapter.hpp"
#include "plugin/core/event_sink.hpp"
#include "plugin/web/http_server.hpp"

namespace rightmoment {

class WebhookRoutes final : public HttpRoutes {
 public:
  struct Endpoint {
    std::string name;
    std::string path;
    std::unique_ptr<WebhookAdapter> adapter;
  };

  // sink outlives the routes (the runtime stops the server before the engine).
  WebhookRoutes(std::vector<Endpoint> endpoints, EventSink& sink, std::shared_ptr<spdlog::logger> log);

  // The server's one thread calls this, one request at a time, so each adapter sees one at a time.
  HttpResponse handle(const HttpRequest& request) override;

 private:
  std::vector<Endpoint> endpoints_;
  EventSink& sink_;
  std::shared_ptr<spdlog::logger> log_;
};

}  // namespace rightmoment
