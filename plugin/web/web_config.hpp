#pragma once
// Settings of the plugin's web endpoints, read from the configuration's "popup", "admin" and "webhooks" sections
// (plugin/config/web_config_reader.cpp; config/rightmoment.example.jsonc documents them).
#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "plugin/web/http_server.hpp"
#include "plugin/web/popup_hub.hpp"
#include "plugin/web/supervisor_hub.hpp"

namespace rightmoment {

struct PopupConfig {
  bool enabled = false;
  HttpServerConfig server;   // address, port, tls, limits
  std::string public_url;    // the origin agents reach it at (behind a proxy); empty: the bound URL
  std::string link_secret;   // HMAC key for agent links; empty: a random key per process
  std::chrono::seconds link_ttl{12 * 3600};
  std::vector<std::string> allowed_origins;  // further origins whose pages may open the WebSocket
  std::vector<std::string> frame_ancestors;  // who may embed the page in a frame (CSP); empty: 'self'
  PopupHubOptions hub;
  bool supervisor_enabled = false;  // "popup": {"supervisor": {...}} serves /supervisor (docs/supervisor.md)
  SupervisorOptions supervisor;
};

struct AdminConfig {
  bool enabled = false;
  HttpServerConfig server;
};

// One path of the webhook endpoint and the webhook adapter that serves it.
struct WebhookEndpointConfig {
  std::string name;
  std::string adapter;  // "twilio-transcriptions"
  std::string path;     // e.g. "/twilio/transcriptions"
  std::map<std::string, std::string> settings;  // adapter-specific (docs/adapters/NAME.md)
};

// Vendors' HTTP callbacks (Twilio's real-time transcriptions), on a server of their own: it faces the
// vendor's cloud (through a proxy), the pop-up faces agents and the admin endpoints operators.
struct WebhooksConfig {
  bool enabled = false;
  HttpServerConfig server;
  std::vector<WebhookEndpointConfig> endpoints;
};

}  // namespace rightmoment
