// The AudioHook upgrade signature: the test vector of vendor-protocols.md verifies, and every check
// the reference server makes refuses what it refuses (issue 14, point 3). Also the structured-field
// reader it rests on.
#include <gtest/gtest.h>

#include "adapters/events/genesys_audiohook/http_signature.hpp"
#include "adapters/events/genesys_audiohook/structured_fields.hpp"
#include "tests/adapters/events/genesys_audiohook/audiohook_test_helpers.hpp"

namespace rightmoment {
namespace {

using audiohook::verify_request_signature;
using testing::AudioHookUpgrade;

const std::string kSecret = "TXlTdXBlclNlY3JldEtleVRlbGxOby0xITJAMyM0JDU=";
constexpr std::int64_t kCreated = 1641013200;
constexpr EventTimeMs kNow = kCreated * 1000 + 2000;  // two seconds after signing

std::vector<unsigned char> secret(const std::string& b64 = kSecret) { return *sfv::decode_base64(b64); }

// The vendor's documented example, to the byte.
AudioHookUpgrade vendor_example() {
  AudioHookUpgrade u;
  u.target = "/api/v1/voicebiometrics/ws";
  u.authority = "audiohook.example.com";
  u.organization_id = "d7934305-0972-4844-938e-9060eef73d05";
  u.session_id = "30b0e395-84d3-4570-ac13-9a62d8f514c0";
  u.correlation_id = "e160e428-53e2-487c-977d-96989bf5c99d";
  u.api_key = "SGVsbG8sIEkgYW0gdGhlIEFQSSBrZXkh";
  return u;
}

HandshakeInfo request(const AudioHookUpgrade& u, const std::optional<testing::SignatureHeaders>& sig) {
  HandshakeInfo info;
  info.target = u.target;
  info.headers = {{"host", u.authority},
                  {"audiohook-organization-id", u.organization_id},
                  {"audiohook-session-id", u.session_id},
                  {"audiohook-correlation-id", u.correlation_id},
                  {"x-api-key", u.api_key}};
  if (sig) {
    info.headers["signature-input"] = sig->signature_input;
    info.headers["signature"] = sig->signature;
  }
  return info;
}

HandshakeInfo signed_request(const AudioHookUpgrade& u = vendor_example(), std::int64_t created = kCreated,
                             const std::string& key = kSecret) {
  return request(u, testing::sign_upgrade(u, key, created, created + 30));
}

TEST(AudioHookSignature, TheVendorsTestVectorVerifies) {
  AudioHookUpgrade u = vendor_example();
  auto sig = testing::sign_upgrade(u, kSecret, kCreated, 3282026430);
  EXPECT_EQ(sig.signature, "sig1=:NZBwyBHRRyRoeLqy1IzOa9VYBuI8TgMFt2GRDkDuJh4=:");  // our signer is the vendor's
  // The header values exactly as documented.
  auto info = request(u, testing::SignatureHeaders{
                             R"(sig1=("@request-target" "@authority" "audiohook-organization-id" "audiohook-session-id" "audiohook-correlation-id" "x-api-key");keyid="SGVsbG8sIEkgYW0gdGhlIEFQSSBrZXkh";nonce="VGhpc0lzQVVuaXF1ZU5vbmNl";alg="hmac-sha256";created=1641013200;expires=3282026430)",
                             "sig1=:NZBwyBHRRyRoeLqy1IzOa9VYBuI8TgMFt2GRDkDuJh4=:"});
  auto verdict = verify_request_signature(info, secret(), kNow);
  EXPECT_TRUE(verdict.verified) << verdict.reason;
}

TEST(AudioHookSignature, AWrongSecretDoesNotMatch) {
  auto verdict = verify_request_signature(signed_request(), secret("V3JvbmdTZWNyZXRXcm9uZ1NlY3JldA=="), kNow);
  EXPECT_FALSE(verdict.verified);
  EXPECT_NE(verdict.reason.find("does not match"), std::string::npos) << verdict.reason;
}

TEST(AudioHookSignature, AnUnsignedRequestPassesOnlyWithoutAClientSecret) {
  auto unsigned_request = request(vendor_example(), std::nullopt);
  EXPECT_FALSE(verify_request_signature(unsigned_request, secret(), kNow).verified);
  EXPECT_TRUE(verify_request_signature(unsigned_request, {}, kNow).verified);
  // Signed, but the listener has no secret: checked with an empty key, so refused.
  EXPECT_FALSE(verify_request_signature(signed_request(), {}, kNow).verified);
}

TEST(AudioHookSignature, ASignatureMoreThanTenSecondsOldOrExpiredOrFromTheFutureIsRefused) {
  // Expired 10 minutes ago (the issue's case), and 10 minutes old however late it expires.
  auto stale = verify_request_signature(signed_request(), secret(), (kCreated + 600) * 1000);
  EXPECT_FALSE(stale.verified);
  EXPECT_NE(stale.reason.find("expired"), std::string::npos) << stale.reason;
  AudioHookUpgrade v = vendor_example();
  auto old = verify_request_signature(request(v, testing::sign_upgrade(v, kSecret, kCreated, kCreated + 86400)), secret(),
                                      (kCreated + 600) * 1000);
  EXPECT_FALSE(old.verified);
  EXPECT_NE(old.reason.find("10 s old"), std::string::npos) << old.reason;
  // Age is judged with 3 s of clock skew: 7 s is the last accepted second.
  EXPECT_TRUE(verify_request_signature(signed_request(), secret(), (kCreated + 7) * 1000).verified);
  EXPECT_FALSE(verify_request_signature(signed_request(), secret(), (kCreated + 7) * 1000 + 1).verified);
  // expires before now.
  AudioHookUpgrade u = vendor_example();
  auto short_lived = request(u, testing::sign_upgrade(u, kSecret, kCreated, kCreated + 1));
  auto expired = verify_request_signature(short_lived, secret(), kNow);
  EXPECT_FALSE(expired.verified);
  EXPECT_NE(expired.reason.find("expired"), std::string::npos) << expired.reason;
  // created more than the skew ahead of our clock.
  EXPECT_FALSE(verify_request_signature(signed_request(u, kCreated + 60), secret(), kNow).verified);
}

TEST(AudioHookSignature, TheNonceMustHaveAtLeast22CharactersAndTheKeyidMustBeTheApiKey) {
  AudioHookUpgrade u = vendor_example();
  auto short_nonce = verify_request_signature(request(u, testing::sign_upgrade(u, kSecret, kCreated, kCreated + 30, "c2hvcnQ=")),
                                              secret(), kNow);
  EXPECT_FALSE(short_nonce.verified);
  EXPECT_NE(short_nonce.reason.find("nonce"), std::string::npos) << short_nonce.reason;
  auto other_key = verify_request_signature(
      request(u, testing::sign_upgrade(u, kSecret, kCreated, kCreated + 30, "VGhpc0lzQVVuaXF1ZU5vbmNl", "another-key")), secret(),
      kNow);
  EXPECT_FALSE(other_key.verified);
  EXPECT_NE(other_key.reason.find("keyid"), std::string::npos) << other_key.reason;
}

TEST(AudioHookSignature, EveryRequiredComponentMustBeCoveredAndPresentAndUnchanged) {
  AudioHookUpgrade u = vendor_example();
  // A header changed after signing (another session id).
  auto tampered = signed_request(u);
  tampered.headers["audiohook-session-id"] = "41c1a2b3-84d3-4570-ac13-9a62d8f514c0";
  EXPECT_FALSE(verify_request_signature(tampered, secret(), kNow).verified);
  // Another target or authority than the one signed.
  auto moved = signed_request(u);
  moved.target = "/elsewhere";
  EXPECT_FALSE(verify_request_signature(moved, secret(), kNow).verified);
  // A signature that leaves x-api-key out.
  auto partial = signed_request(u);
  std::string& input = partial.headers["signature-input"];
  input.replace(input.find(R"( "x-api-key")"), 12, "");
  auto verdict = verify_request_signature(partial, secret(), kNow);
  EXPECT_FALSE(verdict.verified);
  EXPECT_NE(verdict.reason.find("does not cover 'x-api-key'"), std::string::npos) << verdict.reason;
  // A covered header missing from the request.
  auto missing = signed_request(u);
  missing.headers.erase("audiohook-correlation-id");
  EXPECT_FALSE(verify_request_signature(missing, secret(), kNow).verified);
  // No X-API-KEY at all.
  auto no_key = request(u, std::nullopt);
  no_key.headers.erase("x-api-key");
  EXPECT_FALSE(verify_request_signature(no_key, {}, kNow).verified);
}

TEST(AudioHookSignature, MalformedSignatureHeadersAreRefusedNeverFatal) {
  AudioHookUpgrade u = vendor_example();
  for (const auto& [input, signature] : std::vector<std::pair<std::string, std::string>>{
           {"sig1=(", "sig1=:AAAA:"},
           {"sig1=(\"@authority\");created=x", "sig1=:AAAA:"},
           {"sig1=(\"@authority\")", "sig1=\"not bytes\""},
           {"sig1=(\"@authority\")", "sig2=:AAAA:"},
           {"sig1=(\"@authority\");bogus=1", "sig1=:AAAA:"},
           {"sig1=(@authority)", "sig1=:AAAA:"},
           {"", "sig1=:AAAA:"},
           {"sig1=(\"@authority\")", ""},
           {std::string(3000, '('), "sig1=:!!!!:"},
           {"sig1=(\"@authority\"),", "sig1=:AAAA:"}}) {
    HandshakeInfo info = request(u, testing::SignatureHeaders{input, signature});
    if (input.empty()) info.headers.erase("signature-input");
    if (signature.empty()) info.headers.erase("signature");
    EXPECT_FALSE(verify_request_signature(info, secret(), kNow).verified) << input << " / " << signature;
  }
}

TEST(StructuredFields, ADictionaryOfInnerListsAndItemsIsReadAndWrittenBackCanonically) {
  auto dict = sfv::parse_dictionary(R"(a=("x" "y";p=?1);k="v";n=-12;d=1.50, b=:aGVsbG8=:, c, t=tok/en)");
  ASSERT_TRUE(dict);
  ASSERT_EQ(dict->size(), 4u);
  const auto& a = std::get<sfv::InnerList>(dict->at(0).value);
  EXPECT_EQ(sfv::serialize(a), R"(("x" "y";p);k="v";n=-12;d=1.5)");
  const auto& b = std::get<sfv::Item>(dict->at(1).value);
  EXPECT_EQ(std::get<sfv::Bytes>(b.value), (sfv::Bytes{'h', 'e', 'l', 'l', 'o'}));
  EXPECT_EQ(std::get<bool>(std::get<sfv::Item>(dict->at(2).value).value), true);
  EXPECT_EQ(std::get<sfv::Token>(std::get<sfv::Item>(dict->at(3).value).value).name, "tok/en");
  for (const char* bad : {"A=1", "a=", "a=1,", "a=\"open", "a=(1 2", "a=1.2345", "a=1234567890123456", "a=:*:", "a=?2", "a=1 b=2"})
    EXPECT_FALSE(sfv::parse_dictionary(bad)) << bad;
}

TEST(StructuredFields, Base64WithAndWithoutPadding) {
  EXPECT_EQ(sfv::decode_base64("aGk="), (sfv::Bytes{'h', 'i'}));
  EXPECT_EQ(sfv::decode_base64("aGk"), (sfv::Bytes{'h', 'i'}));
  EXPECT_EQ(sfv::encode_base64(sfv::Bytes{'h', 'i'}), "aGk=");
  EXPECT_FALSE(sfv::decode_base64("a=Gk"));
  EXPECT_FALSE(sfv::decode_base64("aG k"));
}

}  // namespace
}  // namespace rightmoment
