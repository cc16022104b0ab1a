#pragma once
// Reads the configuration's "popup", "admin" and "webhooks" sections (plugin/web/web_config.hpp).
#include <string>

#include "plugin/config/config_reader.hpp"
#include "plugin/web/web_config.hpp"

namespace rightmoment {

void read_web_config(ConfigReader& r, const std::string& base_dir, PopupConfig& popup, AdminConfig& admin);
// The "webhooks" section; each endpoint's adapter and settings are checked by creating its adapter.
void read_webhooks_config(ConfigReader& r, const std::string& base_dir, WebhooksConfig& webhooks);

}  // namespace rightmoment
