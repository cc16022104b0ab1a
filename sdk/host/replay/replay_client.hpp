#pragma once
// The reference host's replay: an ordinary WebSocket client of the plugin's own generic listener.
#include <ostream>
#include <string>

namespace rightmoment {

// Sends every line of events_path to url in file order (speed 0: as fast as the server reads them;
// speed N: the recorded gaps between successive "ts" values divided by N), then a control.sync, and
// waits for control.synced: every event processed and every prompt delivered. Error replies for bad
// lines are reported to err and counted, not fatal. Returns 0 on success; non-zero with a message on
// err when the file cannot be read, the listener cannot be reached, or the server does not answer.
int run_replay(const std::string& url, const std::string& events_path, double speed, std::ostream& err);

}  // namespace rightmoment
