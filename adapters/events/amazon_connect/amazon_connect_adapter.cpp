#include "adapters/events/amazon_connect/amazon_connect_adapter.hpp"

#include <algorithm>
#include <deque>
#include <set>
#include <unordered_set>
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

// Messages of one forwarder connection. AWS delivers contact events at least once and in any order,
// and its own samples vary in letter case: keys are matched without case and duplicates dropped.
class AmazonConnectAdapter final : public EventAdapter {
 public:
  explicit AmazonConnectAdapter(const AdapterOptions& options) : options_(options) {}
  std::string_view name() const override { return "amazon-connect"; }

  void on_text(std::string_view message, EventTimeMs wall_now, AdapterOutput& out) override {
    element doc;
    if (!vendor::parse_object(parser_, message, doc, out, options_.max_message_bytes)) return;
    bool contact_lens = vendor::field(doc, "Segments").has_value() ||
                        (vendor::field(doc, "ContactId") && vendor::field(doc, "EventType") && !vendor::field(doc, "detail"));
    if (contact_lens)
      return on_segments(doc, wall_now, out);
    auto detail = vendor::field(doc, "detail");
    element d = detail ? *detail : doc;
    if (vendor::field(d, "eventType") && vendor::field(d, "contactId")) return on_contact_event(doc, d, wall_now, out);
    ++out.ignored;  // agent events and anything else the forwarder sends along
  }

 private:
  EventTimeMs time_or(const std::optional<element>& e, EventTimeMs fallback) {
    if (auto s = vendor::text(e))
      if (auto t = parse_rfc3339(*s)) return *t;
    return fallback;
  }

  void on_contact_event(const element& envelope, const element& d, EventTimeMs wall_now, AdapterOutput& out) {
    std::string type = upper(vendor::text(vendor::field(d, "eventType")).value_or(""));
    std::string contact = vendor::clip_id(vendor::text(vendor::field(d, "contactId")).value_or(""));
    if (contact.empty()) {
      out.rejections.push_back(EventRejection{"missing_field", "a contact event needs detail.contactId", std::nullopt});
      return;
    }
    track(contact);
    if (!seen_.insert(contact + "/" + type).second) {
      ++out.ignored;  // a duplicate delivery
      return;
    }
    EventTimeMs envelope_time = time_or(vendor::field(envelope, "time"), wall_now);
    if (type == "INITIATED" || type == "CONNECTED_TO_SYSTEM" || type == "QUEUED") {
      if (!started_.insert(contact).second) {
        ++out.ignored;
        return;
      }
      EventTimeMs ts = time_or(vendor::field(d, "initiationTimestamp"), envelope_time);
      contact_start_[contact] = ts;
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
      out.events.push_back(std::move(ev));
      return;
    }
    if (type == "CONNECTED_TO_AGENT") {
      auto agent = vendor::field(d, "agentInfo");
      std::string arn = agent ? vendor::text(vendor::field(*agent, "agentArn")).value_or("") : "";
      std::string agent_id = arn.substr(arn.rfind('/') == std::string::npos ? 0 : arn.rfind('/') + 1);
      if (agent_id.empty()) agent_id = "unknown-agent";
      EventTimeMs ts = agent ? time_or(vendor::field(*agent, "connectedToAgentTimestamp"), envelope_time) : envelope_time;
      CanonicalEvent ev = vendor::make_event(vendor::clip_id("ac-agent-" + agent_id), EventType::AgentJoined, contact, ts);
      ev.agent_id = vendor::clip_id(agent_id);
      out.events.push_back(std::move(ev));
      return;
    }
    if (type == "DISCONNECTED" || type == "COMPLETED") {
      if (!ended_.insert(contact).second) {
        ++out.ignored;  // COMPLETED after DISCONNECTED
        return;
      }
      EventTimeMs ts = time_or(vendor::field(d, "disconnectTimestamp"), envelope_time);
      CanonicalEvent ev = vendor::make_event("ac-ended", EventType::InteractionEnded, contact, ts);
      ev.reason = vendor::text(vendor::field(d, "disconnectReason"));
      out.events.push_back(std::move(ev));
      return;
    }
    ++out.ignored;  // CONTACT_DATA_UPDATED and others
  }

  void on_segments(const element& doc, EventTimeMs wall_now, AdapterOutput& out) {
    std::string contact = vendor::clip_id(vendor::text(vendor::field(doc, "ContactId")).value_or(""));
    if (contact.empty()) {
      out.rejections.push_back(EventRejection{"missing_field", "a Contact Lens message needs ContactId", std::nullopt});
      return;
    }
    track(contact);
    auto start = contact_start_.find(contact);
    EventTimeMs base = start != contact_start_.end() ? start->second : contact_start_.emplace(contact, wall_now).first->second;
    auto segments = vendor::field(doc, "Segments");
    simdjson::dom::array list;
    if (!segments || segments->get_array().get(list) != simdjson::SUCCESS) {
      ++out.ignored;  // STARTED, COMPLETED, FAILED carry no segments
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
      if (id.empty() || !seen_.insert(contact + "/seg/" + id).second) {
        ++out.ignored;
        continue;
      }
      std::string text = vendor::text(vendor::field(s, transcript ? "Content" : "PartialContent")).value_or("");
      if (text.empty()) continue;
      EventTimeMs ts = base + vendor::integer(vendor::field(s, "EndOffsetMillis"))
                                  .value_or(vendor::integer(vendor::field(s, "BeginOffsetMillis")).value_or(0));
      CanonicalEvent ev = vendor::make_event(vendor::clip_id((transcript ? "ac-t-" : "ac-u-") + id), EventType::Utterance, contact, ts);
      ev.speaker = upper(vendor::text(vendor::field(s, "ParticipantRole")).value_or("CUSTOMER")) == "AGENT" ? Speaker::Agent
                                                                                                             : Speaker::Customer;
      ev.text = std::move(text);
      ev.final = transcript.has_value();
      ev.sentiment = sentiment_of(vendor::text(vendor::field(s, "Sentiment")));
      ev.start_ms = vendor::integer(vendor::field(s, "BeginOffsetMillis"));
      ev.end_ms = vendor::integer(vendor::field(s, "EndOffsetMillis"));
      if (ev.start_ms && *ev.start_ms < 0) ev.start_ms.reset();
      if (ev.end_ms && *ev.end_ms < 0) ev.end_ms.reset();
      out.events.push_back(std::move(ev));
    }
  }

  // A forwarder connection lives for weeks: what we remember per contact (duplicates, start time)
  // is kept for the most recent kTrackedContacts contacts only, the oldest forgotten first. A
  // duplicate of a forgotten contact's event gets through here; the engine drops it by event id
  // (or as late, for an ended interaction).
  static constexpr std::size_t kTrackedContacts = 10000;
  void track(const std::string& contact) {
    if (!tracked_.insert(contact).second) return;
    order_.push_back(contact);
    if (order_.size() <= kTrackedContacts) return;
    const std::string old = std::move(order_.front());
    order_.pop_front();
    tracked_.erase(old);
    seen_.erase(seen_.lower_bound(old + "/"), seen_.lower_bound(old + "0"));  // '0' follows '/'
    started_.erase(old);
    ended_.erase(old);
    contact_start_.erase(old);
  }

  AdapterOptions options_;
  simdjson::dom::parser parser_;
  std::set<std::string> seen_, started_, ended_;
  std::unordered_map<std::string, EventTimeMs> contact_start_;
  std::unordered_set<std::string> tracked_;
  std::deque<std::string> order_;
};

}  // namespace

std::unique_ptr<EventAdapter> make_amazon_connect_adapter(const AdapterOptions& options) {
  return std::make_unique<AmazonConnectAdapter>(options);
}

}  // namespace rightmoment
