#pragma once
// WebSocket listeners (platforms connect to us) and clients (we subscribe to a platform's stream),
// on the plugin's own io_context and threads. Each connection runs its vendor adapter and hands
// canonical events to the EventSink; nothing here blocks on anything but the network.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <spdlog/logger.h>

#include "plugin/core/adapter_registry.hpp"
#include "plugin/core/event_sink.hpp"
#include "plugin/transport/transport_config.hpp"

namespace rightmoment {

// Rejections are not counted here: every one goes to EventSink::count_rejection (the engine's
// metrics.rejections_by_code, rightmoment_events_rejected_total).
struct TransportStats {
  std::uint64_t connections_accepted = 0;
  std::uint64_t connections_refused = 0;  // auth, limits, bad upgrade
  std::int64_t connections_open = 0;
  std::int64_t connections_handshaking = 0;  // accepted, not yet upgraded: they count against max_connections
  std::uint64_t syncs_waited = 0;            // a peer had kSyncsInFlight barriers unanswered: not read meanwhile
  std::uint64_t messages_in = 0;
  std::uint64_t binary_frames_in = 0;
  std::uint64_t slow_consumers_disconnected = 0;
  std::uint64_t client_reconnects = 0;
  std::map<std::string, std::uint64_t> messages_by_adapter;
  std::map<std::string, std::map<std::string, std::uint64_t>> events_by_adapter;  // adapter -> event type -> n
};

class TransportService {
 public:
  // Each connection's adapter comes from adapters, by the name its listener or client configures.
  TransportService(EventSink& sink, AdapterRegistry adapters, std::shared_ptr<spdlog::logger> log, unsigned io_threads);
  ~TransportService();
  TransportService(const TransportService&) = delete;
  TransportService& operator=(const TransportService&) = delete;

  // Binds every listener and starts every client; false with a reason on the first failure
  // (port in use, unreadable certificate, unknown adapter). Nothing is left running then.
  bool start(const std::vector<ListenerConfig>& listeners, const std::vector<ClientConfig>& clients, std::string& error);
  std::vector<BoundListener> bound() const;
  // Closes every connection and joins the I/O threads. Safe to call twice.
  void stop();
  TransportStats stats() const;

  struct Impl;  // opaque: no Beast header leaves plugin/transport/*.cpp

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace rightmoment
