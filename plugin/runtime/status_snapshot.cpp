#include "plugin/runtime/status_snapshot.hpp"

namespace rightmoment {

std::string_view runtime_state_name(RuntimeState s) {
  switch (s) {
    case RuntimeState::Created: return "created";
    case RuntimeState::Started: return "started";
    case RuntimeState::Stopping: return "stopping";
    case RuntimeState::Stopped: return "stopped";
  }
  return "stopped";
}

std::vector<std::string> not_ready_reasons(const StatusSnapshot& s) {
  std::vector<std::string> why;
  if (s.state != RuntimeState::Started) why.push_back("the plugin is not started");
  if (!s.metrics.store_reachable) why.push_back("the history store is not reachable");
  if (s.listeners.size() < s.listeners_configured) why.push_back("not every listener is bound");
  return why;
}

}  // namespace rightmoment
