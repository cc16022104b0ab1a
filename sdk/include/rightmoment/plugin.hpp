// A header-only C++17 wrapper over plugin.h for hosts: RAII loading and unloading of the library, the
// ABI version check, std::string_view in, std::function callbacks, errors as exceptions (on the host's
// side of the boundary; the plugin itself never throws across it).
//
//   rightmoment::sdk::Library lib("/opt/rightmoment/lib/librightmoment.so");
//   rightmoment::sdk::Plugin plugin(lib, rightmoment::sdk::ConfigFile{"/etc/rightmoment.jsonc"},
//       {.on_prompt = [](std::string_view json) { show(json); }});
//   plugin.start();
//   plugin.submit_event(R"({"event_id":"e1", ...})");
#ifndef RIGHTMOMENT_PLUGIN_HPP
#define RIGHTMOMENT_PLUGIN_HPP

#include <dlfcn.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "rightmoment/plugin.h"

namespace rightmoment::sdk {

class Error : public std::runtime_error {
 public:
  Error(rm_status status, const std::string& message) : std::runtime_error(message), status_(status) {}
  rm_status status() const noexcept { return status_; }

 private:
  rm_status status_;
};

// The loaded shared library. Keep it alive longer than every Plugin made from it.
class Library {
 public:
  explicit Library(const std::string& path) {
    handle_ = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle_) {
      const char* why = ::dlerror();
      throw Error(RM_ERR_UNAVAILABLE, "cannot load " + path + ": " + (why ? why : "unknown error"));
    }
    auto entry = reinterpret_cast<rm_get_api_fn>(::dlsym(handle_, RM_ENTRY_SYMBOL));
    if (!entry) {
      ::dlclose(handle_);
      throw Error(RM_ERR_UNAVAILABLE, path + " has no " RM_ENTRY_SYMBOL " entry point");
    }
    api_ = entry(RM_ABI_MAJOR, RM_ABI_MINOR);
    if (!api_ || api_->abi_major != RM_ABI_MAJOR) {
      ::dlclose(handle_);
      throw Error(RM_ERR_VERSION, path + " does not implement RightMoment ABI " + std::to_string(RM_ABI_MAJOR) + ".x");
    }
  }
  ~Library() {
    if (handle_) ::dlclose(handle_);
  }
  Library(const Library&) = delete;
  Library& operator=(const Library&) = delete;

  const rm_api& api() const noexcept { return *api_; }
  // Whether the plugin has the function at this offset (for functions appended in later minors).
  bool has(std::size_t offset_of_member) const noexcept { return offset_of_member < api_->struct_size; }
  std::string version() const { return api_->plugin_version ? api_->plugin_version : ""; }

 private:
  void* handle_ = nullptr;
  const rm_api* api_ = nullptr;
};

struct ConfigFile {
  std::string path;
};
struct ConfigText {
  std::string text;
};

struct Callbacks {
  // Delivery thread; copy the JSON if it must outlive the call.
  std::function<void(std::string_view json)> on_prompt;
  // Any plugin thread, possibly concurrently.
  std::function<void(rm_log_level level, std::string_view line)> on_log;
};

class Plugin {
 public:
  template <typename Config>
  Plugin(const Library& lib, const Config& config, Callbacks callbacks = {})
      : api_(&lib.api()), callbacks_(std::make_unique<Callbacks>(std::move(callbacks))) {
    rm_host_callbacks cb{};
    cb.struct_size = sizeof cb;
    cb.host_data = callbacks_.get();
    cb.log = &Plugin::log_trampoline;
    cb.deliver_prompt = &Plugin::prompt_trampoline;
    rm_create_options options{};
    options.struct_size = sizeof options;
    if constexpr (std::is_same_v<Config, ConfigFile>) {
      options.config_path = config.path.c_str();
    } else {
      options.config_text = config.text.data();
      options.config_text_len = config.text.size();
    }
    options.callbacks = &cb;
    check(api_->create(&options, &plugin_));
  }
  ~Plugin() {
    if (plugin_) api_->destroy(plugin_);
  }
  Plugin(const Plugin&) = delete;
  Plugin& operator=(const Plugin&) = delete;

  void start() { check(api_->start(plugin_)); }
  void stop(std::uint32_t timeout_ms = 5000) { check(api_->stop(plugin_, timeout_ms)); }
  // Returns the status instead of throwing for the expected refusals (bad event, busy).
  rm_status submit_event(std::string_view json) { return api_->submit_event(plugin_, json.data(), json.size()); }
  void submit_feedback(std::string_view json) { check(api_->submit_feedback(plugin_, json.data(), json.size())); }
  void drain(std::uint32_t timeout_ms) { check(api_->drain(plugin_, timeout_ms)); }
  std::string status_json() const {
    std::string out;
    check(api_->read_status(plugin_, &append_to_string, &out));
    return out;
  }
  // Returns the import report (JSON); throws only when the store or the file cannot be used.
  std::string import_history(const std::string& path, rm_status* status = nullptr) {
    std::string out;
    rm_status s = api_->import_history(plugin_, path.c_str(), &append_to_string, &out);
    if (status) *status = s;
    if (s != RM_OK && s != RM_ERR_INVALID_ARGUMENT) check(s);
    return out;
  }
  void reload_rules() { check(api_->reload_rules(plugin_)); }
  // The signed address of an agent's pop-up page (ABI 1.1; throws Error with RM_ERR_VERSION on an
  // older plugin).
  std::string mint_agent_link(std::string_view agent_id, std::uint32_t ttl_seconds = 0) {
    if (offsetof(rm_api, mint_agent_link) >= api_->struct_size)
      throw Error(RM_ERR_VERSION, "mint_agent_link: this plugin implements ABI 1.0");
    std::string out;
    check(api_->mint_agent_link(plugin_, agent_id.data(), agent_id.size(), ttl_seconds, append_to_string, &out));
    return out;
  }
  // The signed address of a supervisor's page (ABI 1.2; throws Error with RM_ERR_VERSION on an
  // older plugin).
  std::string mint_supervisor_link(std::string_view supervisor_id, std::uint32_t ttl_seconds = 0) {
    if (offsetof(rm_api, mint_supervisor_link) >= api_->struct_size)
      throw Error(RM_ERR_VERSION, "mint_supervisor_link: this plugin implements ABI 1.1 or older");
    std::string out;
    check(api_->mint_supervisor_link(plugin_, supervisor_id.data(), supervisor_id.size(), ttl_seconds, append_to_string, &out));
    return out;
  }
  std::string last_error() const { return api_->last_error(); }
  rm_plugin* handle() const noexcept { return plugin_; }

 private:
  void check(rm_status s) const {
    if (s != RM_OK) throw Error(s, api_->last_error());
  }
  static void append_to_string(void* ctx, const char* data, size_t len) {
    static_cast<std::string*>(ctx)->append(data, len);
  }
  static void log_trampoline(void* host_data, rm_log_level level, const char* message, size_t len) {
    auto* cb = static_cast<Callbacks*>(host_data);
    try {  // nothing may be thrown back into the plugin
      if (cb->on_log) cb->on_log(level, std::string_view(message, len));
    } catch (...) {
    }
  }
  static void prompt_trampoline(void* host_data, const char* json, size_t len) {
    auto* cb = static_cast<Callbacks*>(host_data);
    try {
      if (cb->on_prompt) cb->on_prompt(std::string_view(json, len));
    } catch (...) {
    }
  }

  const rm_api* api_;
  std::unique_ptr<Callbacks> callbacks_;  // stable address: it is the callbacks' host_data
  rm_plugin* plugin_ = nullptr;
};

}  // namespace rightmoment::sdk

#endif  // RIGHTMOMENT_PLUGIN_HPP
