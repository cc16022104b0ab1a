#include "plugin/web/admin_routes.hpp"

#include "plugin/web/prometheus.hpp"

namespace rightmoment {

AdminRoutes::AdminRoutes(std::function<nlohmann::json()> status) : status_(std::move(status)) {}

std::vector<std::string> AdminRoutes::not_ready_reasons(const nlohmann::json& status) {
  std::vector<std::string> why;
  if (status.value("state", "") != "started") why.push_back("the plugin is not started");
  const auto& metrics = status.contains("metrics") ? status["metrics"] : nlohmann::json::object();
  if (metrics.is_object() && metrics.contains("store_reachable") && !metrics["store_reachable"].get<bool>())
    why.push_back("the history store is not reachable");
  if (status.contains("listeners_configured") && status.contains("listeners") &&
      status["listeners"].size() < status["listeners_configured"].get<std::size_t>())
    why.push_back("not every listener is bound");
  return why;
}

HttpResponse AdminRoutes::handle(const HttpRequest& request) {
  if (request.method != "GET" && request.method != "HEAD") {
    auto res = HttpResponse::text(405, "only GET here\n");
    res.headers.emplace_back("Allow", "GET, HEAD");
    return res;
  }
  if (request.path == "/healthz") return HttpResponse::text(200, "ok\n");
  if (request.path == "/readyz") {
    auto why = not_ready_reasons(status_());
    if (why.empty()) return HttpResponse::text(200, "ready\n");
    std::string body = "not ready:\n";
    for (const auto& w : why) body += "- " + w + "\n";
    return HttpResponse::text(503, body);
  }
  if (request.path == "/metrics") {
    HttpResponse res;
    res.content_type = "text/plain; version=0.0.4; charset=utf-8";
    res.body = render_prometheus(status_());
    return res;
  }
  if (request.path == "/status") {
    HttpResponse res;
    res.content_type = "application/json";
    res.body = status_().dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    return res;
  }
  return HttpResponse::text(404, "not found: try /healthz, /readyz, /metrics or /status\n");
}

}  // namespace rightmoment
