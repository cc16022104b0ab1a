#pragma once
// The cross-host prompt bus this project ships, chosen by the store URL.
#include <memory>
#include <string>

#include <spdlog/logger.h>

#include "plugin/history/prompt_bus.hpp"

namespace rightmoment {

// The bus for this store URL: PostgreSQL's, or nullptr (SQLite: one host). Throws StoreError when
// the database cannot be reached at all.
std::unique_ptr<PromptBus> open_prompt_bus(const std::string& store_url, const std::string& instance_name,
                                           std::shared_ptr<spdlog::logger> log);

}  // namespace rightmoment
