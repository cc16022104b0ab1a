#include "adapters/events/genesys_notifications/genesys_notifications_adapter.hpp"

#include <deque>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

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
};

bool connected_state(const std::string& s) { return s == "connected"; }
bool gone_state(const std::string& s) { return s == "disconnected" || s == "terminated"; }

// Conversation topics carry the full state on every change: the adapter diffs each notification
// against the previous one to derive started / agent.joined / agent.left / hold / transfer / ended.
// Transcription topics become utterances. Event ids come from the state itself, so a notification
// delivered twice (after a reconnect) yields the same ids and the engine drops the repeat.
class GenesysNotificationsAdapter final : public EventAdapter {
 public:
  explicit GenesysNotificationsAdapter(const AdapterOptions& options) : options_(options) {
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

  std::vector<std::string> client_handshake_messages() const override {
    if (topics_.empty()) return {};
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
    if (topic == "channel.metadata" || topic.rfind("v2.system.", 0) == 0) {
      ++out.ignored;  // heartbeats, pongs, socket_closing (the transport reconnects when the server closes)
      return;
    }
    if (topic.size() > 14 && topic.compare(topic.size() - 14, 14, ".transcription") == 0) return on_transcription(*body, wall_now, out);
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
    prev = now;
  }

  void on_transcription(const element& body, EventTimeMs wall_now, AdapterOutput& out) {
    std::string id = vendor::clip_id(vendor::text(vendor::field(body, "conversationId")).value_or(""));
    auto transcripts = vendor::field(body, "transcripts");
    simdjson::dom::array list;
    if (id.empty() || !transcripts || transcripts->get_array().get(list) != simdjson::SUCCESS) {
      ++out.ignored;  // status-only messages (SESSION_ENDED)
      return;
    }
    EventTimeMs ts = time_or(vendor::field(body, "eventTime"), wall_now);
    for (element t : list) {
      std::string utterance = vendor::text(vendor::field(t, "utteranceId")).value_or("");
      std::string channel = vendor::text(vendor::field(t, "channel")).value_or("EXTERNAL");
      bool final = vendor::boolean(vendor::field(t, "isFinal")).value_or(true);
      std::string text;
      auto alternatives = vendor::field(t, "alternatives");
      simdjson::dom::array alts;
      if (alternatives && alternatives->get_array().get(alts) == simdjson::SUCCESS && alts.size() > 0)
        text = vendor::text(vendor::field(alts.at(0).value_unsafe(), "transcript")).value_or("");
      if (utterance.empty() || text.empty()) {
        ++out.ignored;
        continue;
      }
      std::string event_id = "gn-u-" + utterance + (final ? "" : "-p" + std::to_string(++partials_));
      CanonicalEvent ev = vendor::make_event(vendor::clip_id(event_id), EventType::Utterance, id, ts);
      ev.speaker = vendor::iequals(channel, "INTERNAL") ? Speaker::Agent : Speaker::Customer;
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
  std::uint64_t partials_ = 0;
};

}  // namespace

std::unique_ptr<EventAdapter> make_genesys_notifications_adapter(const AdapterOptions& options) {
  return std::make_unique<GenesysNotificationsAdapter>(options);
}

}  // namespace rightmoment
