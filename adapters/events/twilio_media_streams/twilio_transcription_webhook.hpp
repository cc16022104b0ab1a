#pragma once
// Twilio's real-time transcription webhooks, received directly: the statusCallbackUrl of
// <Start><Transcription> pointed at a webhook endpoint with "adapter": "twilio-transcriptions"
// (docs/adapters/twilio-media-streams.md).
#include <memory>
#include <string>

#include "plugin/core/webhook_adapter.hpp"

namespace rightmoment {

// settings: "public_url" (the scheme, host and any path prefix Twilio calls, which is what it signs;
// required), "auth_token" and/or "auth_token_env" (the account's auth token; the variable may hold
// several, comma-separated, while a token is rotated). nullptr with the reason when one is wrong.
std::unique_ptr<WebhookAdapter> make_twilio_transcription_webhook(const AdapterOptions& options, std::string& error);

}  // namespace rightmoment
