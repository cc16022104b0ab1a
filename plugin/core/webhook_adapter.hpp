#pragma once
// A webhook adapter turns one vendor's HTTP callbacks (Twilio's real-time transcription webhooks, ...)
// into canonical events, as an EventAdapter does for a WebSocket's messages. The web endpoint that
// serves it (plugin/web/webhook_routes.hpp) only hands it the request's bytes and submits what comes
// out: decoding, signatures and the mapping are the adapter's. One adapter object per configured
// endpoint, called on the web server's one thread, one request at a time: it may keep state without
// locks. It never blocks and never touches the engine.
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "plugin/core/event_adapter.hpp"

namespace rightmoment {

// Views of the HTTP request, valid during on_request.
struct WebhookRequest {
  std::string_view method;                           // "POST", ...
  std::string_view target;                           // path and query as received, not decoded
  const std::map<std::string, std::string>& headers;  // lower-case names
  std::string_view body;
  std::string_view remote;                           // "address:port", for logs
};

struct WebhookOutput {
  unsigned status = 200;  // the HTTP answer; 503 replaces it when the engine's inbox is full
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // further response headers ("Allow", ...)
  // events go to the engine; each rejection is logged and counted by code (the answer is status
  // and body above, never the generic error frame); ignored_reasons are counted.
  AdapterOutput out;
};

class WebhookAdapter {
 public:
  virtual ~WebhookAdapter() = default;
  virtual std::string_view name() const = 0;
  virtual void on_request(const WebhookRequest& request, EventTimeMs wall_now_ms, WebhookOutput& out) = 0;
};

}  // namespace rightmoment
