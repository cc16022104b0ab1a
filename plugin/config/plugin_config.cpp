#include "plugin/config/plugin_config.hpp"

#include <filesystem>

#include "plugin/config/config_reader.hpp"
#include "plugin/config/transport_config_reader.hpp"
#include "plugin/config/web_config_reader.hpp"
#include "plugin/history/store_url.hpp"

namespace rightmoment {
namespace fs = std::filesystem;

std::string resolve_config_path(const std::string& base_dir, const std::string& path) {
  if (path.empty()) return path;
  fs::path p(path);
  if (p.is_absolute()) return p.lexically_normal().string();
  return (fs::path(base_dir) / p).lexically_normal().string();
}

namespace {

// "sqlite:relative.db" and bare paths resolve against the config's folder; URLs stay as they are.
std::string resolve_store_url(const std::string& base_dir, const std::string& url) {
  StoreUrl parsed = parse_store_url(url);
  if (parsed.backend == StoreUrl::Backend::Postgres) return url;
  return "sqlite://" + resolve_config_path(base_dir, parsed.sqlite_path);
}

bool parse(const JsoncDocument& doc, const std::string& base_dir, PluginConfig& out, Diagnostics& diags) {
  std::size_t before = diags.size();
  ConfigReader r(doc, diags);
  out.source = doc.file();
  out.base_dir = base_dir;
  if (!doc.root().is_object()) {
    r.error("", "the configuration must be a JSON object");
    return false;
  }
  r.check_object("", {"instance_name", "log", "history", "rules", "engine", "listeners", "clients", "outcome", "popup", "admin", "webhooks"});
  r.read_string("/instance_name", out.instance_name);

  r.check_object("/log", {"level", "format", "host", "stderr", "file", "file_max_bytes", "file_max_files", "syslog"});
  r.read_enum("/log/level", out.log.level, {"trace", "debug", "info", "warn", "error", "off"});
  r.read_enum("/log/format", out.log.format, {"text", "json"});
  r.read_bool("/log/host", out.log.to_host);
  r.read_bool("/log/stderr", out.log.to_stderr);
  if (r.read_string("/log/file", out.log.file) && !out.log.file.empty())
    out.log.file = resolve_config_path(base_dir, out.log.file);
  r.read_size("/log/file_max_bytes", out.log.file_max_bytes, 4096, std::size_t(1) << 40);
  r.read_size("/log/file_max_files", out.log.file_max_files, 1, 1000);
  r.read_bool("/log/syslog", out.log.to_syslog);

  r.check_object("/history", {"store", "default_region", "lookup_budget_ms", "workers"});
  std::string store = "sqlite:rightmoment.db";
  r.read_string("/history/store", store);
  out.store_url = resolve_store_url(base_dir, store);
  r.read_string("/history/default_region", out.engine.default_region);
  if (out.engine.default_region.size() != 2) r.error("/history/default_region", "must be a two-letter region code such as US or GB");
  r.read_int("/history/lookup_budget_ms", out.engine.lookup_budget_ms, 1, 60000);
  r.read_size("/history/workers", out.engine.store_workers, 1, 64);

  r.check_object("/rules", {"files", "lexicons", "models", "intent_thresholds", "max_prompts_per_interaction", "holdout_percent"});
  std::vector<std::string> rule_files{"rules/default.rules.jsonc"};
  r.read_string_list("/rules/files", rule_files);
  out.rule_files.clear();
  for (const auto& f : rule_files) out.rule_files.push_back(resolve_config_path(base_dir, f));
  std::string lexicons = "lexicons";
  r.read_string("/rules/lexicons", lexicons);
  out.lexicon_dir = resolve_config_path(base_dir, lexicons);
  // The learned language layer (docs/language.md): a folder with language.jsonc; absent = patterns only.
  std::string models;
  r.read_string("/rules/models", models);
  out.model_dir = models.empty() ? "" : resolve_config_path(base_dir, models);
  out.intent_thresholds.clear();
  if (const auto* t = r.at("/rules/intent_thresholds")) {
    if (!t->is_object()) {
      r.error("/rules/intent_thresholds", "must map intents to thresholds between 0 and 1");
    } else {
      for (const auto& [intent, value] : t->items()) {
        std::string key = "/rules/intent_thresholds/" + intent;
        if (!value.is_number() || value.get<double>() < 0 || value.get<double>() > 1) r.error(key, "must be a number between 0 and 1");
        else if (out.model_dir.empty()) r.error(key, "a threshold of the learned layer, which needs rules.models");
        else out.intent_thresholds[intent] = value.get<double>();
      }
    }
  }
  std::int64_t cap = out.engine.max_prompts_per_interaction, holdout = out.engine.holdout_percent;
  r.read_int("/rules/max_prompts_per_interaction", cap, 1, 1000);
  r.read_int("/rules/holdout_percent", holdout, 0, 100);
  out.engine.max_prompts_per_interaction = static_cast<int>(cap);
  out.engine.holdout_percent = static_cast<int>(holdout);

  r.check_object("/engine", {"inbox_limit", "delivery_queue_limit", "outcome_queue_limit", "idle_clock_grace_ms",
                             "parked_events_limit", "max_interactions", "interaction_idle_timeout_s",
                             "seen_event_ids_per_interaction", "max_agents_per_interaction",
                             "process_on_io_thread"});
  r.read_size("/engine/inbox_limit", out.engine.inbox_limit, 16, 10'000'000);
  r.read_size("/engine/delivery_queue_limit", out.engine.delivery_queue_limit, 16, 10'000'000);
  r.read_size("/engine/outcome_queue_limit", out.engine.outcome_queue_limit, 16, 10'000'000);
  r.read_int("/engine/idle_clock_grace_ms", out.engine.idle_clock_grace_ms, 0, 3'600'000);
  r.read_size("/engine/parked_events_limit", out.engine.parked_events_limit, 1, 1'000'000);
  r.read_size("/engine/max_interactions", out.engine.max_interactions, 1, 100'000'000);
  r.read_size("/engine/seen_event_ids_per_interaction", out.engine.seen_event_ids_per_interaction, 16, 1'000'000);
  r.read_size("/engine/max_agents_per_interaction", out.engine.max_agents_per_interaction, 1, 10'000);
  r.read_bool("/engine/process_on_io_thread", out.engine.process_on_io_thread);
  std::int64_t idle_s = out.engine.interaction_idle_timeout_ms / 1000;
  r.read_int("/engine/interaction_idle_timeout_s", idle_s, 60, 30 * 86400);
  out.engine.interaction_idle_timeout_ms = idle_s * 1000;

  r.check_object("/outcome", {"store_transcripts"});
  r.read_bool("/outcome/store_transcripts", out.engine.store_transcripts);

  read_transport_config(r, base_dir, out.listeners, out.clients);
  read_web_config(r, base_dir, out.popup, out.admin);
  read_webhooks_config(r, base_dir, out.webhooks);
  return diags.size() == before;
}

}  // namespace

bool load_plugin_config_file(const std::string& path, PluginConfig& out, Diagnostics& diags) {
  auto doc = JsoncDocument::load(path, diags);
  if (!doc) return false;
  std::string base = fs::absolute(fs::path(path)).parent_path().string();
  return parse(*doc, base, out, diags);
}

bool load_plugin_config_text(std::string_view text, const std::string& base_dir, PluginConfig& out, Diagnostics& diags) {
  auto doc = JsoncDocument::parse(text, "<config text>", diags);
  if (!doc) return false;
  return parse(*doc, base_dir.empty() ? fs::current_path().string() : base_dir, out, diags);
}

}  // namespace rightmoment
