#pragma once
// The engine's tunables, read from the configuration's "engine", "rules" and "history" sections.
#include <cstddef>
#include <cstdint>
#include <string>

namespace rightmoment {

struct EngineOptions {
  std::size_t inbox_limit = 65536;           // events waiting for the engine thread; full = backpressure
  std::size_t delivery_queue_limit = 4096;   // prompts waiting for the host callback; full = drop newest, counted
  std::size_t outcome_queue_limit = 65536;   // outcome records waiting for the store; full = drop, counted, logged
  std::int64_t idle_clock_grace_ms = 1000;   // see EventClock
  std::int64_t lookup_budget_ms = 500;       // how long a screen pop waits for its history lookup
  std::size_t store_workers = 2;             // threads that talk to the history store
  std::size_t parked_events_limit = 1024;    // events of one interaction held while its lookup runs
  std::size_t max_interactions = 200000;     // live interactions; a new one past it evicts the least recently active
  std::size_t seen_event_ids_per_interaction = 1024;  // the window of ids a resend is recognised in
  std::size_t max_agents_per_interaction = 32;         // remembered agents; the one gone longest is forgotten first
  std::int64_t interaction_idle_timeout_ms = 4 * 3600 * 1000;  // event time without events before eviction
  int max_prompts_per_interaction = 12;      // new prompts (screen pops excluded); the rest recorded as capped
  int holdout_percent = 0;                   // 0..100 of interactions whose prompts are held out
  bool store_transcripts = false;            // outcome record keeps transcript text only when asked
  std::string default_region = "US";         // for national phone numbers
  // An idle engine processes an event on the I/O thread that read it (try_submit_in_place): one
  // thread wake-up fewer per event at a contact centre's rate. Off: every event crosses to the engine thread.
  bool process_on_io_thread = true;
};

}  // namespace rightmoment
