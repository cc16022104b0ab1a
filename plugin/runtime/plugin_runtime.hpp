#pragma once
// One plugin instance: the configuration, and every part it runs (store, rules, engine, transport,
// delivery, outcome record), wired together. The C ABI (plugin/abi/) is a thin, exception-proof
// layer over this class.
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>
#include <spdlog/logger.h>

#include "plugin/config/plugin_config.hpp"
#include "plugin/engine/engine.hpp"
#include "plugin/runtime/status_snapshot.hpp"
#include "plugin/history/prompt_bus.hpp"

namespace rightmoment {

class TransportService;
class HttpServer;
class PopupHub;
class AgentLinkSigner;
class HostLogForwarder;

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
  // Every figure and the state, read once; status() is its JSON (read_status(), /status).
  StatusSnapshot snapshot() const;
  nlohmann::json status() const;
  RuntimeResult import_history(const std::string& path, nlohmann::json& report);
  RuntimeResult reload_rules();
  // A signed link to agent_id's pop-up page, valid for ttl (0: the configured link_ttl_s).
  RuntimeResult mint_agent_link(const std::string& agent_id, std::chrono::seconds ttl, std::string& url) const;
  // The same for a supervisor's page (role "supervisor", /supervisor).
  RuntimeResult mint_supervisor_link(const std::string& supervisor_id, std::chrono::seconds ttl, std::string& url) const;

  const PluginConfig& config() const { return config_; }
  EngineMetrics& metrics() { return metrics_; }

 private:
  PluginRuntime(PluginConfig config, HostHooks hooks);
  bool start_web(std::string& error);
  RuntimeResult mint_link(const char* what, const std::string& path, const std::string& role, const std::string& id,
                          std::chrono::seconds ttl, std::string& url) const;
  void wire_prompt_bus();
  void wire_supervisor_view();
  void stop_web();
  using State = RuntimeState;
  void set_state(State s);

  PluginConfig config_;
  HostHooks hooks_;
  std::shared_ptr<HostLogForwarder> log_forwarder_;  // null without a host log callback
  std::shared_ptr<spdlog::logger> log_;
  EngineMetrics metrics_;
  std::shared_ptr<HistoryStore> store_;
  RuleBundle rules_;
  std::unique_ptr<PromptDelivery> delivery_;
  std::unique_ptr<OutcomeWriter> outcomes_;
  std::unique_ptr<HistoryLookup> lookup_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<TransportService> transport_;
  std::shared_ptr<const AgentLinkSigner> link_signer_;
  std::shared_ptr<PopupHub> popup_hub_;
  std::shared_ptr<SupervisorHub> supervisor_hub_;  // the supervisor page's state, when configured
  std::unique_ptr<PromptBus> bus_;  // several hosts on PostgreSQL; none on SQLite
  BusHandlers bus_handlers_;
  std::unique_ptr<HttpServer> popup_server_;
  std::unique_ptr<HttpServer> admin_server_;
  std::unique_ptr<HttpServer> webhook_server_;  // vendors' HTTP callbacks into the engine
  LabelledCounter sdk_events_by_type_;  // events submitted through the SDK (no WebSocket)
  std::mutex lifecycle_mutex_;        // serialises start() and stop(); held across their waits
  mutable std::mutex state_mutex_;    // held for a transition only, never across a wait or a callback
  mutable std::mutex rules_mutex_;    // rules_ is replaced by reload_rules() while status() reads it
  // Transitions happen under state_mutex_; readers (submit_event, status) read it without a lock.
  std::atomic<State> state_{State::Created};
};

// Loads lexicons and rules as the configuration names them; nullopt with diagnostics on any error.
std::optional<RuleBundle> load_rule_bundle(const PluginConfig& config, Diagnostics& diags,
                                           ExpressionErrorSink on_expression_error = {});

}  // namespace rightmoment
