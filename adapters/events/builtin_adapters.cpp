// Every adapter this project ships, registered once under the name a configuration gives.
#include "adapters/events/builtin_adapters.hpp"

#include "adapters/events/amazon_connect/amazon_connect_adapter.hpp"
#include "adapters/events/generic/generic_adapter.hpp"
#include "adapters/events/genesys_audiohook/genesys_audiohook_adapter.hpp"
#include "adapters/events/genesys_notifications/genesys_notifications_adapter.hpp"
#include "adapters/events/twilio_media_streams/twilio_media_streams_adapter.hpp"
#include "adapters/events/twilio_media_streams/twilio_transcription_webhook.hpp"

namespace rightmoment {

const AdapterRegistry& builtin_adapters() {
  static const AdapterRegistry registry = [] {
    AdapterRegistry r;
    r.add_event_adapter("generic", &make_generic_adapter)
        .add_event_adapter("genesys-audiohook", &make_genesys_audiohook_adapter)
        .add_event_adapter("genesys-notifications", &make_genesys_notifications_adapter)
        .add_event_adapter("twilio-media-streams", &make_twilio_media_streams_adapter)
        .add_event_adapter("amazon-connect", &make_amazon_connect_adapter)
        .add_webhook_adapter("twilio-transcriptions", &make_twilio_transcription_webhook);
    return r;
  }();
  return registry;
}

}  // namespace rightmoment
