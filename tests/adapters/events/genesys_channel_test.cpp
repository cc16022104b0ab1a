// The genesys-notifications channel as a state machine, driven by a fake driver and a fake clock:
// every request it makes, in order, answered with the shapes and status codes of Genesys Cloud's
// notifications and OAuth APIs. The same flows over real sockets are in genesys_notifications_test.
#include <gtest/gtest.h>

#include <optional>

#include <nlohmann/json.hpp>

#include "adapters/events/builtin_adapters.hpp"
#include "adapters/events/genesys_notifications/genesys_channel.hpp"
#include "plugin/core/event_adapter.hpp"

namespace rightmoment {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

constexpr EventTimeMs kStart = 1'800'000'000'000;  // a fixed wall clock
constexpr EventTimeMs kSecond = 1000;

struct FakeDriver : ChannelDriver {
  struct Sent {
    std::uint64_t id;
    HttpCallRequest request;
  };
  std::vector<Sent> requests;
  std::vector<std::pair<std::uint64_t, std::string>> opened;
  std::vector<std::uint64_t> closed;
  std::optional<std::chrono::milliseconds> wake;
  std::vector<std::string> logs;
  std::uint64_t next = 0;

  std::uint64_t http(HttpCallRequest request) override {
    requests.push_back({++next, std::move(request)});
    return next;
  }
  std::uint64_t open_socket(const std::string& url) override {
    opened.emplace_back(++next, url);
    return next;
  }
  void close_socket(std::uint64_t socket) override { closed.push_back(socket); }
  void wake_after(std::chrono::milliseconds delay) override { wake = delay; }
  std::chrono::milliseconds backoff(int attempt) override { return std::chrono::milliseconds(100 << std::min(attempt, 10)); }
  void log(ChannelLog, std::string_view message) override { logs.emplace_back(message); }

  const HttpCallRequest& last() const { return requests.back().request; }
  std::string header(const std::string& name) const {
    for (const auto& [n, v] : last().headers)
      if (n == name) return v;
    return "";
  }
};

GenesysChannelOptions options() {
  GenesysChannelOptions o;
  o.api_base = "https://api.example.test";
  o.login_base = "https://login.example.test";
  o.client_id = "client-7";
  o.client_secret = "s3cr3t-value";
  o.conversation_topics = {"v2.users.u1.conversations"};
  return o;
}

HttpCallResponse answer(int status, json body = json::object(), std::map<std::string, std::string> headers = {}) {
  HttpCallResponse r;
  r.status = status;
  r.body = body.dump();
  r.headers = std::move(headers);
  return r;
}

json token(const std::string& value, int expires_in) {
  return {{"access_token", value}, {"token_type", "bearer"}, {"expires_in", expires_in}};
}
json channel(const std::string& id, EventTimeMs expires) {
  return {{"id", id}, {"connectUri", "wss://streaming.example.test/channels/" + id}, {"expires", format_rfc3339(expires)}};
}
json entities(const std::set<std::string>& topics) {
  json e = json::array();
  for (const auto& t : topics) e.push_back({{"id", t}, {"state", "Permitted"}});
  return {{"entities", e}};
}
std::set<std::string> topics_in(const HttpCallRequest& r) {
  std::set<std::string> out;
  for (const auto& t : json::parse(r.body)) out.insert(t["id"].get<std::string>());
  return out;
}

// Token, channel, socket, full subscription list: the channel in use.
struct Running {
  FakeDriver driver;
  GenesysChannel channel{options()};
  EventTimeMs now = kStart;
  std::uint64_t socket = 0;

  explicit Running(int token_s = 86400, EventTimeMs channel_life = 24 * 3600 * kSecond, GenesysChannelOptions o = options())
      : channel(std::move(o)) {
    channel.start(driver, now);
    reply(answer(200, token("tok-1", token_s)));
    reply(answer(200, ::rightmoment::channel("ch-1", now + channel_life)));
    socket = driver.opened.back().first;
    channel.on_socket_open(socket, now);
    reply(answer(200, entities(topics_in(driver.last()))));
  }
  void reply(const HttpCallResponse& r) { channel.on_http(driver.requests.back().id, r, now); }
  void at(EventTimeMs t) {
    now = t;
    channel.on_wake(now);
  }
};

TEST(GenesysChannel, GetsATokenCreatesAChannelOpensItAndSubscribesTheConfiguredTopics) {
  FakeDriver d;
  GenesysChannel ch(options());
  ch.start(d, kStart);
  ASSERT_EQ(d.requests.size(), 1u);
  EXPECT_EQ(d.last().method, "POST");
  EXPECT_EQ(d.last().url, "https://login.example.test/oauth/token");
  EXPECT_EQ(d.header("Authorization"), "Basic Y2xpZW50LTc6czNjcjN0LXZhbHVl");  // base64("client-7:s3cr3t-value")
  EXPECT_EQ(d.header("Content-Type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(d.last().body, "grant_type=client_credentials");
  ch.on_http(d.requests.back().id, answer(200, token("tok-1", 86400)), kStart);

  ASSERT_EQ(d.requests.size(), 2u);
  EXPECT_EQ(d.last().method, "POST");
  EXPECT_EQ(d.last().url, "https://api.example.test/api/v2/notifications/channels");
  EXPECT_EQ(d.header("Authorization"), "Bearer tok-1");
  ch.on_http(d.requests.back().id, answer(200, channel("ch-1", kStart + 86400 * kSecond)), kStart);

  ASSERT_EQ(d.opened.size(), 1u);
  EXPECT_EQ(d.opened[0].second, "wss://streaming.example.test/channels/ch-1");
  EXPECT_EQ(d.requests.size(), 2u);  // nothing is subscribed before the socket is open
  ch.on_socket_open(d.opened[0].first, kStart);
  ASSERT_EQ(d.requests.size(), 3u);
  EXPECT_EQ(d.last().method, "PUT");
  EXPECT_EQ(d.last().url, "https://api.example.test/api/v2/notifications/channels/ch-1/subscriptions");
  EXPECT_EQ(topics_in(d.last()), (std::set<std::string>{"v2.users.u1.conversations"}));
  ch.on_http(d.requests.back().id, answer(200, entities({"v2.users.u1.conversations"})), kStart);
  EXPECT_EQ(d.requests.size(), 3u);  // settled
  ASSERT_TRUE(d.wake);  // and awake again before the token must be renewed
  EXPECT_LE(*d.wake, std::chrono::milliseconds(86400 * kSecond));
}

TEST(GenesysChannel, EachConversationsTranscriptionTopicIsAddedAtOnceAndDroppedTogetherAfterItEnds) {
  Running r;
  std::size_t before = r.driver.requests.size();
  r.channel.conversation_active("c-1", r.now);
  ASSERT_EQ(r.driver.requests.size(), before + 1);
  EXPECT_EQ(r.driver.last().method, "POST");  // added to the list, not replacing it
  EXPECT_EQ(topics_in(r.driver.last()), (std::set<std::string>{"v2.conversations.c-1.transcription"}));
  r.reply(answer(200, entities({"v2.users.u1.conversations", "v2.conversations.c-1.transcription"})));

  r.channel.conversation_active("c-1", r.now);  // seen again: nothing to do
  r.channel.conversation_active("c-2", r.now);
  r.reply(answer(200, entities({})));
  before = r.driver.requests.size();
  r.channel.conversation_ended("c-1", r.now);
  r.channel.conversation_ended("c-2", r.now);
  EXPECT_EQ(r.driver.requests.size(), before);  // drops wait, to go together
  ASSERT_TRUE(r.driver.wake);
  EXPECT_EQ(*r.driver.wake, std::chrono::milliseconds(30000));
  r.at(r.now + 30 * kSecond);
  ASSERT_EQ(r.driver.requests.size(), before + 1);
  EXPECT_EQ(r.driver.last().method, "PUT");
  EXPECT_EQ(topics_in(r.driver.last()), (std::set<std::string>{"v2.users.u1.conversations"}));
  r.reply(answer(200, entities({"v2.users.u1.conversations"})));
  EXPECT_EQ(r.driver.requests.size(), before + 1);
}

TEST(GenesysChannel, TheTokenIsRenewedBeforeItExpiresAndTheChannelItMadeIsReplacedWithoutAGap) {
  Running r(3600);  // a one-hour token; the channel closes when the token that made it expires
  std::size_t before = r.driver.requests.size();
  r.at(kStart + 3000 * kSecond - 1);
  EXPECT_EQ(r.driver.requests.size(), before);
  r.at(kStart + 3000 * kSecond);  // 10 minutes before the hour
  ASSERT_EQ(r.driver.requests.size(), before + 1);
  EXPECT_EQ(r.driver.last().url, "https://login.example.test/oauth/token");
  r.reply(answer(200, token("tok-2", 3600)));
  EXPECT_EQ(r.driver.last().url, "https://api.example.test/api/v2/notifications/channels");
  EXPECT_EQ(r.driver.header("Authorization"), "Bearer tok-2");
  r.reply(answer(200, channel("ch-2", r.now + 86400 * kSecond)));
  ASSERT_EQ(r.driver.opened.size(), 2u);
  EXPECT_TRUE(r.driver.closed.empty());  // the old socket stays until the new one is subscribed
  r.channel.on_socket_open(r.driver.opened.back().first, r.now);
  EXPECT_EQ(r.driver.last().method, "PUT");
  EXPECT_NE(r.driver.last().url.find("/channels/ch-2/subscriptions"), std::string::npos);
  r.reply(answer(200, entities(topics_in(r.driver.last()))));
  EXPECT_EQ(r.driver.closed, (std::vector<std::uint64_t>{r.socket}));
  EXPECT_EQ(r.channel.stats().channels_replaced, 1u);
}

TEST(GenesysChannel, AChannelIsReplacedBeforeItsExpires) {
  Running r(86400, 2 * 3600 * kSecond);  // the channel says it expires in two hours
  std::size_t before = r.driver.requests.size();
  r.at(kStart + (2 * 3600 - 600) * kSecond);
  ASSERT_EQ(r.driver.requests.size(), before + 1);
  EXPECT_EQ(r.driver.last().url, "https://api.example.test/api/v2/notifications/channels");  // same token
  r.reply(answer(200, channel("ch-2", r.now + 86400 * kSecond)));
  r.channel.on_socket_open(r.driver.opened.back().first, r.now);
  r.reply(answer(200, entities(topics_in(r.driver.last()))));
  EXPECT_EQ(r.driver.closed, (std::vector<std::uint64_t>{r.socket}));
}

TEST(GenesysChannel, TheClosingNoticeMovesToANewChannelBeforeTheOldSocketGoes) {
  Running r;
  r.channel.conversation_active("c-1", r.now);
  r.reply(answer(200, entities({})));
  r.channel.closing_notice(r.now);
  EXPECT_EQ(r.driver.last().url, "https://api.example.test/api/v2/notifications/channels");
  r.reply(answer(200, channel("ch-2", r.now + 86400 * kSecond)));
  r.channel.on_socket_open(r.driver.opened.back().first, r.now);
  // The new channel gets the whole list, the live conversation's transcription topic included.
  EXPECT_EQ(topics_in(r.driver.last()),
            (std::set<std::string>{"v2.users.u1.conversations", "v2.conversations.c-1.transcription"}));
  r.reply(answer(200, entities(topics_in(r.driver.last()))));
  EXPECT_EQ(r.driver.closed, (std::vector<std::uint64_t>{r.socket}));
}

TEST(GenesysChannel, ADroppedSocketReconnectsToTheSameChannelWithBackoffAndResubscribes) {
  Running r;
  std::size_t before = r.driver.requests.size();
  r.channel.on_socket_closed(r.socket, 0, r.now);
  EXPECT_EQ(r.driver.opened.size(), 1u);  // not at once
  ASSERT_TRUE(r.driver.wake);
  EXPECT_EQ(*r.driver.wake, 100ms);
  r.at(r.now + 100);
  ASSERT_EQ(r.driver.opened.size(), 2u);
  EXPECT_EQ(r.driver.opened[1].second, "wss://streaming.example.test/channels/ch-1");
  EXPECT_EQ(r.driver.requests.size(), before);  // no new channel, no new token
  r.channel.on_socket_open(r.driver.opened[1].first, r.now);
  ASSERT_EQ(r.driver.requests.size(), before + 1);
  EXPECT_EQ(r.driver.last().method, "PUT");  // every reconnect re-subscribes the whole list
  EXPECT_NE(r.driver.last().url.find("/channels/ch-1/subscriptions"), std::string::npos);
}

TEST(GenesysChannel, ARefusedUpgradeMeansTheChannelIsGoneAndANewOneIsMade) {
  Running r;
  r.channel.on_socket_closed(r.socket, 0, r.now);
  r.at(r.now + 100);
  std::size_t before = r.driver.requests.size();
  r.channel.on_socket_closed(r.driver.opened.back().first, 404, r.now);
  EXPECT_EQ(r.driver.requests.size(), before);  // not in a tight loop
  ASSERT_TRUE(r.driver.wake);
  EXPECT_EQ(*r.driver.wake, 100ms);
  r.at(r.now + 100);
  EXPECT_EQ(r.driver.last().url, "https://api.example.test/api/v2/notifications/channels");
  r.reply(answer(200, channel("ch-2", r.now + 86400 * kSecond)));
  r.channel.on_socket_closed(r.driver.opened.back().first, 404, r.now);  // refused again: waits longer
  EXPECT_EQ(*r.driver.wake, 200ms);
}

TEST(GenesysChannel, A429WaitsForItsRetryAfterAndNothingIsSentMeanwhile) {
  FakeDriver d;
  GenesysChannel ch(options());
  ch.start(d, kStart);
  ch.on_http(d.requests.back().id, answer(429, {{"message", "Rate limit exceeded"}}, {{"retry-after", "7"}}), kStart);
  EXPECT_EQ(d.requests.size(), 1u);
  ASSERT_TRUE(d.wake);
  EXPECT_EQ(*d.wake, 7000ms);
  ch.on_wake(kStart + 6999);
  EXPECT_EQ(d.requests.size(), 1u);
  ch.on_wake(kStart + 7000);
  EXPECT_EQ(d.requests.size(), 2u);
  EXPECT_EQ(ch.stats().rate_limited, 1u);
}

TEST(GenesysChannel, RefusedCredentialsAreReportedWithoutTheSecretAndRetriedWithBackoff) {
  FakeDriver d;
  GenesysChannel ch(options());
  ch.start(d, kStart);
  ch.on_http(d.requests.back().id, answer(401, {{"error", "invalid_client"}, {"description", "authentication failed"}}), kStart);
  ch.on_http(d.requests.back().id, answer(401, {{"error", "invalid_client"}}), kStart);  // stale: ignored
  EXPECT_EQ(d.requests.size(), 1u);
  ASSERT_TRUE(d.wake);
  EXPECT_EQ(*d.wake, 100ms);
  ch.on_wake(kStart + 100);
  ch.on_http(d.requests.back().id, answer(401, {{"error", "invalid_client"}}), kStart + 100);
  EXPECT_EQ(*d.wake, 200ms);  // the backoff grows
  bool named = false;
  for (const auto& line : d.logs) {
    EXPECT_EQ(line.find("s3cr3t"), std::string::npos) << line;
    EXPECT_EQ(line.find("Y2xpZW50"), std::string::npos) << line;
    named |= line.find("authentication failed") != std::string::npos;
  }
  EXPECT_TRUE(named);
}

TEST(GenesysChannel, AnExpiredTokenOnTheApiIsReplacedBeforeTheRequestIsMadeAgain) {
  FakeDriver d;
  GenesysChannel ch(options());
  ch.start(d, kStart);
  ch.on_http(d.requests.back().id, answer(200, token("tok-1", 86400)), kStart);
  ch.on_http(d.requests.back().id, answer(401, {{"message", "Invalid login credentials."}, {"status", 401}}), kStart);
  ch.on_wake(kStart + 100);
  EXPECT_EQ(d.last().url, "https://login.example.test/oauth/token");
}

TEST(GenesysChannel, TopicsStayUnderTheLimitTheLeastRecentlyActiveConversationGivingUpItsTopic) {
  auto o = options();
  o.max_topics = 3;  // one user, two conversations
  Running r(86400, 24 * 3600 * kSecond, o);
  r.channel.conversation_active("c-1", r.now);
  r.reply(answer(200, entities({})));
  r.channel.conversation_active("c-2", r.now);
  r.reply(answer(200, entities({})));
  r.channel.conversation_active("c-1", r.now);  // c-2 is now the least recently active
  r.channel.conversation_active("c-3", r.now);
  EXPECT_EQ(r.channel.wanted_topics(), (std::set<std::string>{"v2.users.u1.conversations", "v2.conversations.c-1.transcription",
                                                              "v2.conversations.c-3.transcription"}));
  // Adding c-3 without dropping c-2 would pass the limit: one PUT does both.
  EXPECT_EQ(r.driver.last().method, "PUT");
  EXPECT_EQ(topics_in(r.driver.last()).size(), 3u);
  EXPECT_EQ(r.channel.stats().topics_evicted, 1u);
}

TEST(GenesysChannel, ATopicGenesysWillNotGrantIsNamedOnceWithTheMissingPermission) {
  Running r;
  r.channel.conversation_active("c-1", r.now);
  json refused = {{"entities", json::array({{{"id", "v2.conversations.c-1.transcription"},
                                             {"state", "Rejected"},
                                             {"rejectionReason", "Forbidden"},
                                             {"missingPermissions", {"conversation:transcription:view"}}}})}};
  r.reply(answer(200, refused));
  int named = 0;
  for (const auto& line : r.driver.logs) named += line.find("conversation:transcription:view") != std::string::npos;
  EXPECT_EQ(named, 1);
  std::size_t before = r.driver.requests.size();
  r.channel.conversation_active("c-1", r.now);
  EXPECT_EQ(r.driver.requests.size(), before);  // not asked for again and again
}

TEST(GenesysChannel, AChannelAnswerWithoutAWebSocketAddressIsAFailureNotASocket) {
  FakeDriver d;
  GenesysChannel ch(options());
  ch.start(d, kStart);
  ch.on_http(d.requests.back().id, answer(200, token("tok-1", 86400)), kStart);
  ch.on_http(d.requests.back().id, answer(200, {{"id", "ch-1"}, {"connectUri", "http://evil.test/x"}}), kStart);
  EXPECT_TRUE(d.opened.empty());
  ch.on_http(d.requests.back().id, answer(200, {{"id", "../x"}, {"connectUri", "wss://s.test/x"}}), kStart);
  EXPECT_TRUE(d.opened.empty());
  EXPECT_EQ(ch.stats().failed_requests, 1u);  // the second answer came while waiting for the retry: ignored
}

TEST(GenesysChannel, OptionsComeFromTheAdaptersSettings) {
  std::string error;
  EXPECT_FALSE(genesys_channel_options({{"topics", "v2.users.u1.conversations"}}, error));  // the static form
  auto o = genesys_channel_options({{"client_id", "id"}, {"client_secret", "s"}, {"api_base", "https://a"},
                                    {"login_base", "https://l"}, {"users", "u1,u2"}, {"queues", "q1"},
                                    {"transcripts", "false"}, {"max_topics", "500"}},
                                   error);
  ASSERT_TRUE(o);
  EXPECT_TRUE(error.empty()) << error;
  EXPECT_EQ(o->conversation_topics, (std::vector<std::string>{"v2.users.u1.conversations", "v2.users.u2.conversations",
                                                              "v2.routing.queues.q1.conversations"}));
  EXPECT_FALSE(o->transcripts);
  EXPECT_EQ(o->max_topics, 500u);
  genesys_channel_options({{"client_id", "id"}, {"client_secret", "s"}, {"api_base", "https://a"}, {"login_base", "https://l"}},
                          error);
  EXPECT_NE(error.find("users or the queues"), std::string::npos);
  // The adapter runs the channel only in that form.
  AdapterOptions with;
  with.settings = {{"client_id", "id"}, {"client_secret", "s"}, {"api_base", "https://a"}, {"login_base", "https://l"}, {"users", "u1"}};
  EXPECT_TRUE(builtin_adapters().make_event_adapter("genesys-notifications", with)->channel_controller());
  EXPECT_FALSE(builtin_adapters().make_event_adapter("genesys-notifications", {})->channel_controller());
}

}  // namespace
}  // namespace rightmoment
