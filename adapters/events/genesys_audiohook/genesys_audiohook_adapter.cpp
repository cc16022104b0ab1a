#include "adapters/events/genesys_audiohook/genesys_audiohook_adapter.hpp"

#include <nlohmann/json.hpp>

#include "adapters/events/genesys_audiohook/audiohook_messages.hpp"
#include "adapters/events/genesys_audiohook/http_signature.hpp"
#include "adapters/events/genesys_audiohook/structured_fields.hpp"
#include "adapters/events/vendor_json.hpp"

namespace rightmoment {
namespace {

using audiohook::ClientType;
using vendor::element;

constexpr std::size_t kMaxTextMessage = 65535;                 // larger is a protocol error
constexpr std::chrono::milliseconds kRefusalDelay{500};        // a failed signature is refused no sooner
constexpr std::chrono::milliseconds kCloseWait{10'000};        // for the client's close, then its socket close

// The session's states, as the reference server names them.
enum class State { Preparing, Opening, Active, Paused, Closed, SignaledError, Unauthorized };

const char* state_name(State s) {
  switch (s) {
    case State::Preparing: return "not yet opened";
    case State::Opening: return "opening";
    case State::Active: return "active";
    case State::Paused: return "paused";
    case State::Closed: return "closed";
    case State::SignaledError: return "disconnected for an error";
    case State::Unauthorized: return "unauthorized";
  }
  return "?";
}

// Once the session is over (closed, or disconnected by us), errors are no longer answered.
bool session_over(State s) { return s == State::Closed || s == State::SignaledError || s == State::Unauthorized; }

// One AudioHook session as the server side of the protocol: the upgrade's signature, open/opened
// with the first offered media, strict seq and serverseq, ping/pong, update/updated, pause and resume,
// close/closed; every protocol error is a "disconnect" (reason "error" or "unauthorized"), after which
// the client closes. Audio is counted, never decoded. The interaction (id = conversationId) starts at
// open and ends however the session ends. Transcripts do not travel on AudioHook (they come from the
// notifications API); the setting client_transcripts = "true" reads transcript entities that a relay
// sends in "event" messages, a non-standard extension (docs/adapters/genesys-audiohook.md).
class GenesysAudioHookAdapter final : public EventAdapter {
 public:
  explicit GenesysAudioHookAdapter(const AdapterOptions& options) {
    if (options.client_secret) {
      auto secret = sfv::decode_base64(*options.client_secret);
      if (secret) secret_ = std::move(*secret);
      else secret_invalid_ = true;  // the configuration reader refuses this; never fall back to "no secret"
    }
    auto it = options.settings.find("client_transcripts");
    client_transcripts_ = it != options.settings.end() && it->second == "true";
  }
  std::string_view name() const override { return "genesys-audiohook"; }

  void on_open(const HandshakeInfo& info, AdapterOutput& out) override {
    if (auto it = info.headers.find("audiohook-session-id"); it != info.headers.end() && audiohook::is_uuid(it->second))
      session_id_ = it->second;
    if (auto it = info.headers.find("audiohook-organization-id"); it != info.headers.end()) org_header_ = it->second;
    auto verdict = secret_invalid_ ? audiohook::SignatureVerdict{false, "the listener's client secret is not base64"}
                                   : audiohook::verify_request_signature(info, secret_, info.opened_at_ms);
    if (!verdict.verified) {
      // Refused as the reference server refuses: a disconnect no sooner than 500 ms after the upgrade,
      // so the time taken tells nothing about which check failed.
      refusal_ = "signature: " + verdict.reason;
      wake(out, Wake::Refusal, kRefusalDelay);
    }
  }

  void on_timer(EventTimeMs wall_now, AdapterOutput& out) override {
    Wake what = wake_;
    wake_ = Wake::None;
    if (what == Wake::Refusal && !session_over(state_)) return disconnect(out, wall_now, "unauthorized", "unauthorized", *refusal_);
    if (what == Wake::SocketClose) {
      out.close = true;
      out.close_reason = "AudioHook: the client did not close the session within 10 s";
    }
  }

  void on_text(std::string_view message, EventTimeMs wall_now, AdapterOutput& out) override {
    if (message.size() > kMaxTextMessage) return on_too_large(message.size(), kMaxTextMessage, wall_now, out);
    element doc;
    simdjson::padded_string padded(message);
    if (parser_.parse(padded).get(doc) != simdjson::SUCCESS)
      return protocol_error(out, wall_now, "invalid_json", "the text message is not valid JSON");
    auto msg = audiohook::read_client_message(doc);
    if (!msg) return protocol_error(out, wall_now, "protocol", "the message is not a well-formed AudioHook client message");
    if (msg->seq != client_seq_ + 1) {
      // Once we have disconnected, the client's close is answered even if a message we could not
      // read (too large, not JSON) used up a seq.
      bool closing_after_disconnect = (state_ == State::SignaledError || state_ == State::Unauthorized) &&
                                      msg->type == "close" && msg->seq > client_seq_;
      if (!closing_after_disconnect)
        return protocol_error(out, wall_now, "protocol",
                              "seq " + std::to_string(msg->seq) + " does not follow " + std::to_string(client_seq_));
    }
    client_seq_ = msg->seq;
    if (msg->serverseq > server_seq_)
      return protocol_error(out, wall_now, "protocol",
                            "serverseq " + std::to_string(msg->serverseq) + " is beyond our last seq " + std::to_string(server_seq_));
    if (session_id_.empty()) session_id_ = std::string(msg->id);  // no Audiohook-Session-Id header: the first message names it
    else if (msg->id != session_id_) return protocol_error(out, wall_now, "protocol", "the message's id is not this session's id");
    ClientType type = audiohook::client_type(msg->type);
    if (type == ClientType::Event && !client_transcripts_) type = ClientType::Unknown;  // a server message
    if (type == ClientType::Unknown)
      return protocol_error(out, wall_now, "unsupported",
                            "'" + std::string(msg->type.substr(0, 64)) + "' is not an AudioHook client message");
    if (!audiohook::valid_parameters(type, msg->parameters))
      return protocol_error(out, wall_now, "invalid_value",
                            "the '" + std::string(msg->type) + "' message's parameters are missing or invalid");
    if (auto ms = vendor::duration_ms(msg->position)) position_ms_ = *ms;

    switch (type) {
      case ClientType::Open: return on_open_message(msg->parameters, wall_now, out);
      case ClientType::Close: return on_close_message(out);
      case ClientType::Ping: return reply(out, "pong", nlohmann::json::object());
      case ClientType::Update:
        if (state_ == State::Active || state_ == State::Paused) return reply(out, "updated", nlohmann::json::object());
        break;
      case ClientType::Paused:
        if (state_ == State::Active) {
          state_ = State::Paused;
          ++out.ignored;
          return;
        }
        break;
      case ClientType::Resumed:
        if (state_ == State::Paused) {
          state_ = State::Active;
          ++out.ignored;
          return;
        }
        break;
      case ClientType::Event:
        if (state_ == State::Active || state_ == State::Paused) return on_entities(msg->parameters, wall_now, out);
        break;
      case ClientType::Discarded:
      case ClientType::Error:
      case ClientType::Unknown:
        break;
    }
    ++out.ignored;  // discarded, the client's error, and messages that do not apply in this state
  }

  void on_binary(std::size_t bytes, EventTimeMs wall_now, AdapterOutput& out) override {
    if (session_over(state_)) {
      ++out.ignored;  // nothing is answered once the session is over
      return;
    }
    if (state_ != State::Active)
      return protocol_error(out, wall_now, "protocol", std::string("audio while the session is ") + state_name(state_));
    if (!media_) return protocol_error(out, wall_now, "protocol", "audio, but no media format was chosen");
    std::size_t sample_bytes = media_->channels.size() * (media_->format == "L16" ? 2 : 1);
    if (sample_bytes == 0 || bytes % sample_bytes != 0)
      return protocol_error(out, wall_now, "protocol",
                            "an audio frame of " + std::to_string(bytes) + " bytes is not a whole number of samples");
    ++out.ignored;  // audio frames are counted by the transport, never decoded
  }

  // Refused with a disconnect, as any protocol error (its seq is unknown: the client's close is still answered).
  void on_too_large(std::size_t bytes, std::size_t limit, EventTimeMs wall_now, AdapterOutput& out) override {
    protocol_error(out, wall_now, "too_large",
                   "a text message of " + std::to_string(bytes) + " bytes is over the limit of " + std::to_string(limit));
  }

  // The socket is gone (the client closed it, it dropped, it idled out, the plugin stops).
  void on_close(EventTimeMs wall_now, AdapterOutput& out) override { end_interaction(out, wall_now); }

 private:
  enum class Wake { None, Refusal, SocketClose };

  void on_open_message(const element& params, EventTimeMs wall_now, AdapterOutput& out) {
    if (state_ != State::Preparing) {
      ++out.ignored;  // a second open, or one after a refusal: ignored, as the reference server does
      return;
    }
    // Both are there, as UUIDs: the parameters were validated.
    std::string org = vendor::text(vendor::field(params, "organizationId")).value_or("");
    if (org_header_.empty())
      return disconnect(out, wall_now, "unauthorized", "unauthorized", "the request has no Audiohook-Organization-Id header");
    if (org != org_header_)
      return disconnect(out, wall_now, "unauthorized", "unauthorized",
                        "the open's organizationId is not the Audiohook-Organization-Id header");
    if (refusal_) {
      state_ = State::Opening;  // never opened: the refusal follows at the 500 ms mark
      return;
    }
    stream_origin_ = wall_now - position_ms_;
    conversation_ = vendor::text(vendor::field(params, "conversationId")).value_or("");
    media_ = audiohook::first_offered_media(params);
    // Answer at once: Genesys fails the call when "opened" takes over 5 s.
    nlohmann::json media = nlohmann::json::array();
    if (media_) media.push_back(nlohmann::json::parse(media_->json, nullptr, false));
    nlohmann::json opened{{"media", std::move(media)}, {"startPaused", false}};
    if (auto wants = vendor::boolean(vendor::field(params, "supportedLanguages")); wants && *wants)
      opened["supportedLanguages"] = nlohmann::json::array();  // we transcribe nothing
    reply(out, "opened", std::move(opened));
    state_ = State::Active;
    if (conversation_ == audiohook::kNullUuid) return;  // the connection probe: answered, no interaction
    out.events.push_back(started_event(params, wall_now));
    interaction_started_ = true;
  }

  CanonicalEvent started_event(const element& params, EventTimeMs wall_now) const {
    // interaction_id is the conversationId, which the notifications API names the same call by.
    CanonicalEvent ev = vendor::make_event("ah-open", EventType::InteractionStarted, vendor::clip_id(conversation_), wall_now);
    ev.channel = "voice";
    ev.direction = "inbound";
    if (auto participant = vendor::field(params, "participant")) {
      ev.customer.phone = vendor::text(vendor::field(*participant, "ani"));
      ev.customer.name = vendor::text(vendor::field(*participant, "aniName"));
      if (ev.customer.phone && ev.customer.phone->empty()) ev.customer.phone.reset();
      if (ev.customer.name && ev.customer.name->empty()) ev.customer.name.reset();
    }
    if (auto custom = vendor::field(params, "customConfig")) {
      ev.agent_id = vendor::text(vendor::field(*custom, "agentId"));
      ev.customer.account_id = vendor::text(vendor::field(*custom, "accountId"));
      ev.customer.email = vendor::text(vendor::field(*custom, "customerEmail"));
      ev.queue = vendor::text(vendor::field(*custom, "queue"));
      if (auto dir = vendor::text(vendor::field(*custom, "direction")); dir == "outbound") ev.direction = "outbound";
    }
    return ev;
  }

  void on_close_message(AdapterOutput& out) {
    if (state_ == State::Closed) {
      ++out.ignored;
      return;
    }
    reply(out, "closed", nlohmann::json::object());
    state_ = State::Closed;
    end_interaction(out, stream_origin_ + position_ms_);
    wake(out, Wake::SocketClose, kCloseWait);  // the client closes the socket; if it never does, we do
  }

  // The non-standard extension: transcript entities sent by the client. The speaker is the channel
  // that channelId indexes in the media chosen at open ("external" = customer, "internal" = agent).
  void on_entities(const element& params, EventTimeMs wall_now, AdapterOutput& out) {
    simdjson::dom::array list;
    if (params["entities"].get_array().get(list) != simdjson::SUCCESS) return;
    for (element entity : list) {
      auto data = vendor::field(entity, "data");
      if (vendor::text(vendor::field(entity, "type")) != "transcript" || !data) {
        ++out.ignored;
        continue;
      }
      auto channel_id = vendor::integer(vendor::field(*data, "channelId"));
      if (!media_ || !channel_id || *channel_id < 0 || static_cast<std::size_t>(*channel_id) >= media_->channels.size()) {
        ++out.ignored;  // no speaker can be told
        continue;
      }
      std::string text = first_transcript(*data);
      if (text.empty()) {
        ++out.ignored;
        continue;
      }
      bool final = vendor::boolean(vendor::field(*data, "isFinal")).value_or(true);
      std::string id = vendor::text(vendor::field(*data, "id")).value_or(std::to_string(client_seq_));
      EventTimeMs ts = wall_now;
      if (auto offset = vendor::text(vendor::field(*data, "offset")))
        if (auto ms = vendor::duration_ms(*offset)) ts = stream_origin_ + *ms;
      CanonicalEvent ev = vendor::make_event(vendor::clip_id("ah-t-" + id + (final ? "" : "-p" + std::to_string(client_seq_))),
                                             EventType::Utterance, vendor::clip_id(conversation_), ts);
      ev.speaker = media_->channels[static_cast<std::size_t>(*channel_id)] == "internal" ? Speaker::Agent : Speaker::Customer;
      ev.text = std::move(text);
      ev.final = final;
      out.events.push_back(std::move(ev));
    }
  }

  static std::string first_transcript(const element& data) {
    simdjson::dom::array alts, ints;
    auto alternatives = vendor::field(data, "alternatives");
    if (!alternatives || alternatives->get_array().get(alts) != simdjson::SUCCESS || alts.size() == 0) return {};
    auto interpretations = vendor::field(alts.at(0).value_unsafe(), "interpretations");
    if (!interpretations || interpretations->get_array().get(ints) != simdjson::SUCCESS || ints.size() == 0) return {};
    return vendor::text(vendor::field(ints.at(0).value_unsafe(), "transcript")).value_or("");
  }

  // Sends disconnect(reason "error") unless the session is over; the refusal is logged and counted.
  void protocol_error(AdapterOutput& out, EventTimeMs wall_now, const char* code, std::string info) {
    if (session_over(state_)) {
      ++out.ignored;
      return;
    }
    disconnect(out, wall_now, "error", code, std::move(info));
  }

  // Our own end of the session: the client answers with close, we with closed, then it closes the socket.
  void disconnect(AdapterOutput& out, EventTimeMs wall_now, const char* reason, const char* code, std::string info) {
    reply(out, "disconnect", {{"reason", reason}, {"info", info}});
    state_ = std::string_view(reason) == "unauthorized" ? State::Unauthorized : State::SignaledError;
    out.rejections.push_back(EventRejection{code, "AudioHook disconnect (" + std::string(reason) + "): " + info, std::nullopt, true});
    end_interaction(out, wall_now);
    wake(out, Wake::SocketClose, kCloseWait);
  }

  void end_interaction(AdapterOutput& out, EventTimeMs ts) {
    if (!interaction_started_ || interaction_ended_) return;
    interaction_ended_ = true;
    out.events.push_back(vendor::make_event("ah-closed", EventType::InteractionEnded, vendor::clip_id(conversation_), ts));
  }

  void wake(AdapterOutput& out, Wake what, std::chrono::milliseconds after) {
    wake_ = what;
    out.wake_after = after;
  }

  void reply(AdapterOutput& out, const char* type, nlohmann::json parameters) {
    nlohmann::json j{{"version", "2"},
                     {"type", type},
                     {"seq", ++server_seq_},
                     {"clientseq", client_seq_},
                     {"id", session_id_.empty() ? std::string(audiohook::kNullUuid) : session_id_},
                     {"parameters", std::move(parameters)}};
    out.replies.push_back(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }

  sfv::Bytes secret_;
  bool secret_invalid_ = false;
  bool client_transcripts_ = false;
  simdjson::dom::parser parser_;
  State state_ = State::Preparing;
  Wake wake_ = Wake::None;
  std::optional<std::string> refusal_;  // why the upgrade's signature failed
  std::string session_id_;               // Audiohook-Session-Id, or the first message's id
  std::string org_header_;
  std::int64_t client_seq_ = 0;
  std::int64_t server_seq_ = 0;
  std::int64_t position_ms_ = 0;         // the last client message's stream position
  EventTimeMs stream_origin_ = 0;        // wall clock at stream position 0
  std::string conversation_;
  std::optional<audiohook::MediaFormat> media_;
  bool interaction_started_ = false;
  bool interaction_ended_ = false;
};

}  // namespace

std::unique_ptr<EventAdapter> make_genesys_audiohook_adapter(const AdapterOptions& options) {
  return std::make_unique<GenesysAudioHookAdapter>(options);
}

}  // namespace rightmoment
