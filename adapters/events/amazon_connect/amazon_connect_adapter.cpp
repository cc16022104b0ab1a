#include "adapters/events/amazon_connect/amazon_connect_adapter.hpp"

#include <algorithm>
#include <deque>
#include <set>
#include <unordered_map>

#include "adapters/events/vendor_json.hpp"

namespace rightmoment {
namespace {

using vendor::element;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}
std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
  return s;
}

// Contact Lens sentiment words as numbers for the contract's platform sentiment (-1..1).
std::optional<double> sentiment_of(const std::optional<std::string>& s) {
  if (!s) return std::nullopt;
  std::string u = upper(*s);
  if (u == "NEGATIVE") return -0.6;
  if (u == "POSITIVE") return 0.6;
  if (u == "NEUTRAL" || u == "MIXED") return 0.0;
  return std::nullopt;
}

// What one connection knows of one contact.
struct Contact {
  std::set<std::string> seen;  // delivered already: "event/TYPE", "seg/KIND/PARTICIPANT/ID"
  std::optional<EventTimeMs> start;  // Contact Lens offsets count from here
  EventTimeMs last_ts = 0;     // of the latest event handed on: an end without a time of its own
  bool live = false;           // an event of this contact was handed on (so the engine knows it)
  bool started = false;
  bool ended = false;
  // An end that came before anything else of the contact (contact events are unordered): held, and
  // handed on right after the contact's first event, should one still come on this connection.
  std::optional<std::pair<EventTimeMs, std::optional<std::string>>> early_end;
};

// Messages of one forwarder connection: EventBridge contact events (the whole event, envelope and
// detail) and Contact Lens real-time segments. AWS delivers contact events at least once and in any
// order, and its own samples vary in letter case: keys are matched without case and duplicates dropped.
class AmazonConnectAdapter final : public EventAdapter {
 public:
  explicit AmazonConnectAdapter(const AdapterOptions& options) : options_(options) {}
  std::string_view name() const override { return "amazon-connect"; }

  void on_text(std::string_view message, EventTimeMs wall_now, AdapterOutput& out) override {
    element doc;
    if (!vendor::parse_object(parser_, message, doc, out, options_.max_message_bytes)) return;
    if (auto detail = vendor::field(doc, "detail")) {
      if (vendor::field(*detail, "eventType") && vendor::field(*detail, "contactId")) return on_contact_event(doc, *detail, wall_now, out);
      ++out.ignored;  // agent events and other EventBridge events the forwarder sends along
      return;
    }
    // Contact Lens segments always carry Version (and Segments unless STARTED/COMPLETED/FAILED).
    bool contact_lens = vendor::field(doc, "Segments") || vendor::field(doc, "Version");
    if (contact_lens && vendor::field(doc, "ContactId") && vendor::field(doc, "EventType")) return on_segments(doc, wall_now, out);
    if (vendor::field(doc, "eventType") && vendor::field(doc, "contactId")) {
      // A forwarder that sends event["detail"] loses the envelope (detail-type, time): refused, so
      // that it is noticed and fixed rather than read as something else.
      out.rejections.push_back(EventRejection{"bare_detail",
                                              "a contact event's 'detail' alone: forward the whole EventBridge event "
                                              "(with 'detail-type' and 'detail')",
                                              std::nullopt});
      return;
    }
    ++out.ignored;  // anything else the forwarder sends along
  }

 private:
  EventTimeMs time_or(const std::optional<element>& e, EventTimeMs fallback) {
    if (auto s = vendor::text(e))
      if (auto t = parse_rfc3339(*s)) return *t;
    return fallback;
  }

  void emit(Contact& c, CanonicalEvent ev, AdapterOutput& out) {
    bool first = !c.live;
    c.live = true;
    c.last_ts = std::max(c.last_ts, ev.ts);
    std::string contact = ev.interaction_id;
    out.events.push_back(std::move(ev));
    if (first && c.early_end) end(c, contact, c.early_end->first, c.early_end->second, out);
  }

  // The contact's end, once, and only for a contact this connection has handed on: the end of one
  // it never saw would create an interaction just to close it. That one is counted (a forwarder
  // that spreads a contact over several connections shows up there) and held.
  void end(Contact& c, const std::string& contact, EventTimeMs ts, std::optional<std::string> reason, AdapterOutput& out) {
    if (c.ended) {
      ++out.ignored;  // COMPLETED after DISCONNECTED, Contact Lens after the contact event, ...
      return;
    }
    if (!c.live) {
      out.ignored_reasons.emplace_back("unknown_contact");
      if (!c.early_end) c.early_end.emplace(ts, std::move(reason));
      return;
    }
    c.ended = true;
    CanonicalEvent ev = vendor::make_event("ac-ended", EventType::InteractionEnded, contact, std::max(ts, c.last_ts));
    ev.reason = std::move(reason);
    emit(c, std::move(ev), out);
  }

  void on_contact_event(const element& envelope, const element& d, EventTimeMs wall_now, AdapterOutput& out) {
    std::string type = upper(vendor::text(vendor::field(d, "eventType")).value_or(""));
    std::string contact = vendor::clip_id(vendor::text(vendor::field(d, "contactId")).value_or(""));
    if (contact.empty()) {
      out.rejections.push_back(EventRejection{"missing_field", "a contact event needs detail.contactId", std::nullopt});
      return;
    }
    Contact& c = track(contact);
    if (!c.seen.insert("event/" + type).second) {
      ++out.ignored;  // a duplicate delivery
      return;
    }
    EventTimeMs envelope_time = time_or(vendor::field(envelope, "time"), wall_now);
    if (type == "INITIATED" || type == "CONNECTED_TO_SYSTEM" || type == "QUEUED") {
      if (c.started) {
        ++out.ignored;
        return;
      }
      c.started = true;
      EventTimeMs ts = time_or(vendor::field(d, "initiationTimestamp"), envelope_time);
      c.start = ts;
      CanonicalEvent ev = vendor::make_event("ac-started", EventType::InteractionStarted, contact, ts);
      std::string channel = lower(vendor::text(vendor::field(d, "channel")).value_or("voice"));
      ev.channel = channel == "chat" ? "chat" : channel == "email" ? "email" : channel == "task" ? "chat" : "voice";
      std::string method = upper(vendor::text(vendor::field(d, "initiationMethod")).value_or("INBOUND"));
      ev.direction = method == "OUTBOUND" || method == "CALLBACK" ? "outbound" : "inbound";
      if (auto q = vendor::field(d, "queueInfo")) ev.queue = vendor::text(vendor::field(*q, "queueArn"));
      if (auto endpoint = vendor::field(d, "customerEndpoint")) ev.customer.phone = vendor::text(vendor::field(*endpoint, "address"));
      if (auto attrs = vendor::field(d, "attributes")) {
        ev.customer.account_id = vendor::text(vendor::field(*attrs, "accountId"));
        ev.customer.email = vendor::text(vendor::field(*attrs, "customerEmail"));
      }
      return emit(c, std::move(ev), out);
    }
    if (type == "CONNECTED_TO_AGENT") {
      auto agent = vendor::field(d, "agentInfo");
      std::string arn = agent ? vendor::text(vendor::field(*agent, "agentArn")).value_or("") : "";
      std::string agent_id = arn.substr(arn.rfind('/') == std::string::npos ? 0 : arn.rfind('/') + 1);
      if (agent_id.empty()) agent_id = "unknown-agent";
      EventTimeMs ts = agent ? time_or(vendor::field(*agent, "connectedToAgentTimestamp"), envelope_time) : envelope_time;
      CanonicalEvent ev = vendor::make_event(vendor::clip_id("ac-agent-" + agent_id), EventType::AgentJoined, contact, ts);
      ev.agent_id = vendor::clip_id(agent_id);
      return emit(c, std::move(ev), out);
    }
    if (type == "DISCONNECTED" || type == "COMPLETED")
      return end(c, contact, time_or(vendor::field(d, "disconnectTimestamp"), envelope_time),
                 vendor::text(vendor::field(d, "disconnectReason")), out);
    ++out.ignored;  // CONTACT_DATA_UPDATED and others
  }

  void on_segments(const element& doc, EventTimeMs wall_now, AdapterOutput& out) {
    std::string contact = vendor::clip_id(vendor::text(vendor::field(doc, "ContactId")).value_or(""));
    if (contact.empty()) {
      out.rejections.push_back(EventRejection{"missing_field", "a Contact Lens message needs ContactId", std::nullopt});
      return;
    }
    Contact& c = track(contact);
    if (!c.start) c.start = wall_now;
    std::string type = upper(vendor::text(vendor::field(doc, "EventType")).value_or(""));
    if (type == "COMPLETED" || type == "FAILED")  // the analysis session ended: so did the call
      return end(c, contact, c.last_ts, type == "FAILED" ? std::optional<std::string>("contact_lens_failed") : std::nullopt, out);
    auto segments = vendor::field(doc, "Segments");
    simdjson::dom::array list;
    if (!segments || segments->get_array().get(list) != simdjson::SUCCESS) {
      ++out.ignored;  // STARTED carries no segments
      return;
    }
    for (element segment : list) {
      auto transcript = vendor::field(segment, "Transcript");
      auto partial = vendor::field(segment, "Utterance");
      if (!transcript && !partial) {
        ++out.ignored;  // Categories, PostContactSummary
        continue;
      }
      element s = transcript ? *transcript : *partial;
      std::string id = vendor::text(vendor::field(s, "Id")).value_or("");
      // Ids are unique per participant, not per contact: AWS's own samples reuse them across participants.
      std::string participant = vendor::text(vendor::field(s, "ParticipantId"))
                                    .value_or(vendor::text(vendor::field(s, "ParticipantRole")).value_or(""));
      std::string kind = transcript ? "t" : "u";
      if (id.empty() || !c.seen.insert("seg/" + kind + "/" + participant + "/" + id).second) {
        ++out.ignored;
        continue;
      }
      std::string text = vendor::text(vendor::field(s, transcript ? "Content" : "PartialContent")).value_or("");
      if (text.empty()) continue;
      EventTimeMs ts = *c.start + vendor::integer(vendor::field(s, "EndOffsetMillis"))
                                      .value_or(vendor::integer(vendor::field(s, "BeginOffsetMillis")).value_or(0));
      CanonicalEvent ev = vendor::make_event(vendor::clip_id("ac-" + kind + "-" + participant + "-" + id), EventType::Utterance, contact, ts);
      ev.speaker = upper(vendor::text(vendor::field(s, "ParticipantRole")).value_or("CUSTOMER")) == "AGENT" ? Speaker::Agent
                                                                                                             : Speaker::Customer;
      ev.text = std::move(text);
      ev.final = transcript.has_value();
      ev.sentiment = sentiment_of(vendor::text(vendor::field(s, "Sentiment")));
      ev.start_ms = vendor::integer(vendor::field(s, "BeginOffsetMillis"));
      ev.end_ms = vendor::integer(vendor::field(s, "EndOffsetMillis"));
      if (ev.start_ms && *ev.start_ms < 0) ev.start_ms.reset();
      if (ev.end_ms && *ev.end_ms < 0) ev.end_ms.reset();
      emit(c, std::move(ev), out);
    }
  }

  // A forwarder connection lives for weeks: contacts are remembered for the most recent
  // kTrackedContacts only, the oldest forgotten first. A duplicate of a forgotten contact's event
  // gets through here; the engine drops it by event id (or as late, for an ended interaction).
  static constexpr std::size_t kTrackedContacts = 10000;
  Contact& track(const std::string& contact) {
    auto [it, added] = contacts_.try_emplace(contact);
    if (!added) return it->second;
    order_.push_back(contact);
    if (order_.size() > kTrackedContacts) {
      contacts_.erase(order_.front());
      order_.pop_front();
    }
    return it->second;
  }

  AdapterOptions options_;
  simdjson::dom::parser parser_;
  std::unordered_map<std::string, Contact> contacts_;  // references stay valid across inserts
  std::deque<std::string> order_;
};

}  // namespace

std::unique_ptr<EventAdapter> make_amazon_connect_adapter(const AdapterOptions& options) {
  return std::make_unique<AmazonConnectAdapter>(options);
}

}  // namespace rightmoment
