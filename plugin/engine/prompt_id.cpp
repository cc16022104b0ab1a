#include "plugin/engine/prompt_id.hpp"

#include <cstdint>

namespace rightmoment {

std::string derive_prompt_id(std::string_view interaction_id, std::string_view rule_id, std::string_view trigger_event_id,
                             std::string_view agent_id, int occurrence) {
  std::uint64_t h = 1469598103934665603ull;
  auto mix = [&](std::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ull;
    }
  };
  auto field = [&](std::string_view s) {
    mix(s);
    mix("\x1f");  // a separator no id contains, so ("ab","c") and ("a","bc") differ
  };
  field(interaction_id);
  field(rule_id);
  field(trigger_event_id);
  field(agent_id);
  if (occurrence > 1) field(std::to_string(occurrence));
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "pr-";
  for (int shift = 60; shift >= 0; shift -= 4) out += kHex[(h >> shift) & 15];
  return out;
}

}  // namespace rightmoment
