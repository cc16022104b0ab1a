#include "plugin/web/admin_routes.hpp"

namespace rightmoment {

AdminRoutes::AdminRoutes(Pages pages) : pages_(std::move(pages)) {}

HttpResponse AdminRoutes::handle(const HttpRequest& request) {
  if (request.method != "GET" && request.method != "HEAD") {
    auto res = HttpResponse::text(405, "only GET here\n");
    res.headers.emplace_back("Allow", "GET, HEAD");
    return res;
  }
  if (request.path == "/healthz") return HttpResponse::text(200, "ok\n");
  if (request.path == "/readyz") {
    auto why = pages_.not_ready_reasons();
    if (why.empty()) return HttpResponse::text(200, "ready\n");
    std::string body = "not ready:\n";
    for (const auto& w : why) body += "- " + w + "\n";
    return HttpResponse::text(503, body);
  }
  if (request.path == "/metrics") {
    HttpResponse res;
    res.content_type = "text/plain; version=0.0.4; charset=utf-8";
    res.body = pages_.metrics();
    return res;
  }
  if (request.path == "/status") {
    HttpResponse res;
    res.content_type = "application/json";
    res.body = pages_.status();
    return res;
  }
  return HttpResponse::text(404, "not found: try /healthz, /readyz, /metrics or /status\n");
}

}  // namespace rightmoment
