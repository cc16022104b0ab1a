#pragma once
// The HTTP message signature (RFC 9421, hmac-sha256) with which Genesys Cloud signs the upgrade
// request of an AudioHook session, checked as Genesys' reference server checks it: the signature
// covers @request-target, @authority and the headers audiohook-organization-id, audiohook-session-id,
// audiohook-correlation-id and x-api-key; its keyid is the X-API-KEY; its nonce has at least 22
// characters; it is at most 10 s old and not expired (3 s of clock skew allowed); the HMAC key is the
// integration's client secret, base64-decoded. An unsigned request passes only when the listener has
// no client secret.
#include <string>
#include <vector>

#include "plugin/core/event_adapter.hpp"

namespace rightmoment::audiohook {

struct SignatureVerdict {
  bool verified = false;
  std::string reason;  // why not, for the disconnect's info and the log
};

// request: the upgrade's target and lower-cased headers. secret: the client secret's bytes (empty
// when the listener has none). now_ms: the wall clock when the upgrade arrived.
SignatureVerdict verify_request_signature(const HandshakeInfo& request, const std::vector<unsigned char>& secret,
                                          EventTimeMs now_ms);

}  // namespace rightmoment::audiohook
