#pragma once
// The notification channel the genesys-notifications client runs for itself, after Genesys Cloud's
// notifications API (docs/adapters/genesys-notifications.md): an OAuth client-credentials token,
// POST /api/v2/notifications/channels, the channel's WebSocket, and its subscriptions over REST: the
// configured users' or queues' conversations, and the transcription topic of each conversation seen
// there until it ends. A reconciler: every event updates what is wanted, and advance() makes the one
// next request that brings the channel closer to it, so that a failure anywhere is retried by the
// same path that first did the work.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "plugin/core/client_channel.hpp"

namespace rightmoment {

struct GenesysChannelOptions {
  std::string api_base;    // https://api.mypurecloud.com
  std::string login_base;  // https://login.mypurecloud.com
  std::string client_id;
  std::string client_secret;                     // never logged
  std::vector<std::string> conversation_topics;  // v2.users.{id}.conversations, v2.routing.queues.{id}.conversations
  bool transcripts = true;                       // subscribe v2.conversations.{id}.transcription
  std::size_t max_topics = 1000;                 // Genesys' limit per channel
  std::chrono::milliseconds drop_delay{30000};   // ended conversations' topics are dropped together
};

// The options in an adapter's settings ("client_id", "client_secret", "api_base", "login_base",
// "users", "queues" (comma-separated), "transcripts", "max_topics", "drop_delay_ms"); nullopt without a client_id
// (the static form: a configured URL and topics). error names what is wrong.
std::optional<GenesysChannelOptions> genesys_channel_options(const std::map<std::string, std::string>& settings,
                                                             std::string& error);

struct GenesysChannelStats {
  std::uint64_t token_requests = 0;
  std::uint64_t channels_created = 0;
  std::uint64_t channels_replaced = 0;  // a new channel took over from an earlier one
  std::uint64_t subscription_requests = 0;
  std::uint64_t rate_limited = 0;       // 429 answers
  std::uint64_t failed_requests = 0;
  std::uint64_t topics_evicted = 0;     // transcription topics dropped to stay under max_topics
};

class GenesysChannel final : public ChannelController {
 public:
  explicit GenesysChannel(GenesysChannelOptions options);

  // From the adapter, on the same strand: a conversation was seen live, or ended.
  void conversation_active(const std::string& conversation_id, EventTimeMs now);
  void conversation_ended(const std::string& conversation_id, EventTimeMs now);
  // v2.system.socket_closing: the service will close this socket soon; move to a new channel now.
  void closing_notice(EventTimeMs now);

  void start(ChannelDriver& driver, EventTimeMs now) override;
  void on_http(std::uint64_t request, const HttpCallResponse& response, EventTimeMs now) override;
  void on_socket_open(std::uint64_t socket, EventTimeMs now) override;
  void on_socket_closed(std::uint64_t socket, int refused_status, EventTimeMs now) override;
  void on_wake(EventTimeMs now) override;
  void stop() override { stopped_ = true; }

  const GenesysChannelStats& stats() const { return stats_; }
  std::set<std::string> wanted_topics() const;

 private:
  struct Channel {
    std::string id;
    std::string connect_uri;
    EventTimeMs renew_at = 0;  // before its expires, and before the token that made it expires
    std::uint64_t socket = 0;  // 0: none open or opening
    bool open = false;
    bool synced = false;       // a full list was PUT since the socket opened
    bool gone = false;         // Genesys no longer knows it: 404, or its upgrade refused
    EventTimeMs reconnect_at = 0;
    int failures = 0;
    std::set<std::string> subscribed;  // what the channel has, as far as our answered requests say
  };
  enum class Step { None, Token, CreateChannel, Subscribe };

  void advance(EventTimeMs now);
  void request_token();
  void create_channel();
  void subscribe(Channel& channel, bool replace, std::set<std::string> topics);
  void on_token(const HttpCallResponse& response, EventTimeMs now);
  void on_channel(const HttpCallResponse& response, EventTimeMs now);
  void on_subscribed(const HttpCallResponse& response, EventTimeMs now);
  void failed(const char* what, const HttpCallResponse& response, EventTimeMs now);
  void schedule(EventTimeMs now);
  Channel* channel_with_socket(std::uint64_t socket);
  Channel* channel_with_id(const std::string& id);
  void log(ChannelLog level, std::string message);

  GenesysChannelOptions options_;
  ChannelDriver* driver_ = nullptr;
  bool stopped_ = false;
  GenesysChannelStats stats_;

  std::string token_;
  EventTimeMs token_expires_at_ = 0;
  EventTimeMs token_renew_at_ = 0;

  std::optional<Channel> live_;  // the channel whose socket is read
  std::optional<Channel> next_;  // its replacement, being made ready

  // One request at a time: the next is chosen from the state once this one is answered.
  Step step_ = Step::None;
  std::uint64_t step_request_ = 0;
  std::string step_channel_;
  bool step_replace_ = false;
  std::set<std::string> step_topics_;
  EventTimeMs retry_at_ = 0;
  int failures_ = 0;        // consecutive failed requests
  int lost_channels_ = 0;   // consecutive channels whose socket was refused

  // Conversations with a transcription topic, least recently active first.
  std::list<std::string> conversations_;
  std::unordered_map<std::string, std::list<std::string>::iterator> conversation_index_;
  EventTimeMs drops_due_at_ = 0;  // 0: no ended conversation's topic waits to be dropped
  std::set<std::string> reported_rejections_;
};

}  // namespace rightmoment
