#include "adapters/events/genesys_notifications/genesys_channel.hpp"

#include <openssl/evp.h>

#include <algorithm>

#include <nlohmann/json.hpp>

namespace rightmoment {
namespace {

constexpr EventTimeMs kDefaultLifetimeMs = 24 * 3600 * 1000;  // a channel's and a token's, when unsaid
constexpr EventTimeMs kMaxRetryAfterMs = 3600 * 1000;

std::vector<std::string> split_list(const std::string& all) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= all.size()) {
    auto comma = all.find(',', start);
    std::string item = all.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!item.empty()) out.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

std::string base64(const std::string& in) {
  std::string out(4 * ((in.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(in.data()),
                          static_cast<int>(in.size()));
  out.resize(static_cast<std::size_t>(std::max(n, 0)));
  return out;
}

// When to replace something that lives from start to end: 10 minutes before its end, or a quarter
// of its life before when it lives less than 40 minutes.
EventTimeMs renew_point(EventTimeMs start, EventTimeMs end) {
  if (end <= start) return start;
  return end - std::min<EventTimeMs>(10 * 60 * 1000, (end - start) / 4);
}

std::string topic_for(const std::string& conversation_id) { return "v2.conversations." + conversation_id + ".transcription"; }

// What Genesys said about a failure, short: its JSON "message" (API), "error_description" or
// "description" (login), or the status alone.
std::string reason(const HttpCallResponse& r) {
  if (r.status == 0) return r.error;
  std::string why = "HTTP " + std::to_string(r.status);
  auto body = nlohmann::json::parse(r.body, nullptr, false);
  if (body.is_object())
    for (const char* key : {"message", "error_description", "description", "error"})
      if (body.contains(key) && body[key].is_string()) return why + ": " + body[key].get<std::string>().substr(0, 200);
  return why;
}

// Retry-After in seconds (Genesys sends seconds); nullopt when absent or unreadable.
std::optional<EventTimeMs> retry_after_ms(const HttpCallResponse& r) {
  auto it = r.headers.find("retry-after");
  if (it == r.headers.end() || it->second.empty() || it->second.size() > 9) return std::nullopt;
  for (char c : it->second)
    if (c < '0' || c > '9') return std::nullopt;
  return std::min<EventTimeMs>(std::stoll(it->second) * 1000, kMaxRetryAfterMs);
}

}  // namespace

std::optional<GenesysChannelOptions> genesys_channel_options(const std::map<std::string, std::string>& settings,
                                                             std::string& error) {
  auto get = [&](const char* key) {
    auto it = settings.find(key);
    return it == settings.end() ? std::string() : it->second;
  };
  GenesysChannelOptions o;
  o.client_id = get("client_id");
  if (o.client_id.empty()) return std::nullopt;
  o.client_secret = get("client_secret");
  o.api_base = get("api_base");
  o.login_base = get("login_base");
  for (const auto& user : split_list(get("users"))) o.conversation_topics.push_back("v2.users." + user + ".conversations");
  for (const auto& queue : split_list(get("queues")))
    o.conversation_topics.push_back("v2.routing.queues." + queue + ".conversations");
  o.transcripts = get("transcripts") != "false";
  auto number = [&](const char* key, std::size_t& out) {
    std::string v = get(key);
    if (v.empty()) return true;
    if (v.size() > 9 || v.find_first_not_of("0123456789") != std::string::npos) {
      error = std::string(key) + " must be a number";
      return false;
    }
    out = static_cast<std::size_t>(std::stoul(v));
    return true;
  };
  std::size_t drop_delay = static_cast<std::size_t>(o.drop_delay.count());
  if (!number("max_topics", o.max_topics) || !number("drop_delay_ms", drop_delay)) return o;
  o.drop_delay = std::chrono::milliseconds(drop_delay);
  if (o.client_secret.empty()) error = "a client_secret is needed with a client_id";
  else if (o.api_base.empty() || o.login_base.empty()) error = "api_base and login_base are needed with a client_id";
  else if (o.conversation_topics.empty()) error = "name the users or the queues whose conversations to follow";
  else if (o.conversation_topics.size() >= o.max_topics)
    error = std::to_string(o.conversation_topics.size()) + " users and queues leave no room under max_topics " +
            std::to_string(o.max_topics) + " for transcription topics";
  return o;
}

GenesysChannel::GenesysChannel(GenesysChannelOptions options) : options_(std::move(options)) {}

std::set<std::string> GenesysChannel::wanted_topics() const {
  std::set<std::string> topics(options_.conversation_topics.begin(), options_.conversation_topics.end());
  for (const auto& id : conversations_) topics.insert(topic_for(id));
  return topics;
}

void GenesysChannel::conversation_active(const std::string& conversation_id, EventTimeMs now) {
  if (!options_.transcripts || conversation_id.empty()) return;
  if (auto it = conversation_index_.find(conversation_id); it != conversation_index_.end()) {
    conversations_.splice(conversations_.end(), conversations_, it->second);  // most recently active
    return;
  }
  // Full: the conversation heard from least recently gives up its topic (most likely one whose end
  // was missed while the socket was down).
  std::size_t room = options_.max_topics - options_.conversation_topics.size();
  if (conversations_.size() >= room) {
    ++stats_.topics_evicted;
    log(ChannelLog::Warning, std::to_string(options_.max_topics) + " topics on the channel: conversation " +
                                 conversations_.front() + " gives up its transcription topic");
    conversation_index_.erase(conversations_.front());
    conversations_.pop_front();
  }
  conversations_.push_back(conversation_id);
  conversation_index_[conversation_id] = std::prev(conversations_.end());
  advance(now);
}

void GenesysChannel::conversation_ended(const std::string& conversation_id, EventTimeMs now) {
  auto it = conversation_index_.find(conversation_id);
  if (it == conversation_index_.end()) return;
  conversations_.erase(it->second);
  conversation_index_.erase(it);
  if (drops_due_at_ == 0) drops_due_at_ = now + options_.drop_delay.count();
  advance(now);
}

void GenesysChannel::closing_notice(EventTimeMs now) {
  log(ChannelLog::Info, "Genesys will close the channel's socket (v2.system.socket_closing): moving to a new channel");
  if (live_) live_->renew_at = std::min(live_->renew_at, now);
  advance(now);
}

void GenesysChannel::start(ChannelDriver& driver, EventTimeMs now) {
  driver_ = &driver;
  advance(now);
}

void GenesysChannel::on_http(std::uint64_t request, const HttpCallResponse& response, EventTimeMs now) {
  if (step_ == Step::None || request != step_request_) return;
  Step step = std::exchange(step_, Step::None);
  if (response.status == 429) {
    ++stats_.rate_limited;
    ++stats_.failed_requests;
    auto wait = retry_after_ms(response).value_or(driver_->backoff(failures_++).count());
    retry_at_ = now + wait;
    log(ChannelLog::Warning, "Genesys asks to slow down (429): the next request in " + std::to_string(wait) + " ms");
  } else if (step == Step::Token) {
    on_token(response, now);
  } else if (step == Step::CreateChannel) {
    on_channel(response, now);
  } else {
    on_subscribed(response, now);
  }
  advance(now);
}

void GenesysChannel::on_socket_open(std::uint64_t socket, EventTimeMs now) {
  Channel* ch = channel_with_socket(socket);
  if (!ch) return;
  ch->open = true;
  ch->failures = 0;
  lost_channels_ = 0;
  ch->synced = false;  // re-subscribe after every (re)connect
  advance(now);
}

void GenesysChannel::on_socket_closed(std::uint64_t socket, int refused_status, EventTimeMs now) {
  Channel* ch = channel_with_socket(socket);
  if (!ch) return;
  ch->socket = 0;
  ch->open = false;
  ch->synced = false;
  if (refused_status >= 400 && refused_status < 500) {
    ch->gone = true;  // expired, replaced, or its token expired: a new channel is needed
    // Not at once: channels whose sockets keep being refused must not be made in a tight loop.
    auto wait = driver_->backoff(lost_channels_++).count();
    retry_at_ = std::max(retry_at_, now + wait);
    log(ChannelLog::Warning, "Genesys refused the channel's socket (HTTP " + std::to_string(refused_status) +
                                 "): a new channel in " + std::to_string(wait) + " ms");
  } else {
    ch->reconnect_at = now + driver_->backoff(ch->failures++).count();
  }
  advance(now);
}

void GenesysChannel::on_wake(EventTimeMs now) { advance(now); }

void GenesysChannel::advance(EventTimeMs now) {
  if (stopped_ || !driver_) return;
  for (;;) {
    if (step_ != Step::None || now < retry_at_) break;
    if (token_.empty() || now >= token_renew_at_) return request_token();
    // A channel that is gone is given up; when its replacement is gone too, that one is made again.
    if (next_ && next_->gone) {
      if (next_->socket) driver_->close_socket(next_->socket);
      next_.reset();
    }
    bool replace = !live_ || live_->gone || now >= live_->renew_at;
    if (replace && !next_) return create_channel();
    for (Channel* ch : {next_ ? &*next_ : nullptr, live_ ? &*live_ : nullptr}) {
      // The live channel is not reconnected while its replacement is on the way.
      if (!ch || ch->socket || ch->gone || now < ch->reconnect_at || (next_ && ch != &*next_)) continue;
      ch->socket = driver_->open_socket(ch->connect_uri);
    }
    Channel* target = next_ && next_->open ? &*next_ : live_ && live_->open && !live_->gone ? &*live_ : nullptr;
    if (target) {
      std::set<std::string> wanted = wanted_topics();
      if (!target->synced) return subscribe(*target, true, std::move(wanted));
      std::set<std::string> adds, drops;
      std::set_difference(wanted.begin(), wanted.end(), target->subscribed.begin(), target->subscribed.end(),
                          std::inserter(adds, adds.end()));
      std::set_difference(target->subscribed.begin(), target->subscribed.end(), wanted.begin(), wanted.end(),
                          std::inserter(drops, drops.end()));
      if (drops.empty()) drops_due_at_ = 0;
      // Ended conversations' topics go together, in one PUT, after drop_delay; sooner only to make
      // room under the limit. New topics go at once, with POST.
      bool full = target->subscribed.size() + adds.size() > options_.max_topics;
      if (!drops.empty() && (now >= drops_due_at_ || full)) return subscribe(*target, true, std::move(wanted));
      if (!adds.empty()) return subscribe(*target, false, std::move(adds));
    }
    if (next_ && next_->synced) {
      if (live_ && live_->socket) driver_->close_socket(live_->socket);
      if (live_) ++stats_.channels_replaced;
      live_ = std::move(next_);
      next_.reset();
      log(ChannelLog::Info, "the new notification channel is subscribed and in use");
      continue;
    }
    break;
  }
  schedule(now);
}

void GenesysChannel::schedule(EventTimeMs now) {
  EventTimeMs at = 0;
  auto consider = [&](EventTimeMs t) {
    if (t > now && (at == 0 || t < at)) at = t;
  };
  consider(retry_at_);
  consider(token_renew_at_);
  if (live_) consider(live_->renew_at);
  for (Channel* ch : {next_ ? &*next_ : nullptr, live_ ? &*live_ : nullptr})
    if (ch && !ch->socket) consider(ch->reconnect_at);
  consider(drops_due_at_);
  if (at) driver_->wake_after(std::chrono::milliseconds(at - now));
}

void GenesysChannel::request_token() {
  ++stats_.token_requests;
  HttpCallRequest r;
  r.method = "POST";
  r.url = options_.login_base + "/oauth/token";
  r.headers = {{"Authorization", "Basic " + base64(options_.client_id + ":" + options_.client_secret)},
               {"Content-Type", "application/x-www-form-urlencoded"},
               {"Accept", "application/json"}};
  r.body = "grant_type=client_credentials";
  step_ = Step::Token;
  step_request_ = driver_->http(std::move(r));
}

void GenesysChannel::create_channel() {
  HttpCallRequest r;
  r.method = "POST";
  r.url = options_.api_base + "/api/v2/notifications/channels";
  r.headers = {{"Authorization", "Bearer " + token_}, {"Accept", "application/json"}};
  step_ = Step::CreateChannel;
  step_request_ = driver_->http(std::move(r));
}

void GenesysChannel::subscribe(Channel& channel, bool replace, std::set<std::string> topics) {
  ++stats_.subscription_requests;
  nlohmann::json body = nlohmann::json::array();
  for (const auto& t : topics) body.push_back({{"id", t}});
  HttpCallRequest r;
  r.method = replace ? "PUT" : "POST";  // PUT replaces the list; POST adds to it
  r.url = options_.api_base + "/api/v2/notifications/channels/" + channel.id + "/subscriptions";
  r.headers = {{"Authorization", "Bearer " + token_}, {"Content-Type", "application/json"}, {"Accept", "application/json"}};
  r.body = body.dump();
  step_ = Step::Subscribe;
  step_channel_ = channel.id;
  step_replace_ = replace;
  step_topics_ = std::move(topics);
  step_request_ = driver_->http(std::move(r));
}

void GenesysChannel::on_token(const HttpCallResponse& response, EventTimeMs now) {
  auto body = nlohmann::json::parse(response.body, nullptr, false);
  if (response.status != 200 || !body.is_object() || !body.contains("access_token") || !body["access_token"].is_string() ||
      body["access_token"].get<std::string>().empty()) {
    if (response.status == 400 || response.status == 401 || response.status == 403)
      log(ChannelLog::Error, "Genesys refused the OAuth client (" + reason(response) +
                                 "): check client_id, the secret and that the client has the Client Credentials grant");
    return failed("the token request", response, now);
  }
  token_ = body["access_token"].get<std::string>();
  EventTimeMs lifetime = kDefaultLifetimeMs;
  if (body.contains("expires_in") && body["expires_in"].is_number() && body["expires_in"].get<double>() > 0)
    lifetime = static_cast<EventTimeMs>(body["expires_in"].get<double>() * 1000);
  token_expires_at_ = now + lifetime;
  token_renew_at_ = renew_point(now, token_expires_at_);
  failures_ = 0;
}

void GenesysChannel::on_channel(const HttpCallResponse& response, EventTimeMs now) {
  auto body = nlohmann::json::parse(response.body, nullptr, false);
  auto text = [&](const char* key) {
    return body.is_object() && body.contains(key) && body[key].is_string() ? body[key].get<std::string>() : std::string();
  };
  Channel ch;
  ch.id = text("id");
  ch.connect_uri = text("connectUri");
  bool ws = ch.connect_uri.rfind("wss://", 0) == 0 || ch.connect_uri.rfind("ws://", 0) == 0;
  bool safe_id = !ch.id.empty() && ch.id.size() <= 256 && ch.id.find_first_of("/?#% ") == std::string::npos;
  if ((response.status != 200 && response.status != 201) || !safe_id || !ws) {
    if (response.status == 401) token_.clear();
    return failed("creating a channel", response, now);
  }
  // The channel closes at its expires, or when the token that made it expires, whichever is first.
  EventTimeMs end = token_expires_at_;
  if (auto expires = parse_rfc3339(text("expires"))) end = std::min(end, *expires);
  else end = std::min(end, now + kDefaultLifetimeMs);
  ch.renew_at = renew_point(now, end);
  ++stats_.channels_created;
  next_ = std::move(ch);
  failures_ = 0;
}

void GenesysChannel::on_subscribed(const HttpCallResponse& response, EventTimeMs now) {
  Channel* ch = channel_with_id(step_channel_);
  if (response.status != 200) {
    if (response.status == 401) token_.clear();
    if (response.status == 404 && ch) ch->gone = true;
    return failed(step_replace_ ? "replacing the subscriptions" : "adding subscriptions", response, now);
  }
  failures_ = 0;
  if (!ch) return;  // replaced meanwhile
  if (step_replace_) {
    ch->subscribed = std::move(step_topics_);
    ch->synced = true;
  } else {
    ch->subscribed.insert(step_topics_.begin(), step_topics_.end());
  }
  // Topics Genesys would not grant (a missing permission, a bad id) are named once each; they stay
  // on our side of the list so that they are not asked for again and again.
  auto body = nlohmann::json::parse(response.body, nullptr, false);
  if (!body.is_object() || !body.contains("entities") || !body["entities"].is_array()) return;
  for (const auto& e : body["entities"]) {
    if (!e.is_object() || !e.contains("id") || !e["id"].is_string()) continue;
    bool rejected = (e.contains("rejectionReason") && e["rejectionReason"].is_string()) ||
                    (e.contains("missingPermissions") && e["missingPermissions"].is_array() && !e["missingPermissions"].empty()) ||
                    (e.contains("state") && e["state"].is_string() && e["state"] != "Permitted");
    std::string topic = e["id"].get<std::string>();
    if (!rejected || reported_rejections_.size() >= 100 || !reported_rejections_.insert(topic).second) continue;
    std::string detail = e.contains("rejectionReason") && e["rejectionReason"].is_string() ? e["rejectionReason"].get<std::string>() : "";
    if (e.contains("missingPermissions") && e["missingPermissions"].is_array())
      for (const auto& p : e["missingPermissions"])
        if (p.is_string()) detail += (detail.empty() ? "missing " : ", ") + p.get<std::string>();
    log(ChannelLog::Warning, "Genesys did not grant the topic " + topic.substr(0, 200) + (detail.empty() ? "" : ": " + detail.substr(0, 300)));
  }
}

void GenesysChannel::failed(const char* what, const HttpCallResponse& response, EventTimeMs now) {
  ++stats_.failed_requests;
  auto wait = driver_->backoff(failures_++).count();
  retry_at_ = now + wait;
  log(failures_ == 1 ? ChannelLog::Warning : ChannelLog::Info,
      std::string(what) + " failed (" + reason(response) + "); again in " + std::to_string(wait) + " ms");
}

GenesysChannel::Channel* GenesysChannel::channel_with_socket(std::uint64_t socket) {
  if (socket == 0) return nullptr;
  if (live_ && live_->socket == socket) return &*live_;
  if (next_ && next_->socket == socket) return &*next_;
  return nullptr;
}

GenesysChannel::Channel* GenesysChannel::channel_with_id(const std::string& id) {
  if (live_ && live_->id == id) return &*live_;
  if (next_ && next_->id == id) return &*next_;
  return nullptr;
}

void GenesysChannel::log(ChannelLog level, std::string message) {
  if (driver_) driver_->log(level, message);
}

}  // namespace rightmoment
