#pragma once
// Listener and client settings of the transport, read from the configuration's "listeners" and
// "clients" (plugin/config/transport_config_reader.cpp; config/rightmoment.example.jsonc).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "plugin/transport/tls_files.hpp"

namespace rightmoment {

enum class AuthMode { None, Bearer, ApiKey };

struct ListenerAuth {
  AuthMode mode = AuthMode::Bearer;  // "none" must be configured explicitly
  std::string header = "x-api-key";  // for ApiKey (case-insensitive)
  std::vector<std::string> tokens;   // accepted tokens
  // The client secret (base64) with which the peer signs its upgrade request; its adapter checks the
  // signature (genesys-audiohook: the AudioHook Monitor integration's Client Secret).
  std::optional<std::string> client_secret;
};

struct ListenerConfig {
  std::string name;
  std::string adapter = "generic";
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;  // 0: any free port
  std::string path = "/events";
  std::optional<TlsFiles> tls;
  ListenerAuth auth;
  std::size_t max_message_bytes = 64 * 1024;  // larger: refused with an error reply
  std::size_t max_connections = 1000;         // more: refused with 503
  std::size_t write_queue_limit = 256;        // replies queued for a peer that does not read: disconnected
  std::size_t max_json_depth = 32;
  std::chrono::seconds idle_timeout{300};  // a ping goes out after half of it
  std::map<std::string, std::string> settings;  // adapter-specific
};

struct ClientConfig {
  std::string name;
  std::string adapter;
  std::string url;  // ws:// or wss://
  std::map<std::string, std::string> headers;
  std::string ca_file;  // empty: the system trust store
  bool verify = true;   // peer certificate and host name
  std::chrono::seconds heartbeat{30};
  std::chrono::seconds idle_timeout{90};
  std::chrono::milliseconds reconnect_initial{500};
  std::chrono::milliseconds reconnect_max{30000};
  std::size_t max_message_bytes = 1024 * 1024;
  std::map<std::string, std::string> settings;
};

struct BoundListener {
  std::string name;
  std::string adapter;
  std::string url;  // e.g. ws://127.0.0.1:41873/events
};

}  // namespace rightmoment
