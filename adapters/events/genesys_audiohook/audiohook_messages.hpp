#pragma once
// The AudioHook protocol's client messages (version "2") as Genesys' reference implementation
// defines and validates them: what a well-formed client message is, which parameters each type
// requires, and the media formats an open offers.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

namespace rightmoment::audiohook {

using simdjson::dom::element;

constexpr std::string_view kNullUuid = "00000000-0000-0000-0000-000000000000";

bool is_uuid(std::string_view s);           // an RFC 4122 UUID (versions 1 to 5), or the null UUID
bool is_duration(std::string_view s);       // "PT<seconds>S": "PT0S", "PT12.34S"
bool is_language_code(std::string_view s);  // "en-US"

// The envelope every client message has.
struct ClientMessage {
  std::string_view type;
  std::string_view id;
  std::int64_t seq = 0;
  std::int64_t serverseq = 0;
  std::string_view position;
  element parameters;  // an object
};

// nullopt unless doc is an object with version "2", a UUID id, a string type, seq and serverseq as
// non-negative integers, a duration position and an object of parameters.
std::optional<ClientMessage> read_client_message(const element& doc);

// "event" is a server message; it is named here for the adapter's non-standard extension only.
enum class ClientType { Open, Close, Discarded, Error, Paused, Ping, Resumed, Update, Event, Unknown };
ClientType client_type(std::string_view type);

// Whether the parameters have everything the type requires, each of the right form.
bool valid_parameters(ClientType type, const element& parameters);

// A media format from an open's offer: audio, PCMU or L16, at 8000 Hz, with one or two channels.
struct MediaFormat {
  std::string json;  // the offer's own object, to send back in "opened"
  std::string format;
  std::vector<std::string> channels;  // "external" (the customer), "internal" (the agent), in frame order
};
// The first format offered (the one the reference server chooses); nullopt when none is.
std::optional<MediaFormat> first_offered_media(const element& open_parameters);

}  // namespace rightmoment::audiohook
