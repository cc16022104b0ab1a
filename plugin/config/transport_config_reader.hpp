#pragma once
// Reads the configuration's "listeners" and "clients" sections into transport settings.
#include <string>
#include <vector>

#include "plugin/config/config_reader.hpp"
#include "plugin/transport/transport_config.hpp"

namespace rightmoment {

void read_transport_config(ConfigReader& r, const std::string& base_dir, std::vector<ListenerConfig>& listeners,
                           std::vector<ClientConfig>& clients);

}  // namespace rightmoment
