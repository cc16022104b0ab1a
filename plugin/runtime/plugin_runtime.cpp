#include "plugin/runtime/plugin_runtime.hpp"

#include <atomic>
#include <condition_variable>
#include <future>

#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/sinks/syslog_sink.h>
#include <spdlog/spdlog.h>

#include "adapters/events/builtin_adapters.hpp"
#include "adapters/history/open_history_store.hpp"
#include "adapters/history/open_prompt_bus.hpp"
#include "plugin/core/error_reply.hpp"
#include "plugin/core/event_parser.hpp"
#include "plugin/runtime/host_log_sink.hpp"
#include "plugin/runtime/log_fields.hpp"
#include "plugin/runtime/masking_sink.hpp"
#include "plugin/runtime/prometheus.hpp"
#include "plugin/runtime/status_json.hpp"
#include "plugin/history/caching_history_store.hpp"
#include "plugin/history/history_importer.hpp"
#include "plugin/history/store_url.hpp"
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

// Counts each rule's run-time expression errors. The metrics outlive every rule set: the runtime owns
// both, and rules run only on its engine thread.
ExpressionErrorSink count_expression_errors(EngineMetrics& metrics) {
  return [&metrics](const std::string& rule_id) { metrics.expression_errors.add(rule_id); };
}

}  // namespace

std::optional<RuleBundle> load_rule_bundle(const PluginConfig& config, Diagnostics& diags,
                                           ExpressionErrorSink on_expression_error) {
  // Patterns and, when configured, the learned layer: a model that does not load refuses the whole
  // bundle, so a reload with a bad model keeps the old one running.
  LanguageOptions language{config.lexicon_dir, config.model_dir, config.intent_thresholds};
  std::shared_ptr<const LanguageAnalyzer> analyzer = load_language_analyzer(language, diags);
  if (!analyzer) return std::nullopt;
  auto rules = compile_rule_files(config.rule_files, *analyzer, diags, std::move(on_expression_error));
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
  auto bundle = load_rule_bundle(rt->config_, diags, count_expression_errors(rt->metrics_));
  if (!bundle) {
    result = RuntimeResult::fail(RuntimeError::Config, join_diagnostics(diags));
    return nullptr;
  }
  rt->rules_ = std::move(*bundle);
  try {
    rt->store_ = std::make_shared<CachingHistoryStore>(std::shared_ptr<HistoryStore>(open_history_store(rt->config_.store_url)));
  } catch (const std::exception& e) {
    result = RuntimeResult::fail(RuntimeError::Unavailable,
                                 "history store " + redact_store_url(rt->config_.store_url) + ": " + e.what());
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
    rt->delivery_->add_listener([hub](const DeliveredPrompt& p) { hub->on_prompt(p); });
    rt->delivery_->add_ended_listener([hub](const std::string& id) { hub->on_interaction_ended(id); });
  }
  try {
    rt->bus_ = open_prompt_bus(rt->config_.store_url, rt->config_.instance_name, rt->log_);
  } catch (const std::exception& e) {
    result = RuntimeResult::fail(RuntimeError::Unavailable, std::string("prompt bus: ") + e.what());
    return nullptr;
  }
  if (rt->bus_) rt->wire_prompt_bus();
  if (rt->config_.popup.enabled && rt->config_.popup.supervisor_enabled) rt->wire_supervisor_view();
  rt->outcomes_ = std::make_unique<OutcomeWriter>(rt->store_, o.outcome_queue_limit, rt->metrics_, rt->log_);
  rt->lookup_ = std::make_unique<HistoryLookup>(rt->store_, o.default_region, o.store_workers, 4096, rt->metrics_, rt->log_);
  rt->engine_ = std::make_unique<Engine>(o, rt->rules_, rt->metrics_, *rt->delivery_, *rt->outcomes_, *rt->lookup_, rt->log_);
  rt->transport_ = std::make_unique<TransportService>(*rt->engine_, builtin_adapters(), rt->log_, 1);
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
  if (bus_) bus_->start(bus_handlers_);
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
    if (bus_) bus_->stop();
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
  if (bus_) bus_->stop();  // after the last prompts and ends were handed to it
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
    return RuntimeResult::fail(RuntimeError::InvalidArgument, error_reply(*rejection));
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

StatusSnapshot PluginRuntime::snapshot() const {
  StatusSnapshot s;
  s.state = state_.load();
  s.instance_name = config_.instance_name;
  s.store = store_ ? std::string(store_->backend_name()) : "";
  {
    std::lock_guard lock(rules_mutex_);
    if (rules_.rules) s.rules = rules_.rules->rule_ids();
  }
  s.event_clock_ms = engine_ ? engine_->event_clock_ms() : 0;
  if (transport_) {
    s.listeners = transport_->bound();
    s.transport = transport_->stats();
  }
  s.listeners_configured = config_.listeners.size();
  s.metrics = metrics_.snapshot();
  if (auto sdk = sdk_events_by_type_.snapshot(); !sdk.empty()) s.transport.events_by_adapter["sdk"] = std::move(sdk);
  // start() sets the web servers up before it publishes State::Started; until then (a callback may
  // read the status during start) they are not read.
  bool servers_set = s.state != State::Created;
  if (popup_hub_) s.popup = PopupStatus{servers_set && popup_server_ ? popup_server_->base_url() : "", popup_hub_->stats()};
  if (popup_hub_ && supervisor_hub_) s.supervisor = supervisor_hub_->stats();
  if (bus_) s.bus = BusStatus{bus_->host_id(), bus_->stats()};
  if (servers_set && admin_server_) s.admin_url = admin_server_->base_url();
  if (servers_set && webhook_server_) s.webhooks = WebhookStatus{webhook_server_->base_url(), webhook_server_->stats()};
  s.host_log_lines_dropped = log_forwarder_ ? log_forwarder_->lines_dropped() : 0;
  return s;
}

nlohmann::json PluginRuntime::status() const { return status_json(snapshot()); }

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
  auto bundle = load_rule_bundle(config_, diags, count_expression_errors(metrics_));
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
    if (supervisor_hub_) routes->set_supervisor_hub(supervisor_hub_);
    popup_server_ = std::make_unique<HttpServer>(config_.popup.server, routes, log_);
    if (!popup_server_->start(error)) {
      popup_server_.reset();
      return false;
    }
  }
  if (config_.admin.enabled) {
    AdminRoutes::Pages pages{
        [this] { return not_ready_reasons(snapshot()); }, [this] { return render_prometheus(snapshot()); },
        [this] { return status().dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n"; }};
    admin_server_ = std::make_unique<HttpServer>(config_.admin.server, std::make_shared<AdminRoutes>(std::move(pages)), log_);
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
      auto adapter = builtin_adapters().make_webhook_adapter(e.adapter, options, why);
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

// Several hosts as one contact centre: this host's prompts, ends and answers go out on the bus, and
// what other hosts say comes in to the pop-up hub, the engine (answers to its prompts) and the cache.
void PluginRuntime::wire_prompt_bus() {
  PromptBus* bus = bus_.get();
  const std::string self_id = bus->host_id();
  delivery_->add_listener([bus, self_id](const DeliveredPrompt& p) {
    if (p.agent_id.empty()) return;
    nlohmann::json j = nlohmann::json::parse(p.json, nullptr, false);
    if (j.is_object() && j.contains("prompt_id") && j["prompt_id"].is_string())
      bus->publish_prompt(BusCard{j["prompt_id"].get<std::string>(), p.interaction_id, p.agent_id, self_id, p.json, 0});
  });
  delivery_->add_ended_listener([bus](const std::string& id) { bus->publish_ended(id); });
  auto cache = std::dynamic_pointer_cast<CachingHistoryStore>(store_);
  bus_handlers_.on_contact = [cache](const std::string& customer_id) {
    if (cache) cache->forget_customer(customer_id);
  };
  bus_handlers_.on_answer = [this](const std::string& json) {
    RuntimeResult r = submit_feedback(json);
    if (!r.ok()) log_->warn("prompt bus: an answer from another host's page was refused: {}", r.message);
  };
  if (!popup_hub_) return;
  auto hub = popup_hub_;
  hub->set_peers(PopupHubPeers{
      [bus](const std::string& owner, const std::string& json) { return bus->send_answer(owner, json); },
      [bus](const std::string& agent, const std::string& prompt, const std::string& action, std::int64_t until) {
        bus->publish_card_updated(agent, prompt, action, until);
      },
      [bus](const std::string& agent) { bus->catch_up(agent); }});
  // A card this host took over (its call goes on here now) is this host's own: no owner to route to.
  bus_handlers_.on_prompt = [hub, self_id](const BusCard& c) {
    hub->on_prompt(c.json, c.interaction_id, c.agent_id, c.owner == self_id ? std::string() : c.owner, c.snoozed_until_ms);
  };
  bus_handlers_.on_ended = [hub](const std::string& id) { hub->on_interaction_ended(id); };
  bus_handlers_.on_card_updated = [hub](const std::string& agent, const std::string& prompt, const std::string& action,
                                        std::int64_t until) { hub->on_remote_update(agent, prompt, action, until); };
  bus_handlers_.agents_with_pages = [hub] { return hub->agents_with_pages(); };
}

// The supervisor view: this host's calls from its engine, the others' from the bus.
void PluginRuntime::wire_supervisor_view() {
  PromptBus* bus = bus_.get();
  SupervisorHub::Publish publish;
  if (bus)
    publish = [bus](const std::string& id, const std::string& json, bool ended) { bus->publish_live(id, json, ended); };
  supervisor_hub_ = std::make_shared<SupervisorHub>(config_.popup.supervisor, bus ? bus->host_id() : config_.instance_name,
                                                    std::move(publish));
  auto hub = supervisor_hub_;
  delivery_->add_listener([hub](const DeliveredPrompt& p) { hub->on_prompt(p); });
  delivery_->add_live_listener([hub](const LiveUpdate& u) { hub->on_live(u); });
  if (bus) bus_handlers_.on_live = [hub](const std::string& json) { hub->on_remote(json); };
}

void PluginRuntime::stop_web() {
  if (popup_server_) popup_server_->stop();
  if (admin_server_) admin_server_->stop();
  if (webhook_server_) webhook_server_->stop();
}

RuntimeResult PluginRuntime::mint_agent_link(const std::string& agent_id, std::chrono::seconds ttl, std::string& url) const {
  return mint_link("mint_agent_link", "/agent", "", agent_id, ttl, url);
}

RuntimeResult PluginRuntime::mint_supervisor_link(const std::string& supervisor_id, std::chrono::seconds ttl, std::string& url) const {
  return mint_link("mint_supervisor_link", "/supervisor", "supervisor", supervisor_id, ttl, url);
}

RuntimeResult PluginRuntime::mint_link(const char* what, const std::string& path, const std::string& role, const std::string& id,
                                       std::chrono::seconds ttl, std::string& url) const {
  const std::string fn(what);
  if (!config_.popup.enabled || !link_signer_)
    return RuntimeResult::fail(RuntimeError::Config, fn + ": the pop-up is not configured (\"popup\" in the configuration)");
  if (!role.empty() && !config_.popup.supervisor_enabled)
    return RuntimeResult::fail(RuntimeError::Config, fn + ": the supervisor page is not configured (\"popup\": {\"supervisor\": {...}})");
  if (id.empty() || id.size() > 128)
    return RuntimeResult::fail(RuntimeError::InvalidArgument, fn + ": " + (role.empty() ? "agent_id" : role + "_id") + " must be 1..128 bytes");
  std::string base = config_.popup.public_url;
  if (base.empty()) {
    std::lock_guard lock(state_mutex_);
    if (state_ != State::Started || !popup_server_)  // popup_server_ is set before Started is published
      return RuntimeResult::fail(RuntimeError::State,
                                 fn + ": not started, so the page's address is not known yet (or set popup.public_url)");
    base = popup_server_->base_url();
  }
  while (!base.empty() && base.back() == '/') base.pop_back();
  if (ttl.count() <= 0) ttl = config_.popup.link_ttl;
  url = base + path + "?" + link_signer_->query_for(id, ttl, role);
  return RuntimeResult::success();
}

}  // namespace rightmoment
