#include "plugin/web/popup_routes.hpp"

#include <algorithm>

#include "plugin/core/error_reply.hpp"

namespace rightmoment {
namespace {

std::int64_t now_unix() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

// Everything the page needs comes from this server; the link's token must not leak in a Referer.
void secure_headers(HttpResponse& res, const PopupConfig& cfg) {
  std::string ancestors = cfg.frame_ancestors.empty() ? "'self'" : join(cfg.frame_ancestors, " ");
  res.headers.emplace_back("Content-Security-Policy",
                           "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
                           "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors " + ancestors);
  res.headers.emplace_back("Referrer-Policy", "no-referrer");
  res.headers.emplace_back("Cache-Control", "no-store");
}

HttpResponse refused_page(unsigned status, const std::string& why, const PopupConfig& cfg) {
  HttpResponse res;
  res.status = status;
  res.content_type = "text/html; charset=utf-8";
  res.body = std::string(popup_asset("refused.html"));
  auto at = res.body.find("{{reason}}");
  if (at != std::string::npos) res.body.replace(at, 10, why);  // why is one of our fixed sentences
  secure_headers(res, cfg);
  return res;
}

std::string content_type_of(std::string_view name) {
  auto ends = [&](std::string_view ext) { return name.size() >= ext.size() && name.substr(name.size() - ext.size()) == ext; };
  if (ends(".js")) return "text/javascript; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".svg")) return "image/svg+xml";
  return "application/octet-stream";
}

}  // namespace

PopupRoutes::PopupRoutes(PopupConfig config, std::shared_ptr<const AgentLinkSigner> signer, std::shared_ptr<PopupHub> hub,
                         std::shared_ptr<spdlog::logger> log)
    : config_(std::move(config)), signer_(std::move(signer)), hub_(std::move(hub)), log_(std::move(log)) {}

std::optional<std::string> PopupRoutes::check_link(const HttpRequest& request, std::string& why, const std::string& role) const {
  auto get = [&](const char* k) {
    auto it = request.query.find(k);
    return it == request.query.end() ? std::string() : it->second;
  };
  std::string agent = get(role.empty() ? "agent" : role.c_str());
  switch (signer_->verify(agent, get("exp"), get("sig"), now_unix(), role)) {
    case LinkCheck::ok:
      return agent;
    case LinkCheck::expired:
      why = "This link has expired. Ask your agent desktop for a new one.";
      break;
    case LinkCheck::bad_signature:
      why = "This link is not valid: its signature does not match.";
      break;
    case LinkCheck::malformed:
      why = "This link is incomplete: it needs the agent, expiry and signature the desktop gives.";
      break;
  }
  return std::nullopt;
}

bool PopupRoutes::origin_allowed(const HttpRequest& request) const {
  std::string origin = request.header("origin");
  if (origin.empty()) return false;  // browsers always send it on a WebSocket upgrade
  std::string own = std::string(request.tls ? "https://" : "http://") + request.header("host");
  if (origin == own) return true;
  if (!config_.public_url.empty()) {
    std::string pub = config_.public_url;
    while (!pub.empty() && pub.back() == '/') pub.pop_back();
    if (origin == pub) return true;
  }
  return std::find(config_.allowed_origins.begin(), config_.allowed_origins.end(), origin) != config_.allowed_origins.end();
}

HttpResponse PopupRoutes::handle(const HttpRequest& request) {
  if (request.method != "GET" && request.method != "HEAD") {
    auto res = HttpResponse::text(405, "only GET here\n");
    res.headers.emplace_back("Allow", "GET, HEAD");
    return res;
  }
  if (request.path == "/agent") {
    std::string why;
    auto agent = check_link(request, why);
    if (!agent) {
      log_->info("pop-up: refused a page request from {}: {}", request.remote, why);
      return refused_page(403, why, config_);
    }
    HttpResponse res;
    res.content_type = "text/html; charset=utf-8";
    res.body = std::string(popup_asset("popup.html"));
    secure_headers(res, config_);
    return res;
  }
  if (request.path == "/supervisor" && supervisors_) {
    std::string why;
    if (!check_link(request, why, "supervisor")) {
      log_->info("supervisor page: refused a page request from {}: {}", request.remote, why);
      return refused_page(403, why, config_);
    }
    HttpResponse res;
    res.content_type = "text/html; charset=utf-8";
    res.body = std::string(popup_asset("supervisor.html"));
    secure_headers(res, config_);
    return res;
  }
  static constexpr std::string_view kAssets = "/assets/";
  if (request.path.rfind(kAssets, 0) == 0) {
    std::string name = request.path.substr(kAssets.size());
    std::string_view body = name.find('/') == std::string::npos ? popup_asset(name) : std::string_view();
    if (body.empty() || name.ends_with(".html")) return HttpResponse::text(404, "not found\n");
    HttpResponse res;
    res.content_type = content_type_of(name);
    res.body = std::string(body);
    res.headers.emplace_back("Cache-Control", "no-cache");
    return res;
  }
  if (request.path == "/favicon.ico") {
    HttpResponse res;
    res.status = 301;
    res.headers.emplace_back("Location", "/assets/icon.svg");
    return res;
  }
  if (request.path == "/") return HttpResponse::text(404, "RightMoment pop-up: open the link your agent desktop gives you.\n");
  return HttpResponse::text(404, "not found\n");
}

WebSocketDecision PopupRoutes::upgrade(const HttpRequest& request) {
  WebSocketDecision d;
  if (request.path == "/supervisor/ws" && supervisors_) {
    std::string why;
    auto supervisor = check_link(request, why, "supervisor");
    if (!supervisor || !origin_allowed(request)) {
      if (why.empty()) why = "this origin may not open the supervisor page's WebSocket";
      log_->info("supervisor page: refused a WebSocket from {}: {}", request.remote, why);
      d.refusal = HttpResponse::text(403, why + "\n");
      return d;
    }
    d.on_open = [hub = supervisors_, id = *supervisor](std::shared_ptr<WebSocketPeer> peer) {
      auto handlers = hub->attach(id, peer);
      if (handlers) return *handlers;
      peer->send(R"({"type":"error","code":"too_many_pages","message":"too many supervisor pages are open"})");
      peer->close();
      return WebSocketHandlers{};
    };
    return d;
  }
  if (request.path != "/agent/ws") {
    d.refusal = HttpResponse::text(404, "no WebSocket endpoint at this path\n");
    return d;
  }
  std::string why;
  auto agent = check_link(request, why);
  if (!agent) {
    log_->info("pop-up: refused a WebSocket from {}: {}", request.remote, why);
    d.refusal = HttpResponse::text(403, why + "\n");
    return d;
  }
  if (!origin_allowed(request)) {
    log_->warn("pop-up: refused a WebSocket from {} for origin '{}' (not this server's, nor in allowed_origins)",
               request.remote, request.header("origin").substr(0, 200));
    d.refusal = HttpResponse::text(403, "this origin may not open the pop-up's WebSocket\n");
    return d;
  }
  d.on_open = [hub = hub_, agent_id = *agent, log = log_](std::shared_ptr<WebSocketPeer> peer) {
    auto handlers = hub->attach(agent_id, peer);
    if (!handlers) {
      log->warn("pop-up: agent {} has too many pages open; closing the newest", agent_id);
      peer->send(error_reply("too_many_pages", "too many pages are open for this agent"));
      peer->close();
      return WebSocketHandlers{};
    }
    return *handlers;
  };
  return d;
}

}  // namespace rightmoment
