// The C ABI of librightmoment.so (sdk/include/rightmoment/plugin.h). Every function here is a panic
// barrier: it validates its arguments, catches every exception, and turns it into a return code plus
// a message for last_error(). Nothing else in the library is exported.
#include <rightmoment/plugin.h>

#include <chrono>
#include <cstring>
#include <memory>
#include <string>

#include "plugin/runtime/host_callback_scope.hpp"
#include "plugin/runtime/plugin_runtime.hpp"

struct rm_plugin {
  std::unique_ptr<rightmoment::PluginRuntime> runtime;
  rm_host_callbacks callbacks{};
};

namespace {

using rightmoment::RuntimeError;
using rightmoment::RuntimeResult;

thread_local std::string t_last_error;

rm_status fail(rm_status status, std::string message) {
  t_last_error = std::move(message);
  return status;
}

rm_status to_status(const RuntimeResult& r) {
  if (r.ok()) {
    t_last_error.clear();
    return RM_OK;
  }
  t_last_error = r.message;
  switch (r.error) {
    case RuntimeError::InvalidArgument: return RM_ERR_INVALID_ARGUMENT;
    case RuntimeError::Config: return RM_ERR_CONFIG;
    case RuntimeError::State: return RM_ERR_STATE;
    case RuntimeError::Busy: return RM_ERR_BUSY;
    case RuntimeError::Timeout: return RM_ERR_TIMEOUT;
    case RuntimeError::Unavailable: return RM_ERR_UNAVAILABLE;
    default: return RM_ERR_INTERNAL;
  }
}

// Runs body, turning any exception into RM_ERR_INTERNAL.
template <typename Body>
rm_status guarded(const char* what, Body&& body) noexcept {
  try {
    return body();
  } catch (const std::exception& e) {
    return fail(RM_ERR_INTERNAL, std::string(what) + ": internal error: " + e.what());
  } catch (...) {
    return fail(RM_ERR_INTERNAL, std::string(what) + ": internal error");
  }
}

bool in_callback() { return rightmoment::inside_host_callback(); }

const char* api_last_error(void) { return t_last_error.c_str(); }

rm_status api_create(const rm_create_options* options, rm_plugin** out) {
  return guarded("create", [&]() -> rm_status {
    if (out) *out = nullptr;
    if (!options || !out) return fail(RM_ERR_INVALID_ARGUMENT, "create: options and out must not be NULL");
    if (options->struct_size < offsetof(rm_create_options, callbacks) + sizeof(options->callbacks))
      return fail(RM_ERR_INVALID_ARGUMENT, "create: options->struct_size is too small");
    bool has_path = options->config_path && options->config_path[0];
    bool has_text = options->config_text && options->config_text_len > 0;
    if (has_path == has_text)
      return fail(RM_ERR_INVALID_ARGUMENT, "create: set exactly one of config_path and config_text");

    auto plugin = std::make_unique<rm_plugin>();
    if (options->callbacks) {
      std::uint32_t n = options->callbacks->struct_size;
      if (n < sizeof(std::uint32_t)) return fail(RM_ERR_INVALID_ARGUMENT, "create: callbacks->struct_size is too small");
      std::memcpy(&plugin->callbacks, options->callbacks, std::min<std::size_t>(n, sizeof(rm_host_callbacks)));
      plugin->callbacks.struct_size = sizeof(rm_host_callbacks);
    }

    rightmoment::PluginConfig config;
    rightmoment::Diagnostics diags;
    bool ok = has_path ? rightmoment::load_plugin_config_file(options->config_path, config, diags)
                       : rightmoment::load_plugin_config_text(
                             std::string_view(options->config_text, options->config_text_len), "", config, diags);
    if (!ok) return fail(RM_ERR_CONFIG, rightmoment::join_diagnostics(diags));

    rightmoment::HostHooks hooks;
    rm_host_callbacks cb = plugin->callbacks;
    if (cb.log) {
      hooks.log = [cb](spdlog::level::level_enum level, std::string_view line) {
        rm_log_level l = RM_LOG_INFO;
        switch (level) {
          case spdlog::level::trace: l = RM_LOG_TRACE; break;
          case spdlog::level::debug: l = RM_LOG_DEBUG; break;
          case spdlog::level::info: l = RM_LOG_INFO; break;
          case spdlog::level::warn: l = RM_LOG_WARN; break;
          default: l = RM_LOG_ERROR; break;
        }
        rightmoment::HostCallbackScope scope;
        cb.log(cb.host_data, l, line.data(), line.size());
      };
    }
    if (cb.deliver_prompt) {
      hooks.deliver_prompt = [cb](std::string_view json) {
        rightmoment::HostCallbackScope scope;
        cb.deliver_prompt(cb.host_data, json.data(), json.size());
      };
    }
    RuntimeResult result;
    plugin->runtime = rightmoment::PluginRuntime::create(std::move(config), std::move(hooks), result);
    if (!plugin->runtime) return to_status(result);
    *out = plugin.release();
    t_last_error.clear();
    return RM_OK;
  });
}

rm_status api_start(rm_plugin* plugin) {
  return guarded("start", [&]() -> rm_status {
    if (!plugin) return fail(RM_ERR_INVALID_ARGUMENT, "start: plugin is NULL");
    if (in_callback()) return fail(RM_ERR_STATE, "start: not allowed from inside a callback");
    return to_status(plugin->runtime->start());
  });
}

rm_status api_stop(rm_plugin* plugin, uint32_t timeout_ms) {
  return guarded("stop", [&]() -> rm_status {
    if (!plugin) return fail(RM_ERR_INVALID_ARGUMENT, "stop: plugin is NULL");
    if (in_callback()) return fail(RM_ERR_STATE, "stop: not allowed from inside a callback");
    return to_status(plugin->runtime->stop(std::chrono::milliseconds(timeout_ms)));
  });
}

void api_destroy(rm_plugin* plugin) {
  if (!plugin) return;
  if (in_callback()) {
    t_last_error = "destroy: not allowed from inside a callback; the instance is left alive";
    return;
  }
  try {
    plugin->runtime->stop(std::chrono::milliseconds(5000));
  } catch (...) {
  }
  delete plugin;
}

rm_status api_submit_event(rm_plugin* plugin, const char* json, size_t len) {
  return guarded("submit_event", [&]() -> rm_status {
    if (!plugin || (!json && len)) return fail(RM_ERR_INVALID_ARGUMENT, "submit_event: plugin or json is NULL");
    return to_status(plugin->runtime->submit_event(std::string_view(json ? json : "", len)));
  });
}

rm_status api_submit_feedback(rm_plugin* plugin, const char* json, size_t len) {
  return guarded("submit_feedback", [&]() -> rm_status {
    if (!plugin || (!json && len)) return fail(RM_ERR_INVALID_ARGUMENT, "submit_feedback: plugin or json is NULL");
    return to_status(plugin->runtime->submit_feedback(std::string_view(json ? json : "", len)));
  });
}

rm_status api_drain(rm_plugin* plugin, uint32_t timeout_ms) {
  return guarded("drain", [&]() -> rm_status {
    if (!plugin) return fail(RM_ERR_INVALID_ARGUMENT, "drain: plugin is NULL");
    if (in_callback()) return fail(RM_ERR_STATE, "drain: not allowed from inside a callback (it would wait for itself)");
    return to_status(plugin->runtime->drain(std::chrono::milliseconds(timeout_ms)));
  });
}

rm_status api_read_status(rm_plugin* plugin, rm_write_fn write, void* ctx) {
  return guarded("read_status", [&]() -> rm_status {
    if (!plugin || !write) return fail(RM_ERR_INVALID_ARGUMENT, "read_status: plugin or write is NULL");
    std::string s = plugin->runtime->status().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    write(ctx, s.data(), s.size());
    t_last_error.clear();
    return RM_OK;
  });
}

rm_status api_import_history(rm_plugin* plugin, const char* path, rm_write_fn write, void* ctx) {
  return guarded("import_history", [&]() -> rm_status {
    if (!plugin || !path) return fail(RM_ERR_INVALID_ARGUMENT, "import_history: plugin or path is NULL");
    if (in_callback()) return fail(RM_ERR_STATE, "import_history: not allowed from inside a callback");
    nlohmann::json report;
    rm_status status = to_status(plugin->runtime->import_history(path, report));
    if (write && !report.is_null()) {
      std::string s = report.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      write(ctx, s.data(), s.size());
    }
    return status;
  });
}

rm_status api_reload_rules(rm_plugin* plugin) {
  return guarded("reload_rules", [&]() -> rm_status {
    if (!plugin) return fail(RM_ERR_INVALID_ARGUMENT, "reload_rules: plugin is NULL");
    if (in_callback()) return fail(RM_ERR_STATE, "reload_rules: not allowed from inside a callback");
    return to_status(plugin->runtime->reload_rules());
  });
}

rm_status api_mint_agent_link(rm_plugin* plugin, const char* agent_id, size_t agent_id_len, uint32_t ttl_seconds,
                              rm_write_fn write, void* ctx) {
  return guarded("mint_agent_link", [&]() -> rm_status {
    if (!plugin || !agent_id || !write) return fail(RM_ERR_INVALID_ARGUMENT, "mint_agent_link: plugin, agent_id or write is NULL");
    std::string url;
    rm_status status = to_status(plugin->runtime->mint_agent_link(std::string(agent_id, agent_id_len),
                                                                  std::chrono::seconds(ttl_seconds), url));
    if (status == RM_OK) write(ctx, url.data(), url.size());
    return status;
  });
}

rm_status api_mint_supervisor_link(rm_plugin* plugin, const char* supervisor_id, size_t supervisor_id_len,
                                   uint32_t ttl_seconds, rm_write_fn write, void* ctx) {
  return guarded("mint_supervisor_link", [&]() -> rm_status {
    if (!plugin || !supervisor_id || !write)
      return fail(RM_ERR_INVALID_ARGUMENT, "mint_supervisor_link: plugin, supervisor_id or write is NULL");
    std::string url;
    rm_status status = to_status(plugin->runtime->mint_supervisor_link(std::string(supervisor_id, supervisor_id_len),
                                                                       std::chrono::seconds(ttl_seconds), url));
    if (status == RM_OK) write(ctx, url.data(), url.size());
    return status;
  });
}

const rm_api kApi = {
    sizeof(rm_api),
    RM_ABI_MAJOR,
    RM_ABI_MINOR,
    RIGHTMOMENT_VERSION,
    api_last_error,
    api_create,
    api_start,
    api_stop,
    api_destroy,
    api_submit_event,
    api_submit_feedback,
    api_drain,
    api_read_status,
    api_import_history,
    api_reload_rules,
    api_mint_agent_link,
    api_mint_supervisor_link,
};

}  // namespace

extern "C" RM_EXPORT const rm_api* rightmoment_get_api(uint16_t host_abi_major, uint16_t host_abi_minor) {
  (void)host_abi_minor;  // any 1.y host reads only the fields inside struct_size
  if (host_abi_major != RM_ABI_MAJOR) {
    t_last_error = "rightmoment_get_api: this plugin implements ABI " + std::to_string(RM_ABI_MAJOR) + ".x, not " +
                   std::to_string(host_abi_major) + ".x";
    return nullptr;
  }
  return &kApi;
}
