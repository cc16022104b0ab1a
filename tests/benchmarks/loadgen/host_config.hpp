#pragma once
// The reference host's configuration for the outside view: a copy of an integrator's file (by
// default config/rightmoment.example.jsonc) with only what a bench must change: every listener and
// server on a free loopback port (port 0), the store it is told to use, and its relative paths
// (rules, lexicons, models) made absolute, since the copy lives in another folder.
#include <string>

namespace rightmoment::loadgen {

// Writes the copy of `source` to `target`; false with a message when it cannot be read or written.
// `store` empty keeps the file's own store.
bool write_host_config(const std::string& source, const std::string& store, const std::string& target,
                       std::string& error);

}  // namespace rightmoment::loadgen
