#pragma once
// Marks the current thread as running one of the host's callbacks (log, deliver_prompt) for as long
// as the scope lives. The C ABI refuses the functions plugin.h forbids from inside a callback
// (start, stop, destroy, drain, import_history, reload_rules) by asking inside_host_callback(): each
// of them waits for plugin threads, and the thread running the callback may be one of them.
namespace rightmoment {

class HostCallbackScope {
 public:
  HostCallbackScope() { ++depth(); }
  ~HostCallbackScope() { --depth(); }
  HostCallbackScope(const HostCallbackScope&) = delete;
  HostCallbackScope& operator=(const HostCallbackScope&) = delete;

  static bool inside() { return depth() > 0; }

 private:
  static int& depth() {
    thread_local int d = 0;
    return d;
  }
};

inline bool inside_host_callback() { return HostCallbackScope::inside(); }

}  // namespace rightmoment
