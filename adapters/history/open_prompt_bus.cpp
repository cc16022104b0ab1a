// Chooses the cross-host prompt bus from the store URL: PostgreSQL's, or none (SQLite is one host).
#include "adapters/history/open_prompt_bus.hpp"

namespace rightmoment {

std::unique_ptr<PromptBus> make_postgres_prompt_bus(const std::string& url, const std::string& instance_name,
                                                    std::shared_ptr<spdlog::logger> log);

std::unique_ptr<PromptBus> open_prompt_bus(const std::string& url, const std::string& instance_name,
                                           std::shared_ptr<spdlog::logger> log) {
  if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0)
    return make_postgres_prompt_bus(url, instance_name, std::move(log));
  return nullptr;
}

}  // namespace rightmoment
