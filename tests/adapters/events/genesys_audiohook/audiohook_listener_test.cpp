// Genesys AudioHook against a real genesys-audiohook listener over loopback WebSockets, with our own
// client that connects, signs and speaks as Genesys Cloud does. First the scenarios of Genesys'
// compliance suite (the open/media choices, ping/pong, update, discarded, error, pause and resume,
// close), then one test for each point of issue 14, and the same over wss:// with a test CA.
#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <chrono>
#include <cstdlib>
#include <map>
#include <random>
#include <thread>


#include <nlohmann/json.hpp>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include "adapters/events/builtin_adapters.hpp"
#include "plugin/transport/transport_service.hpp"
#include "tests/adapters/events/genesys_audiohook/audiohook_test_helpers.hpp"
#include "tests/support/recording_event_sink.hpp"
#include "tests/support/test_certificates.hpp"

namespace rightmoment {
namespace {

using testing::media;

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;

const std::string kApiKey = "SGVsbG8sIEkgYW0gdGhlIEFQSSBrZXkh";
const std::string kSecret = "TXlTdXBlclNlY3JldEtleVRlbGxOby0xITJAMyM0JDU=";
const std::string kConversation = "090eaa2f-72fa-480a-83e0-8667ff89c0ec";

std::shared_ptr<spdlog::logger> quiet() {
  if (std::getenv("RM_TEST_LOG")) return std::make_shared<spdlog::logger>("t", std::make_shared<spdlog::sinks::stderr_sink_mt>());
  return std::make_shared<spdlog::logger>("t", std::make_shared<spdlog::sinks::null_sink_mt>());
}

std::int64_t now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// A random UUID (version 4), as Genesys names sessions.
std::string uuid() {
  static std::mt19937_64 rng(std::random_device{}());
  std::uniform_int_distribution<int> hex(0, 15);
  std::string s = "xxxxxxxx-xxxx-4xxx-8xxx-xxxxxxxxxxxx";
  for (char& c : s)
    if (c == 'x') c = "0123456789abcdef"[hex(rng)];
  return s;
}

// A genesys-audiohook listener with an API key and (unless told otherwise) a client secret.
struct ListenerUnderTest {
  testing::RecordingEventSink sink;
  TransportService transport{sink, builtin_adapters(), quiet(), 1};
  std::string port;

  explicit ListenerUnderTest(std::optional<std::string> secret = kSecret, std::chrono::seconds idle = 300s,
                             std::optional<TlsFiles> tls = std::nullopt, std::map<std::string, std::string> settings = {}) {
    ListenerConfig l;
    l.name = "audiohook";
    l.adapter = "genesys-audiohook";
    l.path = "/audiohook";
    l.auth.mode = AuthMode::ApiKey;
    l.auth.header = "X-API-KEY";
    l.auth.tokens = {kApiKey};
    l.auth.client_secret = std::move(secret);
    l.idle_timeout = idle;
    l.tls = std::move(tls);
    l.settings = std::move(settings);
    std::string error;
    EXPECT_TRUE(transport.start({l}, {}, error)) << error;
    std::string url = transport.bound().at(0).url;
    auto authority = url.substr(url.find("//") + 2);
    authority = authority.substr(0, authority.find('/'));
    port = authority.substr(authority.rfind(':') + 1);
  }
  bool saw(EventType type, std::size_t n = 1) {
    for (int i = 0; i < 400; ++i) {
      std::size_t seen = 0;
      for (const auto& e : sink.events()) seen += e.type == type;
      if (seen >= n) return true;
      std::this_thread::sleep_for(25ms);
    }
    return false;
  }
  std::size_t count(EventType type) {
    std::size_t seen = 0;
    for (const auto& e : sink.events()) seen += e.type == type;
    return seen;
  }
};

struct ClientOptions {
  std::optional<std::string> secret = kSecret;
  std::int64_t signed_at = 0;  // 0: now
  std::string api_key = kApiKey;
  std::string organization_id = "d7934305-0972-4844-938e-9060eef73d05";
  std::string ca_file;  // wss:// when set
};

// Genesys Cloud's side of one session, over ws:// or (with a CA file) wss://.
class GenesysClient {
 public:
  explicit GenesysClient(const std::string& port, ClientOptions o = ClientOptions()) : options_(std::move(o)) {
    upgrade_.target = "/audiohook";
    upgrade_.authority = "127.0.0.1:" + port;
    upgrade_.organization_id = options_.organization_id;
    upgrade_.session_id = uuid();
    upgrade_.correlation_id = uuid();
    upgrade_.api_key = options_.api_key;
    std::map<std::string, std::string> headers{{"Audiohook-Organization-Id", upgrade_.organization_id},
                                               {"Audiohook-Session-Id", upgrade_.session_id},
                                               {"Audiohook-Correlation-Id", upgrade_.correlation_id},
                                               {"X-API-KEY", upgrade_.api_key}};
    if (options_.secret) {
      std::int64_t created = options_.signed_at ? options_.signed_at : now_s();
      auto sig = testing::sign_upgrade(upgrade_, *options_.secret, created, created + 30,
                                       testing::base64_text(reinterpret_cast<const unsigned char*>("eighteen random by"), 18));
      headers["Signature-Input"] = sig.signature_input;
      headers["Signature"] = sig.signature;
    }
    tcp::resolver resolver(ioc_);
    auto endpoints = resolver.resolve("127.0.0.1", port);
    auto decorate = [headers](websocket::request_type& req) {
      for (const auto& [name, value] : headers) req.set(name, value);
    };
    if (options_.ca_file.empty()) {
      plain_.emplace(ioc_);
      beast::get_lowest_layer(*plain_).connect(endpoints);
      plain_->set_option(websocket::stream_base::decorator(decorate));
      plain_->handshake(upgrade_.authority, upgrade_.target);
    } else {
      tls_ctx_.emplace(ssl::context::tls_client);
      tls_ctx_->load_verify_file(options_.ca_file);
      tls_.emplace(ioc_, *tls_ctx_);
      tls_->next_layer().set_verify_mode(ssl::verify_peer);
      tls_->next_layer().set_verify_callback(ssl::host_name_verification("127.0.0.1"));
      beast::get_lowest_layer(*tls_).connect(endpoints);
      tls_->next_layer().handshake(ssl::stream_base::client);
      tls_->set_option(websocket::stream_base::decorator(decorate));
      tls_->handshake(upgrade_.authority, upgrade_.target);
    }
  }

  const std::string& session_id() const { return upgrade_.session_id; }
  std::int64_t seq() const { return seq_; }
  std::int64_t serverseq() const { return serverseq_; }

  void send(const std::string& type, nlohmann::json parameters, const std::string& position = "PT1S") {
    if (parameters.is_null()) parameters = nlohmann::json::object();  // nlohmann reads {} as null
    nlohmann::json m{{"version", "2"}, {"id", upgrade_.session_id}, {"type", type}, {"seq", ++seq_},
                     {"serverseq", serverseq_}, {"position", position}, {"parameters", std::move(parameters)}};
    send_text(m.dump());
  }
  void send_text(const std::string& text) {
    with_ws([&](auto& ws) {
      ws.text(true);
      ws.write(net::buffer(text));
    });
  }
  void audio(std::size_t bytes) {
    std::string frame(bytes, '\xff');
    with_ws([&](auto& ws) {
      ws.binary(true);
      ws.write(net::buffer(frame));
    });
  }
  void open(nlohmann::json offer = media({{"external", "internal"}, {"external"}, {"internal"}})) {
    send("open",
         {{"organizationId", upgrade_.organization_id},
          {"conversationId", kConversation},
          {"participant", {{"id", uuid()}, {"ani", "+1-555-555-1234"}, {"aniName", "John Doe"}, {"dnis", "+1-800-555-6789"}}},
          {"media", std::move(offer)},
          {"language", "en-US"},
          {"customConfig", nlohmann::json::object()}},
         "PT0S");
  }

  // The next server message; checks the server's seq runs on by one, as Genesys' client does.
  nlohmann::json read(std::chrono::milliseconds timeout = 10s) {
    auto text = read_text(timeout);
    if (!text) {
      ADD_FAILURE() << "no message from the server: " << last_error_;
      return nlohmann::json::object();
    }
    auto m = nlohmann::json::parse(*text);
    EXPECT_EQ(m["seq"], serverseq_ + 1) << m;
    serverseq_ = m["seq"].get<std::int64_t>();
    return m;
  }
  // Whether the server closes the connection (WebSocket close or TCP end) within the timeout. The
  // client cannot be used afterwards.
  bool closed_by_server(std::chrono::milliseconds timeout) {
    auto text = read_text(timeout);
    return !text && last_error_ != "timeout";
  }
  void close() {
    beast::error_code ec;
    with_ws([&](auto& ws) { ws.close(websocket::close_code::normal, ec); });
  }
  void drop() {
    beast::error_code ec;
    with_ws([&](auto& ws) { beast::get_lowest_layer(ws).socket().close(ec); });
  }

  // close -> closed, the client closes the socket: the end every scenario shares.
  nlohmann::json close_session(const std::string& reason = "end") {
    send("close", {{"reason", reason}}, "PT5S");
    auto closed = read();
    close();
    return closed;
  }

 private:
  template <typename F>
  void with_ws(F&& f) {
    if (plain_) f(*plain_);
    else f(*tls_);
  }

  std::optional<std::string> read_text(std::chrono::milliseconds timeout) {
    beast::flat_buffer buffer;
    beast::error_code ec;
    bool done = false;
    last_error_.clear();
    with_ws([&](auto& ws) {
      ws.async_read(buffer, [&](beast::error_code e, std::size_t) {
        ec = e;
        done = true;
      });
      ioc_.restart();
      ioc_.run_for(timeout);
      if (!done) {
        last_error_ = "timeout";
        beast::get_lowest_layer(ws).cancel();
        ioc_.restart();
        ioc_.run();
      }
    });
    if (!last_error_.empty()) return std::nullopt;
    if (ec) {
      last_error_ = ec.message();
      return std::nullopt;
    }
    return beast::buffers_to_string(buffer.data());
  }

  ClientOptions options_;
  testing::AudioHookUpgrade upgrade_;
  net::io_context ioc_;
  std::optional<ssl::context> tls_ctx_;
  std::optional<websocket::stream<beast::tcp_stream>> plain_;
  std::optional<websocket::stream<beast::ssl_stream<beast::tcp_stream>>> tls_;
  std::int64_t seq_ = 0;
  std::int64_t serverseq_ = 0;
  std::string last_error_;
};

// What the compliance suite checks on every server message: version, id, and both sequence numbers.
void expect_common(const nlohmann::json& m, const GenesysClient& c, const std::string& type) {
  EXPECT_EQ(m["type"], type) << m;
  EXPECT_EQ(m["version"], "2") << m;
  EXPECT_EQ(m["id"], c.session_id()) << m;
  EXPECT_EQ(m["seq"], c.serverseq()) << m;
  EXPECT_EQ(m["clientseq"], c.seq()) << m;
}

// ---------------------------------------------------------------- the compliance suite's scenarios

TEST(AudioHookCompliance, OpenAnswersWithExactlyTheFirstOfferedFormat) {
  ListenerUnderTest listener;
  for (const auto& offer : {media({{"external", "internal"}, {"external"}, {"internal"}}),
                            media({{"internal", "external"}, {"internal"}, {"external"}}), media({{"external", "internal"}}),
                            media({{"external"}}), media({{"internal"}})}) {
    GenesysClient c(listener.port);
    c.open(offer);
    auto opened = c.read();
    expect_common(opened, c, "opened");
    EXPECT_EQ(opened["parameters"]["media"], nlohmann::json::array({offer[0]}));
    c.audio(offer[0]["channels"].size() * 1600);  // 200 ms of PCMU
    expect_common(c.close_session(), c, "closed");
  }
  EXPECT_TRUE(listener.saw(EventType::InteractionEnded, 5));
}

TEST(AudioHookCompliance, PingIsAnsweredByPongWithTheMatchingSequenceNumbers) {
  ListenerUnderTest listener;
  for (bool wait_for_pong : {true, false}) {
    GenesysClient c(listener.port);
    c.open();
    c.read();
    c.send("ping", nlohmann::json::object());
    EXPECT_EQ(c.seq(), 2);
    auto pong = c.read();
    expect_common(pong, c, "pong");
    EXPECT_EQ(pong["seq"], 2);
    EXPECT_EQ(pong["clientseq"], 2);
    if (wait_for_pong) {
      c.send("ping", {{"rtt", "PT0.0021S"}});
      expect_common(c.read(), c, "pong");
    }
    expect_common(c.close_session(), c, "closed");
  }
}

TEST(AudioHookCompliance, UpdateDiscardedAndErrorMessagesAreTakenAndTheSessionCloses) {
  ListenerUnderTest listener;
  GenesysClient update(listener.port);
  update.open();
  update.read();
  update.send("update", {{"language", "en-US"}});
  expect_common(update.read(), update, "updated");
  expect_common(update.close_session(), update, "closed");

  GenesysClient discarded(listener.port);
  discarded.open();
  discarded.read();
  discarded.send("discarded", {{"start", "PT6.3S"}, {"discarded", "PT0.3S"}});
  expect_common(discarded.close_session(), discarded, "closed");

  GenesysClient error(listener.port);
  error.open();
  error.read();
  error.send("error", {{"code", 400}, {"message", "tough stuff"}});
  expect_common(error.close_session(), error, "closed");
}

TEST(AudioHookCompliance, PauseAndResumeKeepTheSequenceNumbers) {
  ListenerUnderTest listener;
  GenesysClient c(listener.port);
  c.open();
  c.read();
  c.audio(3200);
  c.send("paused", nlohmann::json::object(), "PT0.2S");
  c.send("paused", nlohmann::json::object(), "PT0.2S");  // the reference client sends it twice
  c.send("resumed", {{"start", "PT0.2S"}, {"discarded", "PT10S"}}, "PT10.2S");
  c.audio(3200);
  expect_common(c.close_session(), c, "closed");
  EXPECT_TRUE(listener.saw(EventType::InteractionEnded));
}

TEST(AudioHookCompliance, CloseIsAnsweredByClosedAndTheClientClosesTheSocket) {
  ListenerUnderTest listener;
  GenesysClient c(listener.port);
  c.open();
  c.read();
  c.send("close", {{"reason", "end"}}, "PT5S");
  expect_common(c.read(), c, "closed");
  std::this_thread::sleep_for(200ms);
  c.send("ping", nlohmann::json::object());  // we leave the socket to the client: still answered
  expect_common(c.read(), c, "pong");
  c.close();
  ASSERT_TRUE(listener.saw(EventType::InteractionEnded));
  EXPECT_EQ(listener.count(EventType::InteractionEnded), 1u);
  auto events = listener.sink.events();
  EXPECT_EQ(events.front().interaction_id, kConversation);
  EXPECT_EQ(events.front().customer.phone.value_or(""), "+1-555-555-1234");
}

// ---------------------------------------------------------------- issue 14, point by point

// Issue 14, point 1.
TEST(AudioHookListener, AClientEventIsDisconnectedAndRaisesNoUtterance) {
  ListenerUnderTest listener;
  GenesysClient c(listener.port);
  c.open();
  c.read();
  c.send("event", {{"entities", {{{"type", "transcript"},
                                  {"data", {{"id", uuid()}, {"channelId", 1}, {"isFinal", true},
                                            {"alternatives", {{{"confidence", 0.9}, {"interpretations", {{{"type", "display"}, {"transcript", "cancel"}}}}}}}}}}}}});
  auto d = c.read();
  expect_common(d, c, "disconnect");
  EXPECT_EQ(d["parameters"]["reason"], "error");
  expect_common(c.close_session("disconnect"), c, "closed");
  ASSERT_TRUE(listener.saw(EventType::InteractionEnded));
  EXPECT_EQ(listener.count(EventType::Utterance), 0u);
}

// Issue 14, point 2: with the non-standard relay setting, the speaker is the channel that channelId
// indexes in the chosen media: here the agent is channel 0, and says "cancel".
TEST(AudioHookListener, ARelayedTranscriptTakesItsSpeakerFromTheChosenMediasChannels) {
  ListenerUnderTest listener(kSecret, 300s, std::nullopt, {{"client_transcripts", "true"}});
  GenesysClient c(listener.port);
  c.open(media({{"internal", "external"}}));
  c.read();
  for (int channel : {0, 1})
    c.send("event", {{"entities", {{{"type", "transcript"},
                                    {"data", {{"id", uuid()}, {"channelId", channel}, {"isFinal", true}, {"offset", "PT1S"},
                                              {"alternatives", {{{"confidence", 0.9},
                                                                 {"interpretations", {{{"type", "display"},
                                                                                       {"transcript", channel == 0 ? "I can cancel that" : "please do"}}}}}}}}}}}}});
  ASSERT_TRUE(listener.saw(EventType::Utterance, 2));
  auto events = listener.sink.events();
  EXPECT_EQ(events[1].text, "I can cancel that");
  EXPECT_EQ(events[1].speaker, Speaker::Agent);
  EXPECT_EQ(events[2].speaker, Speaker::Customer);
  c.close_session();
}

// Issue 14, point 3.
TEST(AudioHookListener, ABadSignatureIsRefusedAfterHalfASecondAndNeverOpened) {
  ListenerUnderTest listener;
  std::vector<ClientOptions> refused(4);
  refused[0].secret = "V3JvbmdTZWNyZXRXcm9uZ1NlY3JldA==";  // the wrong client secret
  refused[1].secret = std::nullopt;                         // no signature at all
  refused[2].signed_at = now_s() - 600;                     // signed 10 minutes ago
  refused[3].organization_id = "5a1b2c3d-0972-4844-938e-9060eef73d05";  // validly signed, but another org than the open's
  for (std::size_t i = 0; i < refused.size(); ++i) {
    auto start = std::chrono::steady_clock::now();
    GenesysClient c(listener.port, refused[i]);
    std::string open_org = i == 3 ? "d7934305-0972-4844-938e-9060eef73d05" : refused[i].organization_id;
    c.send("open", {{"organizationId", open_org}, {"conversationId", kConversation},
                    {"participant", {{"id", uuid()}, {"ani", ""}, {"aniName", ""}, {"dnis", ""}}}, {"media", media({{"external"}})}},
           "PT0S");
    auto d = c.read();
    expect_common(d, c, "disconnect");
    EXPECT_EQ(d["parameters"]["reason"], "unauthorized") << i;
    if (i < 3) {
      EXPECT_GE(std::chrono::steady_clock::now() - start, 500ms) << i;
    }
    expect_common(c.close_session("disconnect"), c, "closed");
  }
  EXPECT_EQ(listener.count(EventType::InteractionStarted), 0u);
  // Signed with the right secret: opened.
  GenesysClient ok(listener.port);
  ok.open();
  expect_common(ok.read(), ok, "opened");
  ok.close_session();
}

// Issue 14, point 4.
TEST(AudioHookListener, TheInteractionEndsOnEveryWayASessionEnds) {
  ListenerUnderTest listener;
  {
    GenesysClient c(listener.port);  // close with reason error
    c.open();
    c.read();
    c.close_session("error");
  }
  {
    GenesysClient c(listener.port);  // a dropped socket
    c.open();
    c.read();
    c.drop();
  }
  {
    GenesysClient c(listener.port);  // a disconnect we send (audio of half a sample)
    c.open();
    c.read();
    c.audio(3);
    EXPECT_EQ(c.read()["type"], "disconnect");
    c.close_session("disconnect");
  }
  ASSERT_TRUE(listener.saw(EventType::InteractionEnded, 3));
  ListenerUnderTest idle(kSecret, 1s);  // an idle timeout: a client that stops answering
  GenesysClient c(idle.port);
  c.open();
  EXPECT_TRUE(idle.saw(EventType::InteractionStarted));
  EXPECT_TRUE(idle.saw(EventType::InteractionEnded));
  EXPECT_EQ(listener.count(EventType::InteractionEnded), 3u);
}

// Issue 14, point 5.
TEST(AudioHookListener, ErrorsAreAudioHookDisconnectsAndAnOversizeMessageLeavesTheCloseAnswerable) {
  ListenerUnderTest listener;
  GenesysClient c(listener.port);
  c.open();
  c.read();
  c.send("ping", nlohmann::json::object());
  c.read();
  c.send_text(std::string(70 * 1024, ' '));  // over the listener's 64 KiB
  auto d = c.read();
  expect_common(d, c, "disconnect");  // not {"type":"error"}
  EXPECT_EQ(d["parameters"]["reason"], "error");
  EXPECT_NE(d["parameters"]["info"].get<std::string>().find("71680 bytes"), std::string::npos) << d;
  c.send("close", {{"reason", "disconnect"}}, "PT2S");  // seq 4: the unread message used up 3
  EXPECT_EQ(c.read()["type"], "closed");
  c.close();
}

// Issue 14, point 6.
TEST(AudioHookListener, AfterOurDisconnectTheClientClosesOrWeDoAfterTenSeconds) {
  ListenerUnderTest listener;
  GenesysClient c(listener.port);
  c.open();
  c.read();
  c.send("dance", nlohmann::json::object());
  EXPECT_EQ(c.read()["type"], "disconnect");
  std::this_thread::sleep_for(200ms);
  c.send("ping", nlohmann::json::object());  // the socket stays open for the client's close
  EXPECT_EQ(c.read()["type"], "pong");
  EXPECT_EQ(c.close_session("disconnect")["type"], "closed");

  GenesysClient silent(listener.port);  // a client that never closes
  silent.open();
  silent.read();
  silent.send("dance", nlohmann::json::object());
  EXPECT_EQ(silent.read()["type"], "disconnect");
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(silent.closed_by_server(15s));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 9s);
}

// Issue 14, point 7.
TEST(AudioHookListener, TheSmallerDeviations) {
  ListenerUnderTest listener;
  {
    GenesysClient c(listener.port);  // a disconnect before open names the session
    c.audio(160);
    auto d = c.read();
    EXPECT_EQ(d["type"], "disconnect");
    EXPECT_EQ(d["id"], c.session_id());
    c.close_session("disconnect");
  }
  {
    GenesysClient c(listener.port);  // serverseq above our seq
    c.open();
    c.read();
    c.send_text(nlohmann::json{{"version", "2"}, {"id", c.session_id()}, {"type", "ping"}, {"seq", 2}, {"serverseq", 9},
                               {"position", "PT1S"}, {"parameters", nlohmann::json::object()}}
                    .dump());
    EXPECT_EQ(c.read()["type"], "disconnect");
  }
  {
    GenesysClient c(listener.port);  // audio after closed is not answered
    c.open();
    c.read();
    c.send("close", {{"reason", "end"}});
    EXPECT_EQ(c.read()["type"], "closed");
    c.audio(3200);
    c.send("ping", nlohmann::json::object());
    EXPECT_EQ(c.read()["type"], "pong");
    c.close();
  }
  // A 401 on an API-key listener has no Bearer challenge.
  net::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.connect(tcp::resolver(ioc).resolve("127.0.0.1", listener.port));
  http::request<http::empty_body> req(http::verb::get, "/audiohook", 11);
  req.set(http::field::host, "127.0.0.1:" + listener.port);
  req.set(http::field::upgrade, "websocket");
  req.set(http::field::connection, "Upgrade");
  req.set(http::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
  req.set(http::field::sec_websocket_version, "13");
  req.set("X-API-KEY", "not-the-key");
  http::write(stream, req);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(stream, buffer, res);
  EXPECT_EQ(res.result(), http::status::unauthorized);
  EXPECT_EQ(res.find(http::field::www_authenticate), res.end());
}

// "Strict seq": a client seq that skips one is a disconnect over the socket too, and the client's
// close (the next seq after the last one we took) is still answered.
TEST(AudioHookListener, ASeqThatSkipsOneIsADisconnectAndTheCloseIsAnswered) {
  ListenerUnderTest listener;
  GenesysClient c(listener.port);
  c.open();
  c.read();
  c.send_text(nlohmann::json{{"version", "2"}, {"id", c.session_id()}, {"type", "ping"}, {"seq", 3}, {"serverseq", 1},
                             {"position", "PT1S"}, {"parameters", nlohmann::json::object()}}
                  .dump());
  auto d = c.read();
  expect_common(d, c, "disconnect");
  EXPECT_EQ(d["parameters"]["reason"], "error");
  EXPECT_NE(d["parameters"]["info"].get<std::string>().find("seq 3 does not follow 1"), std::string::npos) << d;
  expect_common(c.close_session("disconnect"), c, "closed");
  ASSERT_TRUE(listener.saw(EventType::InteractionEnded));
  EXPECT_EQ(listener.count(EventType::InteractionEnded), 1u);
}

// ---------------------------------------------------------------- over wss://, with a test CA

TEST(AudioHookListener, ASignedSessionOverWssWithATestCa) {
  const auto& certs = testing::test_certificates();
  ASSERT_TRUE(certs.ok) << "openssl failed; see " << certs.dir << "/openssl.log";
  ListenerUnderTest listener(kSecret, 300s, TlsFiles{certs.dir + "/server.pem", certs.dir + "/server.key"});
  ClientOptions o;
  o.ca_file = certs.dir + "/ca.pem";
  GenesysClient c(listener.port, o);
  c.open();
  expect_common(c.read(), c, "opened");
  c.audio(3200);
  c.send("ping", nlohmann::json::object());
  expect_common(c.read(), c, "pong");
  expect_common(c.close_session(), c, "closed");
  EXPECT_TRUE(listener.saw(EventType::InteractionEnded));
}

}  // namespace
}  // namespace rightmoment
