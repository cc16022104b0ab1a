#pragma once
// One plugin instance: the configuration, and every part it runs (store, rules, engine, transport,
// delivery, outcome record), wired together. The C ABI (plugin/abi/) is a thin, exception-proof
// layer over this class.
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>
#include <spdlog/logger.h>

#include "plugin/config/plugin_config.hpp"
#include "plugin/engine/engine.hpp"

namespace rightmoment {

class TransportService;

struct HostHooks {
  std::function<void(spdlog::level::level_enum, std::string_view)> log;  // any thread
  std::function<void(std::string_view json)> deliver_prompt;            // delivery thread
};

// What went wrong, for the ABI's return code.
enum class RuntimeError { None, InvalidArgument, Config, State, Busy, Timeout, Unavailable, Internal };

struct RuntimeResult {
  RuntimeError error = RuntimeError::None;
  std::string message;
  bool ok() const { return error == RuntimeError::None; }
  static RuntimeResult success() { return {}; }
  static RuntimeResult fail(RuntimeError e, std::string m) { return {e, std::move(m)}; }
};

class PluginRuntime {
 public:
  // Reads the configuration, loads lexicons and rules, opens the store. No thread runs yet.
  static std::unique_ptr<PluginRuntime> create(PluginConfig config, HostHooks hooks, RuntimeResult& result);
  ~PluginRuntime();

  RuntimeResult start();
  RuntimeResult stop(std::chrono::milliseconds drain_timeout);
  RuntimeResult submit_event(std::string_view json);
  RuntimeResult submit_feedback(std::string_view json);
  RuntimeResult drain(std::chrono::milliseconds timeout);
  nlohmann::json status() const;
  RuntimeResult import_history(const std::string& path, nlohmann::json& report);
  RuntimeResult reload_rules();

  const PluginConfig& config() const { return config_; }
  EngineMetrics& metrics() { return metrics_; }

 private:
  PluginRuntime(PluginConfig config, HostHooks hooks);

  PluginConfig config_;
  HostHooks hooks_;
  std::shared_ptr<spdlog::logger> log_;
  EngineMetrics metrics_;
  std::shared_ptr<HistoryStore> store_;
  RuleBundle rules_;
  std::unique_ptr<PromptDelivery> delivery_;
  std::unique_ptr<OutcomeWriter> outcomes_;
  std::unique_ptr<HistoryLookup> lookup_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<TransportService> transport_;
  mutable std::mutex state_mutex_;
  mutable std::mutex rules_mutex_;  // rules_ is replaced by reload_rules() while status() reads it
  enum class State { Created, Started, Stopped } state_ = State::Created;
};

// Loads lexicons and rules as the configuration names them; nullopt with diagnostics on any error.
std::optional<RuleBundle> load_rule_bundle(const PluginConfig& config, Diagnostics& diags);

}  // namespace rightmoment
