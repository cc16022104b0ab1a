// Any sequence of messages through every vendor adapter: the first byte picks the adapter, the rest is
// split into messages on newlines. Adapters keep per-connection state, so sequences matter.
#include <cstdint>
#include <string_view>

#include "adapters/events/builtin_adapters.hpp"
#include "plugin/core/event_adapter.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  auto names = rightmoment::builtin_adapters().event_adapter_names();
  if (names.empty()) return 0;
  auto adapter = rightmoment::builtin_adapters().make_event_adapter(names[data[0] % names.size()], rightmoment::AdapterOptions{});
  if (!adapter) return 0;
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  rightmoment::AdapterOutput out;
  adapter->on_open(rightmoment::HandshakeInfo{}, out);
  while (!rest.empty()) {
    auto nl = rest.find('\n');
    std::string_view message = rest.substr(0, nl);
    adapter->on_text(message, 1'763'800'000'000, out);
    if (nl == std::string_view::npos) break;
    rest.remove_prefix(nl + 1);
  }
  adapter->on_close(1'763'800'100'000, out);
  return 0;
}
