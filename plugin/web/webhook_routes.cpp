#include "plugin/web/webhook_routes.hpp"

#include <chrono>

namespace rightmoment {

WebhookRoutes::WebhookRoutes(std::vector<Endpoint> endpoints, EventSink& sink, std::shared_ptr<spdlog::logger> log)
    : endpoints_(std::move(endpoints)), sink_(sink), log_(std::move(log)) {}

HttpResponse WebhookRoutes::handle(const HttpRequest& request) {
  Endpoint* endpoint = nullptr;
  for (auto& e : endpoints_)
    if (e.path == request.path) endpoint = &e;
  if (!endpoint) return HttpResponse::text(404, "no webhook endpoint at this path\n");

  WebhookOutput out;
  EventTimeMs now = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  endpoint->adapter->on_request(WebhookRequest{request.method, request.target, request.headers, request.body, request.remote}, now, out);

  const std::string_view adapter = endpoint->adapter->name();
  for (const auto& r : out.out.rejections) {
    sink_.count_rejection(adapter, r.code);
    // Never the request's content in logs: it may carry what a customer said.
    log_->warn("[webhook={} code={}] refused a request from {}: {}", endpoint->name, r.code, request.remote, r.message.substr(0, 200));
  }
  for (const auto& reason : out.out.ignored_reasons) sink_.count_ignored(adapter, reason);
  HttpResponse res;
  res.status = out.status;
  res.content_type = std::move(out.content_type);
  res.body = std::move(out.body);
  res.headers = std::move(out.headers);
  for (auto& ev : out.out.events) {
    if (sink_.try_submit(std::move(ev))) continue;
    // The engine's inbox is full: a webhook cannot be paused as a socket can, so the sender is told
    // to retry later; the rest of this request is dropped.
    sink_.count_rejection(adapter, "overloaded");
    log_->warn("[webhook={}] the engine's inbox is full; answered 503", endpoint->name);
    res = HttpResponse::text(503, "busy: retry shortly\n");
    res.headers.emplace_back("Retry-After", "1");
    break;
  }
  return res;
}

}  // namespace rightmoment
