#include "plugin/runtime/plugin_runtime.hpp"

#include <atomic>
#include <condition_variable>
#include <future>

#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/sinks/syslog_sink.h>
#include <spdlog/spdlog.h>

#include "plugin/core/event_parser.hpp"
#include "plugin/runtime/host_log_sink.hpp"
#include "plugin/runtime/masking_sink.hpp"
#include "plugin/history/caching_history_store.hpp"
#include "plugin/history/history_importer.hpp"
#include "plugin/transport/transport_service.hpp"

namespace rightmoment {
namespace {

std::atomic<std::uint64_t> g_instance_counter{0};

std::shared_ptr<spdlog::logger> make_logger(const PluginConfig& config, const HostHooks& hooks) {
  std::vector<spdlog::sink_ptr> sinks;
  bool json = config.log.format == "json";
  const char* pattern = json ? R"({"ts":"%Y-%m-%dT%H:%M:%S.%e%z","level":"%l","logger":"%n","msg":%v})"
                             : "%Y-%m-%dT%H:%M:%S.%e %l %n: %v";
  if (config.log.to_host && hooks.log) sinks.push_back(std::make_shared<HostLogSink>(hooks.log, json));
  if (config.log.to_stderr) {
    auto s = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    sinks.push_back(s);
  }
  if (!config.log.file.empty()) {
    sinks.push_back(std::make_shared<spdlog::sinks::rotating_file_sink_mt>(config.log.file, config.log.file_max_bytes,
                                                                           config.log.file_max_files));
  }
  if (config.log.to_syslog) sinks.push_back(std::make_shared<spdlog::sinks::syslog_sink_mt>("rightmoment", 0, LOG_USER, true));
  for (auto& s : sinks)
    if (!std::dynamic_pointer_cast<HostLogSink>(s)) s->set_pattern(pattern);
  // Not registered globally: several instances may live in one process and the host owns spdlog's
  // registry. Every line is masked for personal data before any sink sees it.
  auto logger = std::make_shared<spdlog::logger>(config.instance_name + "#" + std::to_string(++g_instance_counter),
                                                 std::make_shared<MaskingSink>(std::move(sinks)));
  logger->set_level(spdlog::level::from_str(config.log.level));
  logger->flush_on(spdlog::level::warn);
  return logger;
}

std::string error_json(const EventRejection& r) {
  nlohmann::json j{{"type", "error"}, {"code", r.code}, {"message", r.message}};
  j["event_id"] = r.event_id ? nlohmann::json(*r.event_id) : nlohmann::json(nullptr);
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

std::optional<RuleBundle> load_rule_bundle(const PluginConfig& config, Diagnostics& diags) {
  std::shared_ptr<const LanguageAnalyzer> analyzer = load_language_analyzer(config.lexicon_dir, diags);
  if (!analyzer) return std::nullopt;
  auto rules = compile_rule_files(config.rule_files, *analyzer, diags);
  if (!rules) return std::nullopt;
  return RuleBundle{std::move(rules), std::move(analyzer)};
}

PluginRuntime::PluginRuntime(PluginConfig config, HostHooks hooks)
    : config_(std::move(config)), hooks_(std::move(hooks)) {}

std::unique_ptr<PluginRuntime> PluginRuntime::create(PluginConfig config, HostHooks hooks, RuntimeResult& result) {
  std::unique_ptr<PluginRuntime> rt(new PluginRuntime(std::move(config), std::move(hooks)));
  rt->log_ = make_logger(rt->config_, rt->hooks_);
  Diagnostics diags;
  auto bundle = load_rule_bundle(rt->config_, diags);
  if (!bundle) {
    result = RuntimeResult::fail(RuntimeError::Config, join_diagnostics(diags));
    return nullptr;
  }
  rt->rules_ = std::move(*bundle);
  try {
    rt->store_ = std::make_shared<CachingHistoryStore>(std::shared_ptr<HistoryStore>(open_history_store(rt->config_.store_url)));
  } catch (const std::exception& e) {
    result = RuntimeResult::fail(RuntimeError::Unavailable,
                                 "history store " + rt->config_.store_url + ": " + e.what());
    return nullptr;
  }
  const EngineOptions& o = rt->config_.engine;
  rt->delivery_ = std::make_unique<PromptDelivery>(o.delivery_queue_limit, rt->metrics_);
  if (rt->hooks_.deliver_prompt) {
    auto deliver = rt->hooks_.deliver_prompt;
    rt->delivery_->add_listener([deliver](const DeliveredPrompt& p) { deliver(p.json); });
  }
  rt->outcomes_ = std::make_unique<OutcomeWriter>(rt->store_, o.outcome_queue_limit, rt->metrics_, rt->log_);
  rt->lookup_ = std::make_unique<HistoryLookup>(rt->store_, o.default_region, o.store_workers, 4096, rt->metrics_, rt->log_);
  rt->engine_ = std::make_unique<Engine>(o, rt->rules_, rt->metrics_, *rt->delivery_, *rt->outcomes_, *rt->lookup_, rt->log_);
  rt->transport_ = std::make_unique<TransportService>(*rt->engine_, rt->log_, 1);
  rt->log_->info("created: {} rules, store {}, {} listeners, {} clients", rt->rules_.rules->size(),
                 rt->store_->backend_name(), rt->config_.listeners.size(), rt->config_.clients.size());
  result = RuntimeResult::success();
  return rt;
}

PluginRuntime::~PluginRuntime() { stop(std::chrono::milliseconds(5000)); }

RuntimeResult PluginRuntime::start() {
  std::lock_guard lock(state_mutex_);
  if (state_ != State::Created) return RuntimeResult::fail(RuntimeError::State, "start: the plugin was already started");
  delivery_->start();
  outcomes_->start();
  lookup_->start();
  engine_->start();
  std::string error;
  if (!transport_->start(config_.listeners, config_.clients, error)) {
    engine_->stop(std::chrono::milliseconds(0));
    lookup_->stop();
    outcomes_->stop(std::chrono::milliseconds(1000));
    delivery_->stop();
    state_ = State::Stopped;
    return RuntimeResult::fail(RuntimeError::Unavailable, "start: " + error);
  }
  for (const auto& b : transport_->bound()) log_->info("listening {} {}", b.adapter, b.url);
  state_ = State::Started;
  return RuntimeResult::success();
}

RuntimeResult PluginRuntime::stop(std::chrono::milliseconds drain_timeout) {
  std::lock_guard lock(state_mutex_);
  if (state_ != State::Started) {
    state_ = State::Stopped;
    return RuntimeResult::success();
  }
  auto deadline = std::chrono::steady_clock::now() + drain_timeout;
  transport_->stop();  // no new events
  engine_->stop(drain_timeout);
  lookup_->stop();
  delivery_->stop();  // delivers what is queued
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  outcomes_->stop(std::max(left, std::chrono::milliseconds(500)));
  state_ = State::Stopped;
  log_->info("stopped");
  log_->flush();
  return RuntimeResult::success();
}

RuntimeResult PluginRuntime::submit_event(std::string_view json) {
  ParsedEvent parsed = parse_canonical_event(json, EventLimits{});
  if (auto* rejection = std::get_if<EventRejection>(&parsed)) {
    metrics_.rejections_by_code.add(rejection->code);
    return RuntimeResult::fail(RuntimeError::InvalidArgument, error_json(*rejection));
  }
  {
    std::lock_guard lock(state_mutex_);
    if (state_ != State::Started) return RuntimeResult::fail(RuntimeError::State, "submit_event: the plugin is not started");
  }
  if (!engine_->try_submit(std::move(std::get<CanonicalEvent>(parsed))))
    return RuntimeResult::fail(RuntimeError::Busy, "submit_event: the engine's inbox is full; try again shortly");
  return RuntimeResult::success();
}

RuntimeResult PluginRuntime::submit_feedback(std::string_view json) {
  nlohmann::json j = nlohmann::json::parse(json, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return RuntimeResult::fail(RuntimeError::InvalidArgument, "submit_feedback: not a JSON object");
  auto str = [&](const char* k) -> std::optional<std::string> {
    auto f = j.find(k);
    if (f == j.end() || !f->is_string()) return std::nullopt;
    return f->get<std::string>();
  };
  auto type = str("type");
  if (type && *type != "prompt.feedback")
    return RuntimeResult::fail(RuntimeError::InvalidArgument, "submit_feedback: type must be prompt.feedback");
  PromptFeedback fb;
  auto prompt_id = str("prompt_id");
  auto action = str("action");
  if (!prompt_id || prompt_id->empty() || prompt_id->size() > 128)
    return RuntimeResult::fail(RuntimeError::InvalidArgument, "submit_feedback: prompt_id missing or not a string of 1..128 chars");
  if (!action || (*action != "accepted" && *action != "dismissed" && *action != "snoozed"))
    return RuntimeResult::fail(RuntimeError::InvalidArgument, "submit_feedback: action must be accepted, dismissed or snoozed");
  fb.prompt_id = *prompt_id;
  fb.action = *action;
  fb.agent_id = str("agent_id");
  if (auto ts = str("ts")) {
    auto t = parse_rfc3339(*ts);
    if (!t) return RuntimeResult::fail(RuntimeError::InvalidArgument, "submit_feedback: ts is not RFC 3339 with an offset");
    fb.ts = *t;
  }
  if (!engine_->submit_feedback(std::move(fb)))
    return RuntimeResult::fail(RuntimeError::State, "submit_feedback: the plugin is stopping");
  return RuntimeResult::success();
}

RuntimeResult PluginRuntime::drain(std::chrono::milliseconds timeout) {
  {
    std::lock_guard lock(state_mutex_);
    if (state_ != State::Started) return RuntimeResult::success();
  }
  auto done = std::make_shared<std::promise<void>>();
  auto future = done->get_future();
  engine_->when_drained([done] { done->set_value(); });
  if (future.wait_for(timeout) != std::future_status::ready)
    return RuntimeResult::fail(RuntimeError::Timeout, "drain: not drained within the timeout");
  return RuntimeResult::success();
}

nlohmann::json PluginRuntime::status() const {
  nlohmann::json j;
  {
    std::lock_guard lock(state_mutex_);
    j["state"] = state_ == State::Created ? "created" : state_ == State::Started ? "started" : "stopped";
  }
  j["instance_name"] = config_.instance_name;
  j["abi"] = "1.0";
  j["store"] = store_ ? std::string(store_->backend_name()) : "";
  {
    std::lock_guard lock(rules_mutex_);
    j["rules"] = rules_.rules ? rules_.rules->rule_ids() : std::vector<std::string>{};
  }
  j["event_clock"] = format_rfc3339(engine_ ? engine_->event_clock_ms() : 0);
  nlohmann::json listeners = nlohmann::json::array();
  if (transport_)
    for (const auto& b : transport_->bound()) listeners.push_back({{"name", b.name}, {"adapter", b.adapter}, {"url", b.url}});
  j["listeners"] = std::move(listeners);
  j["metrics"] = metrics_.to_json();
  return j;
}

RuntimeResult PluginRuntime::import_history(const std::string& path, nlohmann::json& report) {
  try {
    ImportReport r = import_history_file(path, *store_, config_.engine.default_region, nullptr);
    report = import_report_json(r);
    if (!r.bad_lines.empty())
      return RuntimeResult::fail(RuntimeError::InvalidArgument,
                                 "import_history: " + std::to_string(r.bad_lines.size()) + " bad lines in " + path);
    return RuntimeResult::success();
  } catch (const std::exception& e) {
    return RuntimeResult::fail(RuntimeError::Unavailable, std::string("import_history: ") + e.what());
  }
}

RuntimeResult PluginRuntime::reload_rules() {
  Diagnostics diags;
  auto bundle = load_rule_bundle(config_, diags);
  if (!bundle) {
    log_->error("rule reload refused; the old rules keep running:\n{}", join_diagnostics(diags));
    return RuntimeResult::fail(RuntimeError::Config, join_diagnostics(diags));
  }
  {
    std::lock_guard lock(rules_mutex_);
    rules_ = *bundle;
  }
  engine_->swap_rules(std::move(*bundle));
  return RuntimeResult::success();
}

}  // namespace rightmoment
