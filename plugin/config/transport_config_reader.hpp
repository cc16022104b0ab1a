#pragma once
// Reads the configuration's "listeners" and "clients" sections into transport settings.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "plugin/config/config_reader.hpp"
#include "plugin/transport/transport_config.hpp"

namespace rightmoment {

// A "tls" object ({"cert_file", "key_file"}, resolved against base_dir) at pointer `at`, if present.
std::optional<TlsFiles> read_tls_files(ConfigReader& r, const std::string& at, const std::string& base_dir);
// An adapter's "settings" object at `at` (string, number or boolean values, kept as text), if present.
void read_settings(ConfigReader& r, const std::string& at, std::map<std::string, std::string>& out);

void read_transport_config(ConfigReader& r, const std::string& base_dir, std::vector<ListenerConfig>& listeners,
                           std::vector<ClientConfig>& clients);

}  // namespace rightmoment
