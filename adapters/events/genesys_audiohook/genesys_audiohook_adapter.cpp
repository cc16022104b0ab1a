#include "adapters/events/genesys_audiohook/genesys_audiohook_adapter.hpp"

#include <nlohmann/json.hpp>

#include "adapters/events/vendor_json.hpp"

namespace rightmoment {
namespace {

using vendor::element;

constexpr std::string_view kProbeConversation = "00000000-0000-0000-0000-000000000000";

// One AudioHook session: the open/opened handshake, sequence numbers in both directions, pings,
// pause/resume, close/closed; transcript entities become utterances. Audio is counted, not decoded.
class GenesysAudioHookAdapter final : public EventAdapter {
 public:
  explicit GenesysAudioHookAdapter(const AdapterOptions& options) : options_(options) {}
  std::string_view name() const override { return "genesys-audiohook"; }

  void on_text(std::string_view message, EventTimeMs wall_now, AdapterOutput& out) override {
    element doc;
    if (!vendor::parse_object(parser_, message, doc, out, options_.max_message_bytes)) return;
    auto type = vendor::text(vendor::field(doc, "type"));
    auto seq = vendor::integer(vendor::field(doc, "seq"));
    auto id = vendor::text(vendor::field(doc, "id"));
    if (!type || !seq || !id) {
      out.rejections.push_back(EventRejection{"missing_field", "an AudioHook message needs type, seq and id", std::nullopt});
      return;
    }
    // The reference server disconnects on any sequence gap or a changed session id.
    if (*seq != client_seq_ + 1) return disconnect(out, "error", "seq " + std::to_string(*seq) + " after " + std::to_string(client_seq_));
    if (!session_id_.empty() && *id != session_id_) return disconnect(out, "error", "the session id changed");
    client_seq_ = *seq;
    session_id_ = *id;
    element params = vendor::field(doc, "parameters").value_or(doc);

    if (*type == "open") return on_open_message(params, wall_now, out);
    if (!opened_) return disconnect(out, "error", "'" + *type + "' before open");
    if (*type == "ping") return reply(out, "pong", nlohmann::json::object());
    if (*type == "update") return reply(out, "updated", nlohmann::json::object());
    if (*type == "close") {
      reply(out, "closed", nlohmann::json::object());
      auto reason = vendor::text(vendor::field(params, "reason")).value_or("end");
      if (!probe_ && reason == "end")
        out.events.push_back(vendor::make_event("ah-closed", EventType::InteractionEnded, conversation_, position_time(doc, wall_now)));
      closed_ = true;
      return;
    }
    if (*type == "paused") {
      paused_ = true;
      ++out.ignored;
      return;
    }
    if (*type == "resumed") {
      paused_ = false;
      ++out.ignored;
      return;
    }
    if (*type == "event") return on_entities(params, wall_now, out);
    ++out.ignored;  // discarded, error, and types a later protocol version may add
  }

  void on_binary(std::size_t, EventTimeMs, AdapterOutput& out) override {
    if (!opened_ || closed_ || paused_) return disconnect(out, "error", "audio while the session is not active");
    ++out.ignored;  // audio frames are counted by the transport, never decoded
  }

 private:
  void on_open_message(const element& params, EventTimeMs wall_now, AdapterOutput& out) {
    if (opened_) return disconnect(out, "error", "a second open");
    opened_ = true;
    open_wall_ = wall_now;
    conversation_ = vendor::text(vendor::field(params, "conversationId")).value_or("");
    probe_ = conversation_ == kProbeConversation;
    // Answer at once (Genesys fails the call when "opened" takes over 5 s), choosing the first offer.
    nlohmann::json media = nlohmann::json::array();
    if (auto offered = vendor::field(params, "media")) {
      simdjson::dom::array list;
      if (offered->get_array().get(list) == simdjson::SUCCESS)
        for (element m : list) {
          media.push_back(nlohmann::json::parse(simdjson::minify(m), nullptr, false));
          break;
        }
    }
    reply(out, "opened", {{"startPaused", false}, {"media", media}});
    if (probe_ || conversation_.empty()) return;  // the connection probe: answered, no interaction
    CanonicalEvent ev = vendor::make_event("ah-open", EventType::InteractionStarted, vendor::clip_id(conversation_), wall_now);
    ev.channel = "voice";
    ev.direction = "inbound";
    if (auto participant = vendor::field(params, "participant")) {
      ev.customer.phone = vendor::text(vendor::field(*participant, "ani"));
      ev.customer.name = vendor::text(vendor::field(*participant, "aniName"));
      if (ev.customer.phone && ev.customer.phone->empty()) ev.customer.phone.reset();
    }
    if (auto custom = vendor::field(params, "customConfig")) {
      ev.agent_id = vendor::text(vendor::field(*custom, "agentId"));
      ev.customer.account_id = vendor::text(vendor::field(*custom, "accountId"));
      ev.customer.email = vendor::text(vendor::field(*custom, "customerEmail"));
      ev.queue = vendor::text(vendor::field(*custom, "queue"));
      if (auto dir = vendor::text(vendor::field(*custom, "direction")); dir == "outbound") ev.direction = "outbound";
    }
    out.events.push_back(std::move(ev));
  }

  void on_entities(const element& params, EventTimeMs wall_now, AdapterOutput& out) {
    auto entities = vendor::field(params, "entities");
    simdjson::dom::array list;
    if (!entities || entities->get_array().get(list) != simdjson::SUCCESS) {
      ++out.ignored;
      return;
    }
    for (element entity : list) {
      if (vendor::text(vendor::field(entity, "type")) != "transcript") {
        ++out.ignored;
        continue;
      }
      auto data = vendor::field(entity, "data");
      if (!data) continue;
      std::string text;
      if (auto alternatives = vendor::field(*data, "alternatives")) {
        simdjson::dom::array alts;
        if (alternatives->get_array().get(alts) == simdjson::SUCCESS && alts.size() > 0) {
          auto interpretations = vendor::field(alts.at(0).value_unsafe(), "interpretations");
          simdjson::dom::array ints;
          if (interpretations && interpretations->get_array().get(ints) == simdjson::SUCCESS && ints.size() > 0)
            text = vendor::text(vendor::field(ints.at(0).value_unsafe(), "transcript")).value_or("");
        }
      }
      if (text.empty()) continue;
      bool final = vendor::boolean(vendor::field(*data, "isFinal")).value_or(true);
      std::string id = vendor::text(vendor::field(*data, "id")).value_or(std::to_string(client_seq_));
      EventTimeMs ts = wall_now;
      if (auto offset = vendor::text(vendor::field(*data, "offset")))
        if (auto ms = vendor::duration_ms(*offset)) ts = open_wall_ + *ms;
      CanonicalEvent ev = vendor::make_event(vendor::clip_id("ah-t-" + id + (final ? "" : "-p" + std::to_string(client_seq_))),
                                             EventType::Utterance, vendor::clip_id(conversation_), ts);
      ev.speaker = vendor::text(vendor::field(*data, "channel")) == "internal" ? Speaker::Agent : Speaker::Customer;
      ev.text = std::move(text);
      ev.final = final;
      out.events.push_back(std::move(ev));
    }
  }

  EventTimeMs position_time(const element& doc, EventTimeMs wall_now) const {
    if (auto pos = vendor::text(vendor::field(doc, "position")))
      if (auto ms = vendor::duration_ms(*pos)) return open_wall_ + *ms;
    return wall_now;
  }

  void reply(AdapterOutput& out, const char* type, nlohmann::json parameters) {
    nlohmann::json j{{"version", "2"}, {"type", type}, {"seq", ++server_seq_}, {"clientseq", client_seq_},
                     {"id", session_id_}, {"parameters", std::move(parameters)}};
    out.replies.push_back(j.dump());
  }

  void disconnect(AdapterOutput& out, const char* reason, const std::string& info) {
    // Only AudioHook's own disconnect goes back to Genesys (a generic error frame would not be part
    // of its protocol); the reason is logged by the transport with the close.
    reply(out, "disconnect", {{"reason", reason}, {"info", info}});
    out.close = true;
    out.close_reason = "AudioHook: " + info;
    closed_ = true;
  }

  AdapterOptions options_;
  simdjson::dom::parser parser_;
  std::int64_t client_seq_ = 0;
  std::int64_t server_seq_ = 0;
  std::string session_id_;
  std::string conversation_;
  EventTimeMs open_wall_ = 0;
  bool opened_ = false;
  bool closed_ = false;
  bool paused_ = false;
  bool probe_ = false;
};

}  // namespace

std::unique_ptr<EventAdapter> make_genesys_audiohook_adapter(const AdapterOptions& options) {
  return std::make_unique<GenesysAudioHookAdapter>(options);
}

}  // namespace rightmoment
