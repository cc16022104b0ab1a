#include "plugin/config/transport_config_reader.hpp"

#include <set>

#include "plugin/config/plugin_config.hpp"
#include "plugin/core/comma_list.hpp"
#include "plugin/core/event_adapter.hpp"

namespace rightmoment {
namespace {

bool known_adapter(const std::string& name) {
  for (const auto& n : event_adapter_names())
    if (n == name) return true;
  return false;
}

std::string adapter_list() {
  std::string list;
  for (const auto& n : event_adapter_names()) list += (list.empty() ? "" : ", ") + n;
  return list;
}

}  // namespace

void read_settings(ConfigReader& r, const std::string& at, std::map<std::string, std::string>& out) {
  const nlohmann::json* v = r.at(at);
  if (!v) return;
  if (!v->is_object()) {
    r.error(at, "must be an object of strings");
    return;
  }
  for (const auto& [key, value] : v->items()) {
    if (value.is_string()) out[key] = value.get<std::string>();
    else if (value.is_number() || value.is_boolean()) out[key] = value.dump();
    else r.error(at + "/" + key, "must be a string, number or boolean");
  }
}

std::optional<TlsFiles> read_tls_files(ConfigReader& r, const std::string& at, const std::string& base_dir) {
  if (!r.at(at) || !r.check_object(at, {"cert_file", "key_file"})) return std::nullopt;
  TlsFiles tls;
  r.read_string(at + "/cert_file", tls.cert_file, true);
  r.read_string(at + "/key_file", tls.key_file, true);
  tls.cert_file = resolve_config_path(base_dir, tls.cert_file);
  tls.key_file = resolve_config_path(base_dir, tls.key_file);
  return tls;
}

void read_transport_config(ConfigReader& r, const std::string& base_dir, std::vector<ListenerConfig>& listeners,
                           std::vector<ClientConfig>& clients) {
  listeners.clear();
  clients.clear();
  std::set<std::string> names;
  if (const nlohmann::json* ls = r.at("/listeners")) {
    if (!ls->is_array()) {
      r.error("/listeners", "must be a list of listener objects");
    } else {
      for (std::size_t i = 0; i < ls->size(); ++i) {
        std::string at = "/listeners/" + std::to_string(i);
        if (!r.check_object(at, {"name", "adapter", "address", "port", "path", "tls", "auth", "max_message_bytes",
                                 "max_connections", "write_queue_limit", "max_json_depth", "idle_timeout_s", "settings"}))
          continue;
        ListenerConfig l;
        l.name = "listener-" + std::to_string(i);
        r.read_string(at + "/name", l.name);
        r.read_string(at + "/adapter", l.adapter, true);
        if (!known_adapter(l.adapter)) r.error(at + "/adapter", "unknown adapter '" + l.adapter + "' (known: " + adapter_list() + ")");
        r.read_string(at + "/address", l.address);
        std::int64_t port = 0;
        r.read_int(at + "/port", port, 0, 65535);
        l.port = static_cast<std::uint16_t>(port);
        r.read_string(at + "/path", l.path);
        if (l.path.empty() || l.path[0] != '/') r.error(at + "/path", "must start with '/'");
        l.tls = read_tls_files(r, at + "/tls", base_dir);
        if (!r.at(at + "/auth")) {
          r.error(at + "/auth", "is required: say how peers authenticate (\"bearer\", \"api_key\"), or \"none\" explicitly");
        } else if (r.check_object(at + "/auth", {"mode", "header", "tokens", "tokens_env"})) {
          std::string mode = "bearer";
          r.read_enum(at + "/auth/mode", mode, {"none", "bearer", "api_key"});
          l.auth.mode = mode == "none" ? AuthMode::None : mode == "bearer" ? AuthMode::Bearer : AuthMode::ApiKey;
          r.read_string(at + "/auth/header", l.auth.header);
          r.read_string_list(at + "/auth/tokens", l.auth.tokens);
          std::string env;
          r.read_string(at + "/auth/tokens_env", env);
          if (!env.empty()) {
            // Tokens from the environment (comma-separated), so secrets stay out of the file.
            if (const char* v = std::getenv(env.c_str()))
              for (auto& token : split_comma_list(v)) l.auth.tokens.push_back(std::move(token));
          }
          if (l.auth.mode != AuthMode::None && l.auth.tokens.empty())
            r.error(at + "/auth/tokens", "mode '" + mode + "' needs at least one token (tokens or tokens_env)");
        }
        r.read_size(at + "/max_message_bytes", l.max_message_bytes, 256, 16 * 1024 * 1024);
        r.read_size(at + "/max_connections", l.max_connections, 1, 1'000'000);
        r.read_size(at + "/write_queue_limit", l.write_queue_limit, 1, 1'000'000);
        r.read_size(at + "/max_json_depth", l.max_json_depth, 2, 1024);
        std::int64_t idle = l.idle_timeout.count();
        r.read_int(at + "/idle_timeout_s", idle, 1, 86400);
        l.idle_timeout = std::chrono::seconds(idle);
        read_settings(r, at + "/settings", l.settings);
        if (!names.insert(l.name).second) r.error(at + "/name", "'" + l.name + "' is used by another listener or client");
        listeners.push_back(std::move(l));
      }
    }
  }
  if (const nlohmann::json* cs = r.at("/clients")) {
    if (!cs->is_array()) {
      r.error("/clients", "must be a list of client objects");
      return;
    }
    for (std::size_t i = 0; i < cs->size(); ++i) {
      std::string at = "/clients/" + std::to_string(i);
      if (!r.check_object(at, {"name", "adapter", "url", "headers", "ca_file", "verify", "heartbeat_s", "idle_timeout_s",
                               "reconnect", "max_message_bytes", "settings"}))
        continue;
      ClientConfig c;
      c.name = "client-" + std::to_string(i);
      r.read_string(at + "/name", c.name);
      r.read_string(at + "/adapter", c.adapter, true);
      if (!known_adapter(c.adapter)) r.error(at + "/adapter", "unknown adapter '" + c.adapter + "' (known: " + adapter_list() + ")");
      r.read_string(at + "/url", c.url, true);
      if (c.url.rfind("ws://", 0) != 0 && c.url.rfind("wss://", 0) != 0) r.error(at + "/url", "must start with ws:// or wss://");
      read_settings(r, at + "/headers", c.headers);
      if (r.read_string(at + "/ca_file", c.ca_file) && !c.ca_file.empty()) c.ca_file = resolve_config_path(base_dir, c.ca_file);
      r.read_bool(at + "/verify", c.verify);
      std::int64_t hb = c.heartbeat.count(), idle = c.idle_timeout.count();
      r.read_int(at + "/heartbeat_s", hb, 0, 3600);
      r.read_int(at + "/idle_timeout_s", idle, 1, 86400);
      c.heartbeat = std::chrono::seconds(hb);
      c.idle_timeout = std::chrono::seconds(idle);
      if (r.check_object(at + "/reconnect", {"initial_ms", "max_ms"})) {
        std::int64_t initial = c.reconnect_initial.count(), max = c.reconnect_max.count();
        r.read_int(at + "/reconnect/initial_ms", initial, 10, 600000);
        r.read_int(at + "/reconnect/max_ms", max, 10, 3600000);
        c.reconnect_initial = std::chrono::milliseconds(initial);
        c.reconnect_max = std::chrono::milliseconds(std::max(max, initial));
      }
      r.read_size(at + "/max_message_bytes", c.max_message_bytes, 256, 64 * 1024 * 1024);
      read_settings(r, at + "/settings", c.settings);
      if (!names.insert(c.name).second) r.error(at + "/name", "'" + c.name + "' is used by another listener or client");
      clients.push_back(std::move(c));
    }
  }
}

}  // namespace rightmoment
