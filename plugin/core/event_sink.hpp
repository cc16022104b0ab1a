#pragma once
// Where the transport hands canonical events: the engine's bounded inbox. Called from I/O threads;
// never blocks.
#include <functional>

#include "plugin/core/canonical_event.hpp"

namespace rightmoment {

class EventSink {
 public:
  virtual ~EventSink() = default;

  // Queues one event for the engine. Returns false when the inbox is full: the caller keeps the event
  // and stops reading from its connection, retrying shortly (TCP backpressure to the platform), so
  // nothing is lost and memory stays bounded.
  virtual bool try_submit(CanonicalEvent&& event) = 0;

  // The same, from a thread that may do the engine's own work (an I/O thread reading the event):
  // when the engine has nothing queued and is asleep, the event is processed here, before this
  // returns, instead of waking the engine's thread for it. Per-interaction order is kept either way.
  // Never blocks: the work done is this event's, and its prompts still leave through delivery.
  virtual bool try_submit_in_place(CanonicalEvent&& event) { return try_submit(std::move(event)); }

  // Calls done() (from an engine thread) once every event accepted before this call has been
  // processed and every prompt it raised has been delivered to the host. The callback must not block.
  virtual void when_drained(std::function<void()> done) = 0;

  // A message was refused (counted by code for metrics); the transport has already replied.
  virtual void count_rejection(std::string_view /*adapter*/, std::string_view /*code*/) {}
  // A message was understood and dropped for this reason (AdapterOutput::ignored_reasons).
  virtual void count_ignored(std::string_view /*adapter*/, std::string_view /*reason*/) {}
};

}  // namespace rightmoment
