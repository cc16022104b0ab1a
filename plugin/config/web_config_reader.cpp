#include "plugin/config/web_config_reader.hpp"

#include <algorithm>
#include <cstdlib>

#include "plugin/config/plugin_config.hpp"
#include "plugin/config/transport_config_reader.hpp"
#include "adapters/events/builtin_adapters.hpp"

namespace rightmoment {
namespace {

void read_server(ConfigReader& r, const std::string& at, const std::string& base_dir, HttpServerConfig& s) {
  r.read_string(at + "/address", s.address);
  std::int64_t port = s.port;
  r.read_int(at + "/port", port, 0, 65535);
  s.port = static_cast<std::uint16_t>(port);
  s.tls = read_tls_files(r, at + "/tls", base_dir);
  r.read_size(at + "/max_connections", s.max_connections, 1, 100'000);
  std::int64_t idle = s.idle_timeout.count();
  r.read_int(at + "/idle_timeout_s", idle, 5, 86400);
  s.idle_timeout = std::chrono::seconds(idle);
}

bool is_origin(const std::string& s) {
  return (s.rfind("http://", 0) == 0 || s.rfind("https://", 0) == 0) && s.find('/', s.find("//") + 2) == std::string::npos;
}

// "popup": {"supervisor": {"teams": {"TEAM": ["AGENT", ...]}, "supervisors": {"ID": ["TEAM", ...]},
//            "alerts_per_window": 4, "alert_window_s": 300, "churn_unanswered_s": 60}}
void read_supervisor_config(ConfigReader& r, PopupConfig& popup) {
  const char* base = "/popup/supervisor";
  if (!r.at(base) || !r.check_object(base, {"teams", "supervisors", "alerts_per_window", "alert_window_s", "churn_unanswered_s"})) return;
  popup.supervisor_enabled = true;
  SupervisorOptions& o = popup.supervisor;
  auto read_map = [&](const std::string& key, auto&& add) {
    const nlohmann::json* m = r.at(std::string(base) + "/" + key);
    if (!m) return;
    if (!m->is_object()) return r.error(std::string(base) + "/" + key, "must be an object of lists of ids");
    for (const auto& [name, list] : m->items()) {
      std::vector<std::string> ids;
      r.read_string_list(std::string(base) + "/" + key + "/" + name, ids);
      for (const auto& id : ids) add(name, id);
    }
  };
  read_map("teams", [&](const std::string& team, const std::string& agent) {
    if (!o.team_of_agent.emplace(agent, team).second)
      r.error(std::string(base) + "/teams/" + team, "agent '" + agent + "' is in two teams");
  });
  read_map("supervisors", [&](const std::string& supervisor, const std::string& team) { o.teams_of_supervisor[supervisor].insert(team); });
  r.read_size(std::string(base) + "/alerts_per_window", o.alerts_per_window, 0, 1000);
  std::int64_t window = o.alert_window.count(), churn = o.churn_unanswered.count();
  r.read_int(std::string(base) + "/alert_window_s", window, 10, 86400);
  r.read_int(std::string(base) + "/churn_unanswered_s", churn, 5, 3600);
  o.alert_window = std::chrono::seconds(window);
  o.churn_unanswered = std::chrono::seconds(churn);
}

}  // namespace

void read_web_config(ConfigReader& r, const std::string& base_dir, PopupConfig& popup, AdminConfig& admin) {
  popup = PopupConfig{};
  admin = AdminConfig{};
  popup.server.name = "pop-up";
  admin.server.name = "admin";
  if (r.at("/popup") &&
      r.check_object("/popup", {"enabled", "address", "port", "tls", "max_connections", "idle_timeout_s", "public_url",
                                "link_secret", "link_secret_env", "link_ttl_s", "allowed_origins", "frame_ancestors",
                                "max_cards_per_agent", "max_pages_per_agent", "max_agents", "max_cards", "snooze_s",
                                "supervisor"})) {
    popup.enabled = true;
    r.read_bool("/popup/enabled", popup.enabled);
    read_server(r, "/popup", base_dir, popup.server);
    r.read_string("/popup/public_url", popup.public_url);
    if (!popup.public_url.empty() && popup.public_url.rfind("http://", 0) != 0 && popup.public_url.rfind("https://", 0) != 0)
      r.error("/popup/public_url", "must start with http:// or https://");
    r.read_string("/popup/link_secret", popup.link_secret);
    std::string env;
    r.read_string("/popup/link_secret_env", env);
    if (!env.empty()) {
      // The secret from the environment, so that it stays out of the file and every host shares it.
      if (const char* v = std::getenv(env.c_str()); v && *v) popup.link_secret = v;
      else r.error("/popup/link_secret_env", "the environment variable '" + env + "' is not set");
    }
    if (!popup.link_secret.empty() && popup.link_secret.size() < 16)
      r.error("/popup/link_secret", "must be at least 16 characters (or empty: a random key per process)");
    std::int64_t ttl = popup.link_ttl.count();
    r.read_int("/popup/link_ttl_s", ttl, 60, 31 * 86400);
    popup.link_ttl = std::chrono::seconds(ttl);
    r.read_string_list("/popup/allowed_origins", popup.allowed_origins);
    for (std::size_t i = 0; i < popup.allowed_origins.size(); ++i)
      if (!is_origin(popup.allowed_origins[i]))
        r.error("/popup/allowed_origins/" + std::to_string(i), "must be an origin such as https://desktop.example.com (no path)");
    r.read_string_list("/popup/frame_ancestors", popup.frame_ancestors);
    for (std::size_t i = 0; i < popup.frame_ancestors.size(); ++i) {
      const auto& a = popup.frame_ancestors[i];
      if (a != "'self'" && a != "'none'" && !is_origin(a))
        r.error("/popup/frame_ancestors/" + std::to_string(i), "must be 'self', 'none' or an origin such as https://desktop.example.com");
    }
    r.read_size("/popup/max_cards_per_agent", popup.hub.max_cards_per_agent, 1, 10'000);
    r.read_size("/popup/max_pages_per_agent", popup.hub.max_pages_per_agent, 1, 1'000);
    r.read_size("/popup/max_agents", popup.hub.max_agents, 1, 10'000'000);
    r.read_size("/popup/max_cards", popup.hub.max_cards, 1, 100'000'000);
    std::int64_t snooze = popup.hub.snooze.count();
    r.read_int("/popup/snooze_s", snooze, 5, 86400);
    popup.hub.snooze = std::chrono::seconds(snooze);
    read_supervisor_config(r, popup);
  }
  if (r.at("/admin") && r.check_object("/admin", {"enabled", "address", "port", "tls", "max_connections", "idle_timeout_s"})) {
    admin.enabled = true;
    r.read_bool("/admin/enabled", admin.enabled);
    read_server(r, "/admin", base_dir, admin.server);
  }
}

void read_webhooks_config(ConfigReader& r, const std::string& base_dir, WebhooksConfig& webhooks) {
  webhooks = WebhooksConfig{};
  webhooks.server.name = "webhooks";
  webhooks.server.max_request_bytes = 64 * 1024;
  if (!r.at("/webhooks") || !r.check_object("/webhooks", {"enabled", "address", "port", "tls", "max_connections", "idle_timeout_s",
                                                          "max_request_bytes", "endpoints"}))
    return;
  webhooks.enabled = true;
  r.read_bool("/webhooks/enabled", webhooks.enabled);
  read_server(r, "/webhooks", base_dir, webhooks.server);
  r.read_size("/webhooks/max_request_bytes", webhooks.server.max_request_bytes, 1024, 1024 * 1024);
  const nlohmann::json* list = r.at("/webhooks/endpoints");
  if (!list || !list->is_array() || list->empty()) {
    r.error("/webhooks/endpoints", "must be a list of endpoints ({\"adapter\", \"path\", \"settings\"})");
    return;
  }
  for (std::size_t i = 0; i < list->size(); ++i) {
    std::string at = "/webhooks/endpoints/" + std::to_string(i);
    if (!r.check_object(at, {"name", "adapter", "path", "settings"})) continue;
    WebhookEndpointConfig e;
    r.read_string(at + "/adapter", e.adapter, true);
    e.name = e.adapter;
    r.read_string(at + "/name", e.name);
    r.read_string(at + "/path", e.path, true);
    if (e.path.empty() || e.path[0] != '/' || e.path.find('?') != std::string::npos)
      r.error(at + "/path", "must start with '/' and carry no query");
    for (const auto& other : webhooks.endpoints)
      if (other.path == e.path) r.error(at + "/path", "'" + e.path + "' is served by another endpoint");
    read_settings(r, at + "/settings", e.settings);
    auto names = builtin_adapters().webhook_adapter_names();
    AdapterOptions options;
    options.settings = e.settings;
    std::string why;
    if (std::find(names.begin(), names.end(), e.adapter) == names.end()) {
      std::string known;
      for (const auto& n : names) known += (known.empty() ? "" : ", ") + n;
      r.error(at + "/adapter", "unknown webhook adapter '" + e.adapter + "' (known: " + known + ")");
    } else if (webhooks.enabled && !builtin_adapters().make_webhook_adapter(e.adapter, options, why)) {
      r.error(at + "/settings", why);  // made once here, so that a wrong setting names its file and line
    }

    webhooks.endpoints.push_back(std::move(e));
  }
}

}  // namespace rightmoment
