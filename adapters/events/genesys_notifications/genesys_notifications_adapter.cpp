#include "adapters/events/genesys_notifications/genesys_notifications_adapter.hpp"

#include <cstdio>
#include <deque>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "adapters/events/genesys_notifications/genesys_channel.hpp"
#include "adapters/events/vendor_json.hpp"

namespace rightmoment {
namespace {

using vendor::element;

// What one conversation looked like in the last full-state notification.
struct Snapshot {
  bool started = false;
  bool ended = false;
  bool held = false;
  int holds = 0;
  std::set<std::string> agents_connected;
  std::set<std::string> agents_seen;
  std::set<std::string> final_utterances;  // utterance ids already turned into events
};

constexpr std::size_t kUtterancesRemembered = 4096;  // per conversation; past it the engine's event ids dedupe

// FNV-1a: a partial transcript's id follows its text, so that the same partial delivered twice
// (after a reconnect, or by two channels while one replaces the other) is the same event.
std::uint64_t text_hash(std::string_view text) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : text) h = (h ^ c) * 1099511628211ull;
  return h;
}

bool connected_state(const std::string& s) { return s == "connected"; }
bool gone_state(const std::string& s) { return s == "disconnected" || s == "terminated"; }

// Conversation topics carry the full state on every change: the adapter diffs each notification
// against the previous one to derive started / agent.joined / agent.left / hold / transfer / ended.
// Transcription topics become utterances. Event ids come from the state itself, so a notification
// delivered twice (after a reconnect) yields the same ids and the engine drops the repeat.
// With a client_id in its settings the adapter runs its own channel (genesys_channel.hpp) and tells
// it which conversations are live; without one it subscribes to the configured static topics.
class GenesysNotificationsAdapter final : public EventAdapter {
 public:
  explicit GenesysNotificationsAdapter(const AdapterOptions& options) : options_(options) {
    std::string error;  // the configuration reader has said it already
    if (auto channel = genesys_channel_options(options.settings, error); channel && error.empty())
      channel_ = std::make_unique<GenesysChannel>(std::move(*channel));
    auto topics = options.settings.find("topics");
    if (topics != options.settings.end()) {
      std::string all = topics->second;
      std::size_t start = 0;
      while (start < all.size()) {
        auto comma = all.find(',', start);
        std::string t = all.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        if (!t.empty()) topics_.push_back(t);
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
    }
  }
  std::string_view name() const override { return "genesys-notifications"; }

  ChannelController* channel_controller() override { return channel_.get(); }

  std::vector<std::string> client_handshake_messages() const override {
    if (topics_.empty() || channel_) return {};
    return {nlohmann::json{{"message", "subscribe"}, {"topics", topics_}, {"correlationId", "rightmoment"}}.dump()};
  }
  std::optional<std::string> heartbeat_message() const override { return std::string(R"({"message":"ping"})"); }

  void on_text(std::string_view message, EventTimeMs wall_now, AdapterOutput& out) override {
    element doc;
    if (!vendor::parse_object(parser_, message, doc, out, options_.max_message_bytes)) return;
    std::string topic = vendor::text(vendor::field(doc, "topicName")).value_or("");
    auto body = vendor::field(doc, "eventBody");
    if (topic.empty() || !body) {
      ++out.ignored;  // subscription answers and the like
      return;
    }
    if (topic == "v2.system.socket_closing" && channel_) channel_->closing_notice(wall_now);
    if (topic == "channel.metadata" || topic.rfind("v2.system.", 0) == 0) {
      ++out.ignored;  // heartbeats, pongs, socket_closing (the static form reconnects when the server closes)
      return;
    }
    if (topic.size() > 14 && topic.compare(topic.size() - 14, 14, ".transcription") == 0)
      return on_transcription(*body, topic, wall_now, out);
    if (topic.find("conversations") != std::string::npos) return on_conversation(*body, wall_now, out);
    ++out.ignored;
  }

 private:
  EventTimeMs time_or(const std::optional<element>& e, EventTimeMs fallback) {
    if (auto s = vendor::text(e))
      if (auto t = parse_rfc3339(*s)) return *t;
    return fallback;
  }

  void on_conversation(const element& body, EventTimeMs wall_now, AdapterOutput& out) {
    std::string id = vendor::clip_id(vendor::text(vendor::field(body, "id")).value_or(""));
    auto participants = vendor::field(body, "participants");
    simdjson::dom::array list;
    if (id.empty() || !participants || participants->get_array().get(list) != simdjson::SUCCESS) {
      out.rejections.push_back(EventRejection{"missing_field", "a conversation notification needs id and participants", std::nullopt});
      return;
    }
    track(id);
    Snapshot& prev = conversations_[id];
    if (prev.ended) {
      ++out.ignored;
      return;
    }
    Snapshot now = prev;
    now.agents_connected.clear();
    bool customer_present = false, customer_gone = false, any_held = false;
    std::optional<std::string> phone, direction;
    EventTimeMs started_at = wall_now, hold_at = wall_now, ended_at = wall_now;
    std::map<std::string, EventTimeMs> joined_at;
    std::map<std::string, std::string> disconnect_type;
    std::map<std::string, EventTimeMs> left_at;  // from the leg's disconnectedTime: the platform's clock
    for (element p : list) {
      std::string purpose = vendor::text(vendor::field(p, "purpose")).value_or("");
      auto calls = vendor::field(p, "calls");
      simdjson::dom::array call_list;
      std::string state;
      bool held = false;
      element call;
      if (calls && calls->get_array().get(call_list) == simdjson::SUCCESS && call_list.size() > 0) {
        call = call_list.at(call_list.size() - 1).value_unsafe();  // the newest call leg
        state = vendor::text(vendor::field(call, "state")).value_or("");
        held = vendor::boolean(vendor::field(call, "held")).value_or(false);
        if (held) {
          any_held = true;
          hold_at = time_or(vendor::field(call, "startHoldTime"), wall_now);
        }
      }
      if (purpose == "customer" || purpose == "external") {
        customer_present = true;
        std::string address = vendor::text(vendor::field(p, "address")).value_or("");
        if (!address.empty()) phone = address;
        if (!state.empty()) {
          direction = vendor::text(vendor::field(call, "direction"));
          if (connected_state(state)) started_at = time_or(vendor::field(call, "connectedTime"), wall_now);
          if (gone_state(state)) {
            customer_gone = true;
            ended_at = time_or(vendor::field(call, "disconnectedTime"), wall_now);
          }
        }
      } else if (purpose == "agent" || purpose == "user") {
        std::string user = vendor::text(vendor::field(p, "userId")).value_or("");
        if (user.empty()) continue;
        if (connected_state(state)) {
          now.agents_connected.insert(user);
          joined_at[user] = time_or(vendor::field(call, "connectedTime"), wall_now);
        } else if (gone_state(state)) {
          disconnect_type[user] = vendor::text(vendor::field(call, "disconnectType")).value_or("");
          left_at[user] = time_or(vendor::field(call, "disconnectedTime"), wall_now);
        }
      }
    }
    if (!prev.started && customer_present) {
      CanonicalEvent ev = vendor::make_event("gn-started", EventType::InteractionStarted, id, started_at);
      ev.channel = "voice";
      ev.direction = direction == std::optional<std::string>("outbound") ? "outbound" : "inbound";
      ev.customer.phone = phone;
      out.events.push_back(std::move(ev));
      now.started = true;
    }
    for (const auto& user : now.agents_connected) {
      if (prev.agents_connected.count(user)) continue;
      int round = static_cast<int>(now.agents_seen.count(user));
      CanonicalEvent ev = vendor::make_event(vendor::clip_id("gn-joined-" + user + "-" + std::to_string(round)),
                                             EventType::AgentJoined, id, joined_at[user]);
      ev.agent_id = vendor::clip_id(user);
      out.events.push_back(std::move(ev));
      now.agents_seen.insert(user);
    }
    for (const auto& user : prev.agents_connected) {
      if (now.agents_connected.count(user)) continue;
      // An agent whose leg is gone from the list has no disconnectedTime: then the arrival time.
      EventTimeMs at = left_at.count(user) ? left_at[user] : wall_now;
      if (disconnect_type[user] == "transfer") {
        out.events.push_back(vendor::make_event(vendor::clip_id("gn-transfer-" + user), EventType::Transfer, id, at));
      }
      CanonicalEvent ev = vendor::make_event(vendor::clip_id("gn-left-" + user + "-" + std::to_string(now.agents_seen.count(user))),
                                             EventType::AgentLeft, id, at);
      ev.agent_id = vendor::clip_id(user);
      out.events.push_back(std::move(ev));
    }
    if (any_held && !prev.held) {
      ++now.holds;
      out.events.push_back(vendor::make_event("gn-hold-" + std::to_string(now.holds), EventType::HoldStarted, id, hold_at));
    } else if (!any_held && prev.held) {
      out.events.push_back(vendor::make_event("gn-unhold-" + std::to_string(now.holds), EventType::HoldEnded, id, wall_now));
    }
    now.held = any_held;
    if (customer_gone && now.started) {
      out.events.push_back(vendor::make_event("gn-ended", EventType::InteractionEnded, id, ended_at));
      now.ended = true;
    }
    prev = std::move(now);
    if (channel_ && prev.ended) channel_->conversation_ended(id, wall_now);
    else if (channel_) channel_->conversation_active(id, wall_now);  // its transcription topic
  }

  // v2.conversations.{id}.transcription: a batch of transcripts, each at its offset from the start
  // of the transcription session (sessionStartTimeMs), or at the batch's eventTime without one.
  void on_transcription(const element& body, const std::string& topic, EventTimeMs wall_now, AdapterOutput& out) {
    std::string id = vendor::text(vendor::field(body, "conversationId")).value_or("");
    if (id.empty() && topic.rfind("v2.conversations.", 0) == 0) id = topic.substr(17, topic.size() - 17 - 14);
    id = vendor::clip_id(id);
    if (id.empty()) {
      out.rejections.push_back(EventRejection{"missing_field", "a transcription notification needs a conversationId", std::nullopt});
      return;
    }
    if (vendor::text(vendor::path(body, {"status", "status"})) == "SESSION_ENDED" && channel_)
      channel_->conversation_ended(id, wall_now);
    auto transcripts = vendor::field(body, "transcripts");
    simdjson::dom::array list;
    if (!transcripts || transcripts->get_array().get(list) != simdjson::SUCCESS) {
      ++out.ignored;  // status-only messages (the session's start, every 5 minutes, SESSION_ENDED)
      return;
    }
    track(id);
    Snapshot& conversation = conversations_[id];
    if (conversation.ended) {
      ++out.ignored;  // late: the engine has closed the interaction
      return;
    }
    EventTimeMs batch_time = time_or(vendor::field(body, "eventTime"), wall_now);
    auto session_start = vendor::integer(vendor::field(body, "sessionStartTimeMs"));
    if (!session_start) session_start = vendor::integer(vendor::field(body, "transcriptionStartTimeMs"));
    for (element t : list) {
      std::string utterance = vendor::text(vendor::field(t, "utteranceId")).value_or("");
      std::string channel = vendor::text(vendor::field(t, "channel")).value_or("");
      bool final = vendor::boolean(vendor::field(t, "isFinal")).value_or(true);
      std::string text;
      std::optional<std::int64_t> offset;
      auto alternatives = vendor::field(t, "alternatives");
      simdjson::dom::array alts;
      if (alternatives && alternatives->get_array().get(alts) == simdjson::SUCCESS && alts.size() > 0) {
        element best = alts.at(0).value_unsafe();
        text = vendor::text(vendor::field(best, "transcript")).value_or("");
        offset = vendor::integer(vendor::field(best, "offsetMs"));
      }
      // EXTERNAL is the customer's side, INTERNAL the agent's; a mixed channel (BOTH) names nobody.
      bool customer = vendor::iequals(channel, "EXTERNAL");
      if (utterance.empty() || text.empty() || (!customer && !vendor::iequals(channel, "INTERNAL"))) {
        ++out.ignored;
        continue;
      }
      if (final) {
        if (conversation.final_utterances.count(utterance)) {
          ++out.ignored;  // delivered again
          continue;
        }
        if (conversation.final_utterances.size() >= kUtterancesRemembered) conversation.final_utterances.clear();
        conversation.final_utterances.insert(utterance);
      }
      char partial[24];
      std::snprintf(partial, sizeof partial, "-p%016llx", static_cast<unsigned long long>(text_hash(text)));
      EventTimeMs ts = session_start && offset ? *session_start + *offset : batch_time;
      CanonicalEvent ev = vendor::make_event(vendor::clip_id("gn-u-" + utterance + (final ? "" : partial)),
                                             EventType::Utterance, id, ts);
      ev.speaker = customer ? Speaker::Customer : Speaker::Agent;
      ev.text = std::move(text);
      ev.final = final;
      out.events.push_back(std::move(ev));
    }
  }

  AdapterOptions options_;
  simdjson::dom::parser parser_;
  std::vector<std::string> topics_;
  std::map<std::string, Snapshot> conversations_;
  // A notification channel lives for days: the latest kTrackedConversations conversations are
  // remembered (ended ones too, so that a late notification is ignored), the oldest forgotten first.
  static constexpr std::size_t kTrackedConversations = 10000;
  std::deque<std::string> order_;
  void track(const std::string& id) {
    if (conversations_.count(id)) return;
    order_.push_back(id);
    if (order_.size() <= kTrackedConversations) return;
    conversations_.erase(order_.front());
    order_.pop_front();
  }
  std::unique_ptr<GenesysChannel> channel_;
};

}  // namespace

std::unique_ptr<EventAdapter> make_genesys_notifications_adapter(const AdapterOptions& options) {
  return std::make_unique<GenesysNotificationsAdapter>(options);
}

}  // namespace rightmoment
