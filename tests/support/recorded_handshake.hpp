#pragma once
// The upgrade request a vendor fixture was recorded with: tests/fixtures/<vendor>/<name>.handshake.json
// beside <name>.jsonl (lower-cased header names to values), when there is one (AudioHook's headers).
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "plugin/core/event_adapter.hpp"

namespace rightmoment::testing {

inline HandshakeInfo recorded_handshake(const std::string& fixture, EventTimeMs opened_at_ms = 0) {
  HandshakeInfo info;
  info.opened_at_ms = opened_at_ms;
  std::ifstream in(RIGHTMOMENT_SOURCE_DIR "/tests/fixtures/" + fixture.substr(0, fixture.rfind('.')) + ".handshake.json");
  if (!in) return info;
  const nlohmann::json headers = nlohmann::json::parse(in);
  for (auto it = headers.begin(); it != headers.end(); ++it) info.headers[it.key()] = it.value().get<std::string>();
  return info;
}

}  // namespace rightmoment::testing
