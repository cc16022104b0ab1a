#pragma once
// Every thread the plugin starts carries a name ("rm-engine", "rm-lookup-0", ...), so that top -H,
// perf and gdb say whose it is. The starter names it, so the name is there when its start returns.
#include <pthread.h>

#include <string>
#include <thread>

namespace rightmoment {

inline void name_thread(std::thread& thread, const std::string& name) {
  pthread_setname_np(thread.native_handle(), name.substr(0, 15).c_str());  // Linux keeps 15 characters
}

}  // namespace rightmoment
