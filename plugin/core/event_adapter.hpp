#pragma once
// A vendor adapter turns one connection's messages into canonical events. The transport owns one
// adapter object per WebSocket connection and calls it only from that connection's strand, so an
// adapter may keep per-connection state (sequence numbers, the previous conversation snapshot, ...)
// without locks. Adapters never block and never touch the engine directly.
#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plugin/core/canonical_event.hpp"
#include "plugin/core/client_channel.hpp"

namespace rightmoment {

// A message the adapter refuses: the transport sends {"type":"error","code","message","event_id"} back
// on the same connection, logs it and counts it by code, and nothing else changes.
struct EventRejection {
  std::string code;     // "invalid_json", "not_an_object", "missing_field", "wrong_type", "invalid_value",
                        // "too_large", "too_deep", "unsupported", "protocol", "overloaded", ...
  std::string message;  // human-readable, names the field
  std::optional<std::string> event_id;  // when it could be read
  bool answered = false;  // the adapter already answered in its vendor's own protocol: no generic error reply
};

struct AdapterOutput {
  std::vector<CanonicalEvent> events;       // in order, to the engine
  std::vector<std::string> replies;         // text frames to send back to the peer, in order
  std::vector<EventRejection> rejections;   // each also becomes an error reply, unless answered
  std::optional<std::string> sync_id;       // a drain barrier was requested (generic adapter's control.sync)
  std::size_t ignored = 0;                  // messages understood and deliberately ignored (counted)
  // Messages understood and dropped for a reason an operator should see (the end of a contact this
  // connection never saw start, ...): counted by reason, and no reply.
  std::vector<std::string> ignored_reasons;
  bool close = false;                       // close the connection normally after the replies
  std::optional<std::string> close_reason;
  // Call on_timer after this long (a later request replaces an earlier one), for protocols that must
  // act when nothing arrives: a delayed refusal, a bounded wait for the peer to close.
  std::optional<std::chrono::milliseconds> wake_after;
};

// What the transport knows about the connection when it opens.
struct HandshakeInfo {
  std::string target;                          // request target, e.g. "/events?x=1"
  std::map<std::string, std::string> headers;  // lower-cased header names
  std::string remote_address;
  EventTimeMs opened_at_ms = 0;                // wall clock at the upgrade
};

struct AdapterOptions {
  std::size_t max_message_bytes = 64 * 1024;
  std::size_t max_json_depth = 32;
  std::map<std::string, std::string> settings;  // adapter-specific options from the listener's config
  std::optional<std::string> client_secret;     // the listener's auth.client_secret (base64), for peers that sign
                                                // their upgrade request with it (Genesys AudioHook)
};

class EventAdapter {
 public:
  virtual ~EventAdapter() = default;
  virtual std::string_view name() const = 0;

  // The connection is open (server: after the upgrade; client: after the handshake).
  virtual void on_open(const HandshakeInfo& /*info*/, AdapterOutput& /*out*/) {}
  // One complete text message. wall_now_ms is the wall clock, for adapters whose vendor sends no
  // timestamps (their events are then stamped on arrival).
  virtual void on_text(std::string_view message, EventTimeMs wall_now_ms, AdapterOutput& out) = 0;
  // One binary message (audio): accepted and counted, not decoded, unless the protocol forbids it now.
  virtual void on_binary(std::size_t /*bytes*/, EventTimeMs /*wall_now_ms*/, AdapterOutput& /*out*/) {}
  // A text message over the listener's max_message_bytes, not read.
  virtual void on_too_large(std::size_t bytes, std::size_t limit, EventTimeMs /*wall_now_ms*/, AdapterOutput& out) {
    out.rejections.push_back(EventRejection{
        "too_large", "the message is " + std::to_string(bytes) + " bytes; the limit is " + std::to_string(limit), std::nullopt});
  }
  // The delay an earlier AdapterOutput::wake_after asked for has passed (the connection is still open).
  virtual void on_timer(EventTimeMs /*wall_now_ms*/, AdapterOutput& /*out*/) {}
  // The connection is closing, whatever closed it (the peer, a dropped socket, the idle timeout, a
  // stop); an adapter may emit final events.
  virtual void on_close(EventTimeMs /*wall_now_ms*/, AdapterOutput& /*out*/) {}
  // Client mode: the messages to send right after the handshake (subscriptions).
  virtual std::vector<std::string> client_handshake_messages() const { return {}; }
  // Client mode: a keepalive to send every heartbeat interval, if the protocol has one.
  virtual std::optional<std::string> heartbeat_message() const { return std::nullopt; }
  // Client mode: an adapter that runs its own channel (plugin/core/client_channel.hpp) returns its
  // controller; the client then needs no configured URL. The adapter owns it.
  virtual ChannelController* channel_controller() { return nullptr; }
};

}  // namespace rightmoment
