#pragma once
// Reads the configuration's "popup" and "admin" sections (plugin/web/web_config.hpp).
#include <string>

#include "plugin/config/config_reader.hpp"
#include "plugin/web/web_config.hpp"

namespace rightmoment {

void read_web_config(ConfigReader& r, const std::string& base_dir, PopupConfig& popup, AdminConfig& admin);

}  // namespace rightmoment
