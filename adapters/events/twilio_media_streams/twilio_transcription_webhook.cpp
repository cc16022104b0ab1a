#include "adapters/events/twilio_media_streams/twilio_transcription_webhook.hpp"

#include <cstdlib>

#include "adapters/events/twilio_media_streams/twilio_signature.hpp"
#include "adapters/events/twilio_media_streams/twilio_transcription.hpp"
#include "adapters/events/vendor_json.hpp"
#include "plugin/core/comma_list.hpp"

namespace rightmoment {
namespace {

std::string setting(const AdapterOptions& o, const char* key) {
  auto it = o.settings.find(key);
  return it == o.settings.end() ? std::string() : it->second;
}

void answer(WebhookOutput& out, unsigned status, std::string body) {
  out.status = status;
  out.body = std::move(body);
}

void refuse(WebhookOutput& out, unsigned status, const char* code, std::string message) {
  answer(out, status, message + "\n");
  out.out.rejections.push_back(EventRejection{code, std::move(message), std::nullopt});
}

// One endpoint: every callback of every call on the account. A callback is checked (POST, a form,
// X-Twilio-Signature over the URL Twilio called and its parameters) before anything in it is read.
class TwilioTranscriptionWebhook final : public WebhookAdapter {
 public:
  TwilioTranscriptionWebhook(std::string public_url, std::vector<std::string> tokens)
      : public_url_(std::move(public_url)), tokens_(std::move(tokens)) {}
  std::string_view name() const override { return "twilio-transcriptions"; }

  void on_request(const WebhookRequest& request, EventTimeMs wall_now, WebhookOutput& out) override {
    if (request.method != "POST") {
      out.headers.emplace_back("Allow", "POST");
      return refuse(out, 405, "unsupported", "Twilio posts transcription callbacks: only POST here");
    }
    auto type = request.headers.find("content-type");
    std::string_view content_type = type == request.headers.end() ? std::string_view() : std::string_view(type->second);
    constexpr std::string_view kForm = "application/x-www-form-urlencoded";
    if (content_type.size() < kForm.size() || !vendor::iequals(content_type.substr(0, kForm.size()), kForm))
      return refuse(out, 415, "unsupported", "a transcription callback is application/x-www-form-urlencoded");
    auto fields = parse_form_urlencoded(request.body);
    if (!fields) return refuse(out, 400, "invalid_form", "the form has a broken percent-escape");
    auto signature = request.headers.find("x-twilio-signature");
    if (signature == request.headers.end() || signature->second.empty())
      return refuse(out, 403, "missing_signature", "no X-Twilio-Signature header");
    if (!twilio::signature_valid(tokens_, public_url_ + std::string(request.target), *fields, signature->second))
      return refuse(out, 403, "bad_signature",
                    "X-Twilio-Signature does not match (check the auth token, and that public_url is the address Twilio calls)");

    auto get = [&](std::string_view name) -> std::optional<std::string> {
      for (const auto& [k, v] : *fields)
        if (k == name) return v;
      return std::nullopt;
    };
    twilio::translate_transcription(twilio::TranscriptionFields::read(get), "", wall_now, parser_, unsequenced_, out.out);
    if (!out.out.rejections.empty()) return answer(out, 400, out.out.rejections.front().message + "\n");
    answer(out, 200, "");
  }

 private:
  std::string public_url_;  // without a trailing '/': the request target follows
  std::vector<std::string> tokens_;
  simdjson::dom::parser parser_;
  std::uint64_t unsequenced_ = 0;
};

}  // namespace

std::unique_ptr<WebhookAdapter> make_twilio_transcription_webhook(const AdapterOptions& options, std::string& error) {
  std::string url = setting(options, "public_url");
  while (!url.empty() && url.back() == '/') url.pop_back();
  std::size_t host = url.rfind("https://", 0) == 0 ? 8 : url.rfind("http://", 0) == 0 ? 7 : 0;
  if (host == 0 || host >= url.size() || url[host] == '/' || url.find_first_of("?#@") != std::string::npos) {
    error = "settings.public_url must be the http(s):// address Twilio calls, e.g. https://rightmoment.example.com "
            "(no query; the request's own path follows it)";
    return nullptr;
  }
  std::vector<std::string> tokens;
  if (std::string t = setting(options, "auth_token"); !t.empty()) tokens.push_back(t);
  if (std::string env = setting(options, "auth_token_env"); !env.empty()) {
    const char* v = std::getenv(env.c_str());
    if (!v || !*v) {
      error = "settings.auth_token_env: the environment variable '" + env + "' is not set";
      return nullptr;
    }
    for (auto& token : split_comma_list(v)) tokens.push_back(std::move(token));
  }
  if (tokens.empty()) {
    error = "settings.auth_token or settings.auth_token_env is required: the account's auth token signs every callback";
    return nullptr;
  }
  return std::make_unique<TwilioTranscriptionWebhook>(std::move(url), std::move(tokens));
}

}  // namespace rightmoment
