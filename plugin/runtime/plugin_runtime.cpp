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
#include "plugin/runtime/log_fields.hpp"
#include "plugin/runtime/masking_sink.hpp"
#include "plugin/history/caching_history_store.hpp"
#include "plugin/history/history_importer.hpp"
#include "plugin/transport/transport_service.hpp"
#include "plugin/web/admin_routes.hpp"
#include "plugin/web/agent_link.hpp"
#include "plugin/web/http_server.hpp"
#include "plugin/web/popup_hub.hpp"
#include "plugin/web/popup_routes.hpp"
#include "plugin/web/webhook_routes.hpp"

namespace rightmoment {
namespace {

std::atomic<std::uint64_t> g_instance_counter{0};

// Lines waiting for the host's log callback; past this the newest are dropped and counted.
constexpr std::size_t kHostLogQueueLimit = 8192;

std::shared_ptr<spdlog::logger> make_logger(const PluginConfig& config, const std::shared_ptr<HostLogForwarder>& to_host) {
  std::vector<spdlog::sink_ptr> sinks;
  bool json = config.log.format == "json";
  const char* pattern = "%Y-%m-%dT%H:%M:%S.%e %l %n: %v";
  if (to_host) sinks.push_back(std::make_shared<HostLogSink>(to_host, json));
  if (config.log.to_stderr) {
    auto s = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    sinks.push_back(s);
  }
  if (!config.log.file.empty()) {
    sinks.push_back(std::make_shared<spdlog::sinks::rotating_file_sink_mt>(config.log.file, config.log.file_max_bytes,
                                                                           config.log.file_max_files));
  }
  if (config.log.to_syslog) sinks.push_back(std::make_shared<spdlog::sinks::syslog_sink_mt>("rightmoment", 0, LOG_USER, true));
  for (auto& s : sinks) {
    if (std::dynamic_pointer_cast<HostLogSink>(s)) continue;
    if (json) s->set_formatter(std::make_unique<JsonLogFormatter>());
    else s->set_pattern(pattern);
  }
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
  // Patterns and, when configured, the learned layer: a model that does not load refuses the whole
  // bundle, so a reload with a bad model keeps the old one running.
  LanguageOptions language{config.lexicon_dir, config.model_dir, config.intent_thresholds};
  std::shared_ptr<const LanguageAnalyzer> analyzer = load_language_analyzer(language, diags);
  if (!analyzer) return std::nullopt;
  auto rules = compile_rule_files(config.rule_files, *analyzer, diags);
  if (!rules) return std::nullopt;
  return RuleBundle{std::move(rules), std::move(analyzer)};
}

PluginRuntime::PluginRuntime(PluginConfig config, HostHooks hooks)
    : config_(std::move(config)), hooks_(std::move(hooks)) {}

std::unique_ptr<PluginRuntime> PluginRuntime::create(PluginConfig config, HostHooks hooks, RuntimeResult& result) {
  std::unique_ptr<PluginRuntime> rt(new PluginRuntime(std::move(config), std::move(hooks)));
  if (rt->config_.log.to_host && rt->hooks_.log)
    rt->log_forwarder_ = std::make_shared<HostLogForwarder>(rt->hooks_.log, kHostLogQueueLimit);
  rt->log_ = make_logger(rt->config_, rt->log_forwarder_);
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
  if (rt->config_.popup.enabled) {
    rt->link_signer_ = std::make_shared<AgentLinkSigner>(rt->config_.popup.link_secret);
    if (rt->config_.popup.link_secret.empty())
      rt->log_->warn("pop-up: no link_secret configured; links are signed with a random key and die with this process");
    PluginRuntime* self = rt.get();
    rt->popup_hub_ = std::make_shared<PopupHub>(rt->config_.popup.hub, [self](const std::string& json) -> std::optional<std::string> {
      RuntimeResult r = self->submit_feedback(json);
      if (r.ok()) return std::nullopt;
      return r.message;
    });
    auto hub = rt->popup_hub_;
    rt->delivery_->add_listener([hub](const DeliveredPrompt& p) { hub->on_prompt(p.json, p.interaction_id, p.agent_id); });
    rt->delivery_->add_ended_listener([hub](const std::string& id) { hub->on_interaction_ended(id); });
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

PluginRuntime::~PluginRuntime() {
  stop(std::chrono::milliseconds(5000));
  // The last lines reach the host now, while every part they might call back into is alive; after
  // this no callback runs (plugin.h: destroy).
  if (log_forwarder_) log_forwarder_->close();
}

// start() and stop() are serialised by lifecycle_mutex_, which no other entry point takes; state_mutex_
// is held only for a transition, never across a wait, so a callback that calls submit_event or
// mint_agent_link while stop() waits for the delivery thread goes through.
RuntimeResult PluginRuntime::start() {
  std::lock_guard lifecycle(lifecycle_mutex_);
  {
    std::lock_guard lock(state_mutex_);
    if (state_ != State::Created) return RuntimeResult::fail(RuntimeError::State, "start: the plugin was already started");
  }
  delivery_->start();
  outcomes_->start();
  lookup_->start();
  engine_->start();
  std::string error;
  // Either failure leaves nothing of its own running; TransportService::stop is safe when it did.
  if (!transport_->start(config_.listeners, config_.clients, error) || !start_web(error)) {
    transport_->stop();
    engine_->stop(std::chrono::milliseconds(0));
    lookup_->stop();
    outcomes_->stop(std::chrono::milliseconds(1000));
    delivery_->stop(std::chrono::steady_clock::now());
    set_state(State::Stopped);
    return RuntimeResult::fail(RuntimeError::Unavailable, "start: " + error);
  }
  for (const auto& b : transport_->bound()) log_->info("listening {} {}", b.adapter, b.url);
  if (popup_server_) log_->info("pop-up page at {}/agent (links from mint_agent_link)", popup_server_->base_url());
  if (admin_server_) log_->info("admin endpoints at {}/healthz, /readyz, /metrics", admin_server_->base_url());
  if (webhook_server_)
    for (const auto& e : config_.webhooks.endpoints) log_->info("webhook {} at {}{}", e.adapter, webhook_server_->base_url(), e.path);
  set_state(State::Started);
  return RuntimeResult::success();
}

void PluginRuntime::set_state(State s) {
  std::lock_guard lock(state_mutex_);
  state_ = s;
}

RuntimeResult PluginRuntime::stop(std::chrono::milliseconds drain_timeout) {
  std::lock_guard lifecycle(lifecycle_mutex_);
  {
    std::lock_guard lock(state_mutex_);
    if (state_ != State::Started) {
      state_ = State::Stopped;
      return RuntimeResult::success();
    }
    state_ = State::Stopping;  // submit_event and friends answer "not started" from here on
  }
  using Clock = std::chrono::steady_clock;
  auto deadline = Clock::now() + drain_timeout;
  auto left = [&] { return std::max(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()),
                                    std::chrono::milliseconds(0)); };
  transport_->stop();  // no new events
  if (webhook_server_) webhook_server_->stop();
  if (popup_server_) popup_server_->stop();  // pages reconnect to another host, or later
  engine_->stop(left());
  lookup_->stop();       // answers nobody waits for any more are not looked up
  bool delivered = delivery_->stop(deadline);  // what is queued, until the deadline
  bool flushed = outcomes_->stop(left());
  if (admin_server_) admin_server_->stop();  // last: a scraper sees the drain
  set_state(State::Stopped);
  log_->info("stopped");
  log_->flush();
  if (log_forwarder_) log_forwarder_->flush(std::max(deadline, Clock::now() + std::chrono::milliseconds(100)));
  if (!delivered || !flushed)
    return RuntimeResult::fail(RuntimeError::Timeout,
                               std::string("stop: did not drain within the timeout (") +
                                   (!delivered ? "prompts were still waiting for delivery; they were dropped and counted"
                                               : "outcome records were still being written; they were dropped and counted") +
                                   "); everything is stopped");
  return RuntimeResult::success();
}

RuntimeResult PluginRuntime::submit_event(std::string_view json) {
  ParsedEvent parsed = parse_canonical_event(json, EventLimits{});
  if (auto* rejection = std::get_if<EventRejection>(&parsed)) {
    metrics_.rejections_by_code.add(rejection->code);
    return RuntimeResult::fail(RuntimeError::InvalidArgument, error_json(*rejection));
  }
  if (state_ != State::Started) return RuntimeResult::fail(RuntimeError::State, "submit_event: the plugin is not started");
  auto& event = std::get<CanonicalEvent>(parsed);
  std::string type = event.type == EventType::Unknown ? "unknown" : std::string(event_type_name(event.type));
  if (!engine_->try_submit(std::move(event)))
    return RuntimeResult::fail(RuntimeError::Busy, "submit_event: the engine's inbox is full; try again shortly");
  sdk_events_by_type_.add(type);
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
  if (state_ != State::Started) return RuntimeResult::success();
  auto done = std::make_shared<std::promise<void>>();
  auto future = done->get_future();
  engine_->when_drained([done] { done->set_value(); });
  if (future.wait_for(timeout) != std::future_status::ready)
    return RuntimeResult::fail(RuntimeError::Timeout, "drain: not drained within the timeout");
  return RuntimeResult::success();
}

nlohmann::json PluginRuntime::status() const {
  nlohmann::json j;
  State state = state_.load();
  j["state"] = state == State::Created ? "created" : state == State::Started ? "started" : state == State::Stopping ? "stopping" : "stopped";
  j["instance_name"] = config_.instance_name;
  j["abi"] = "1.1";
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
  j["listeners_configured"] = config_.listeners.size();
  j["metrics"] = metrics_.to_json();
  nlohmann::json transport = nlohmann::json::object();
  if (transport_) {
    TransportStats st = transport_->stats();
    transport = {{"connections_open", st.connections_open},
                 {"connections_accepted", st.connections_accepted},
                 {"connections_refused", st.connections_refused},
                 {"messages_in", st.messages_in},
                 {"binary_frames_in", st.binary_frames_in},
                 {"slow_consumers_disconnected", st.slow_consumers_disconnected},
                 {"client_reconnects", st.client_reconnects},
                 {"messages_by_adapter", st.messages_by_adapter},
                 {"events_by_adapter", st.events_by_adapter}};
  }
  if (auto sdk = sdk_events_by_type_.snapshot(); !sdk.empty()) transport["events_by_adapter"]["sdk"] = sdk;
  j["transport"] = std::move(transport);
  // start() sets the web servers up before it publishes State::Started; until then (a callback may
  // read the status during start) they are not read.
  bool servers_set = state != State::Created;
  if (popup_hub_) {
    PopupHubStats ps = popup_hub_->stats();
    j["popup"] = {{"url", servers_set && popup_server_ ? popup_server_->base_url() : ""},
                  {"pages_open", ps.pages_open},
                  {"agents_with_cards", ps.agents_with_cards},
                  {"cards_active", ps.cards_active},
                  {"feedback_accepted", ps.feedback_accepted},
                  {"feedback_refused", ps.feedback_refused},
                  {"cards_evicted", ps.cards_evicted}};
  }
  if (servers_set && admin_server_) j["admin"] = {{"url", admin_server_->base_url()}};
  if (servers_set && webhook_server_) {
    HttpServerStats ws = webhook_server_->stats();
    j["webhooks"] = {{"url", webhook_server_->base_url()}, {"requests", ws.requests}, {"refused", ws.refused}};
  }
  j["log"] = {{"host_lines_dropped", log_forwarder_ ? log_forwarder_->lines_dropped() : 0}};
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

bool PluginRuntime::start_web(std::string& error) {
  if (config_.popup.enabled) {
    auto routes = std::make_shared<PopupRoutes>(config_.popup, link_signer_, popup_hub_, log_);
    popup_server_ = std::make_unique<HttpServer>(config_.popup.server, routes, log_);
    if (!popup_server_->start(error)) {
      popup_server_.reset();
      return false;
    }
  }
  if (config_.admin.enabled) {
    admin_server_ = std::make_unique<HttpServer>(config_.admin.server, std::make_shared<AdminRoutes>([this] { return status(); }), log_);
    if (!admin_server_->start(error)) {
      admin_server_.reset();
      stop_web();
      return false;
    }
  }
  if (config_.webhooks.enabled) {
    std::vector<WebhookRoutes::Endpoint> endpoints;
    for (const auto& e : config_.webhooks.endpoints) {
      AdapterOptions options;
      options.settings = e.settings;
      std::string why;
      auto adapter = make_webhook_adapter(e.adapter, options, why);
      if (!adapter) {
        error = "webhook endpoint '" + e.name + "': " + why;
        stop_web();
        return false;
      }
      endpoints.push_back(WebhookRoutes::Endpoint{e.name, e.path, std::move(adapter)});
    }
    auto routes = std::make_shared<WebhookRoutes>(std::move(endpoints), *engine_, log_);
    webhook_server_ = std::make_unique<HttpServer>(config_.webhooks.server, routes, log_);
    if (!webhook_server_->start(error)) {
      webhook_server_.reset();
      stop_web();
      return false;
    }
  }
  return true;
}

void PluginRuntime::stop_web() {
  if (popup_server_) popup_server_->stop();
  if (admin_server_) admin_server_->stop();
  if (webhook_server_) webhook_server_->stop();
}

RuntimeResult PluginRuntime::mint_agent_link(const std::string& agent_id, std::chrono::seconds ttl, std::string& url) const {
  if (!config_.popup.enabled || !link_signer_)
    return RuntimeResult::fail(RuntimeError::Config, "mint_agent_link: the pop-up is not configured (\"popup\" in the configuration)");
  if (agent_id.empty() || agent_id.size() > 128)
    return RuntimeResult::fail(RuntimeError::InvalidArgument, "mint_agent_link: agent_id must be 1..128 bytes");
  std::string base = config_.popup.public_url;
  if (base.empty()) {
    std::lock_guard lock(state_mutex_);
    if (state_ != State::Started || !popup_server_)  // popup_server_ is set before Started is published
      return RuntimeResult::fail(RuntimeError::State,
                                 "mint_agent_link: not started, so the page's address is not known yet (or set popup.public_url)");
    base = popup_server_->base_url();
  }
  while (!base.empty() && base.back() == '/') base.pop_back();
  if (ttl.count() <= 0) ttl = config_.popup.link_ttl;
  url = base + "/agent?" + link_signer_->query_for(agent_id, ttl);
  return RuntimeResult::success();
}

}  // namespace rightmoment
