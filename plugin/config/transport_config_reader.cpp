#include "plugin/config/transport_config_reader.hpp"

#include <cctype>
#include <cstdlib>
#include <set>
#include <utility>

#include "plugin/config/plugin_config.hpp"
#include "plugin/core/comma_list.hpp"
#include "adapters/events/builtin_adapters.hpp"

namespace rightmoment {
namespace {

bool known_adapter(const std::string& name) { return builtin_adapters().has_event_adapter(name); }

// Base64 as Genesys shows a client secret: A-Z a-z 0-9 + /, padded with "=" to a multiple of 4.
bool is_base64(const std::string& s) {
  std::size_t body = s.find_last_not_of('=') + 1;
  if (s.empty() || s.size() % 4 != 0 || s.size() - body > 2) return false;
  for (std::size_t i = 0; i < body; ++i)
    if (!std::isalnum(static_cast<unsigned char>(s[i])) && s[i] != '+' && s[i] != '/') return false;
  return true;
}

// A secret given as <at>/client_secret or, so that it stays out of the file, as the environment
// variable <at>/client_secret_env names. Empty when neither is given; an error when both are, or when
// the variable is not set.
std::string read_secret(ConfigReader& r, const std::string& at) {
  std::string secret, env;
  bool literal = r.at(at + "/client_secret") && r.read_string(at + "/client_secret", secret);
  r.read_string(at + "/client_secret_env", env);
  if (literal && !env.empty()) {
    r.error(at + "/client_secret", "give client_secret or client_secret_env, not both");
    return {};
  }
  if (env.empty()) return secret;
  const char* v = std::getenv(env.c_str());
  if (!v || !*v) r.error(at + "/client_secret_env", "the environment variable " + env + " is not set");
  return v ? v : "";
}

// AudioHook's client secret, which Genesys shows as base64.
void read_client_secret(ConfigReader& r, const std::string& at, ListenerAuth& auth) {
  std::string secret = read_secret(r, at);
  if (secret.empty() && !r.at(at + "/client_secret")) return;  // none given (an empty one is an error)
  if (!is_base64(secret)) return r.error(at + (r.at(at + "/client_secret_env") ? "/client_secret_env" : "/client_secret"), "the client secret must be base64");
  auth.client_secret = secret;
}

// The genesys-notifications client's own channel (docs/adapters/genesys-notifications.md), checked
// here and handed to the adapter as its settings.
void read_genesys_channel(ConfigReader& r, const std::string& at, ClientConfig& c) {
  if (!r.check_object(at, {"region", "api_base", "login_base", "client_id", "client_secret", "client_secret_env", "users",
                           "queues", "transcripts", "max_topics"}))
    return;
  std::string region, api, login, id, secret;
  r.read_string(at + "/region", region);
  if (!region.empty()) {
    api = "https://api." + region;
    login = "https://login." + region;
  }
  r.read_string(at + "/api_base", api);
  r.read_string(at + "/login_base", login);
  if (api.empty() || login.empty()) r.error(at, "needs a region (e.g. \"mypurecloud.com\"), or api_base and login_base");
  for (auto [key, url] : {std::pair<const char*, std::string*>{"api_base", &api}, {"login_base", &login}}) {
    while (!url->empty() && url->back() == '/') url->pop_back();
    if (!url->empty() && url->rfind("https://", 0) != 0) r.error(at + "/" + key, "must start with https://");
  }
  r.read_string(at + "/client_id", id, true);
  secret = read_secret(r, at);
  if (secret.empty() && !r.at(at + "/client_secret_env"))
    r.error(at + "/client_secret_env", "is required: the environment variable that holds the OAuth client's secret");
  std::vector<std::string> users, queues;
  r.read_string_list(at + "/users", users);
  r.read_string_list(at + "/queues", queues);
  for (auto [key, ids] : {std::pair<const char*, std::vector<std::string>*>{"users", &users}, {"queues", &queues}})
    for (const auto& one : *ids)
      if (one.empty() || one.size() > 64 || one.find_first_not_of("0123456789abcdefABCDEF-") != std::string::npos)
        r.error(at + "/" + key, "'" + one.substr(0, 80) + "' is not a Genesys id (a UUID)");
  if (users.empty() && queues.empty()) r.error(at, "name the users or the queues whose conversations to follow");
  bool transcripts = true;
  r.read_bool(at + "/transcripts", transcripts);
  std::size_t max_topics = 1000;  // Genesys' limit per channel
  r.read_size(at + "/max_topics", max_topics, 2, 1000);
  if (users.size() + queues.size() >= max_topics)
    r.error(at + "/max_topics", "leaves no room for transcription topics beside " +
                                    std::to_string(users.size() + queues.size()) + " users and queues");
  auto join = [](const std::vector<std::string>& v) {
    std::string all;
    for (const auto& x : v) all += (all.empty() ? "" : ",") + x;
    return all;
  };
  c.settings["api_base"] = api;
  c.settings["login_base"] = login;
  c.settings["client_id"] = id;
  c.settings["client_secret"] = secret;
  c.settings["users"] = join(users);
  c.settings["queues"] = join(queues);
  c.settings["transcripts"] = transcripts ? "true" : "false";
  c.settings["max_topics"] = std::to_string(max_topics);
}

std::string adapter_list() {
  std::string list;
  for (const auto& n : builtin_adapters().event_adapter_names()) list += (list.empty() ? "" : ", ") + n;
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
        } else if (r.check_object(at + "/auth", {"mode", "header", "tokens", "tokens_env", "client_secret", "client_secret_env"})) {
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
          read_client_secret(r, at + "/auth", l.auth);
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
      if (!r.check_object(at, {"name", "adapter", "url", "genesys", "headers", "ca_file", "verify", "heartbeat_s",
                               "idle_timeout_s", "reconnect", "max_message_bytes", "settings"}))
        continue;
      ClientConfig c;
      c.name = "client-" + std::to_string(i);
      r.read_string(at + "/name", c.name);
      r.read_string(at + "/adapter", c.adapter, true);
      if (!known_adapter(c.adapter)) r.error(at + "/adapter", "unknown adapter '" + c.adapter + "' (known: " + adapter_list() + ")");
      if (r.at(at + "/genesys")) {
        // The client runs its own channel: the address comes from Genesys, not from the file.
        if (c.adapter != "genesys-notifications") r.error(at + "/genesys", "is for the genesys-notifications adapter");
        if (r.at(at + "/url")) r.error(at + "/url", "a client with a \"genesys\" channel takes no url");
      } else {
        r.read_string(at + "/url", c.url, true);
        if (c.url.rfind("ws://", 0) != 0 && c.url.rfind("wss://", 0) != 0) r.error(at + "/url", "must start with ws:// or wss://");
      }
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
      if (r.at(at + "/genesys")) read_genesys_channel(r, at + "/genesys", c);
      if (!names.insert(c.name).second) r.error(at + "/name", "'" + c.name + "' is used by another listener or client");
      clients.push_back(std::move(c));
    }
  }
}

}  // namespace rightmoment
