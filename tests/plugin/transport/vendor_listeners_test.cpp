// Every vendor adapter behind a real listener, driven by a real WebSocket client over loopback with
// its recorded fixture: events reach the engine, and protocol replies (AudioHook's opened) come back.
#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <condition_variable>
#include <fstream>
#include <mutex>

#include <nlohmann/json.hpp>
#include <spdlog/sinks/null_sink.h>

#include "adapters/events/builtin_adapters.hpp"
#include "plugin/transport/transport_service.hpp"
#include "tests/support/recorded_handshake.hpp"
#include "tests/support/recording_event_sink.hpp"

namespace rightmoment {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

using Sink = testing::RecordingEventSink;

struct Case {
  const char* adapter;
  const char* fixture;
  std::size_t events;
};

TEST(VendorListeners, EachAdapterServesItsVendorOverARealWebSocket) {
  for (const Case& c : {Case{"genesys-audiohook", "genesys_audiohook/session.jsonl", 2},
                        Case{"twilio-media-streams", "twilio_media_streams/call.jsonl", 4},
                        Case{"amazon-connect", "amazon_connect/contact.jsonl", 5}}) {
    Sink sink;
    TransportService t(sink, builtin_adapters(), std::make_shared<spdlog::logger>("t", std::make_shared<spdlog::sinks::null_sink_mt>()), 1);
    ListenerConfig l;
    l.name = c.adapter;
    l.adapter = c.adapter;
    l.path = "/vendor";
    l.auth.mode = AuthMode::ApiKey;
    l.auth.header = "X-API-KEY";
    l.auth.tokens = {"k"};
    std::string error;
    ASSERT_TRUE(t.start({l}, {}, error)) << error;
    std::string url = t.bound()[0].url;
    std::string port = url.substr(15, url.find('/', 15) - 15);
    net::io_context ioc;
    websocket::stream<tcp::socket> ws(ioc);
    tcp::resolver resolver(ioc);
    net::connect(ws.next_layer(), resolver.resolve("127.0.0.1", port));
    // The upgrade headers the fixture was recorded with (AudioHook's), when it has them.
    auto headers = testing::recorded_handshake(c.fixture).headers;
    headers.erase("host");
    headers["x-api-key"] = "k";
    ws.set_option(websocket::stream_base::decorator([headers](websocket::request_type& req) {
      for (const auto& [name, value] : headers) req.set(name, value);
    }));
    ws.handshake("127.0.0.1:" + port, "/vendor");
    std::ifstream in(RIGHTMOMENT_SOURCE_DIR "/tests/fixtures/" + std::string(c.fixture));
    ws.text(true);
    for (std::string line; std::getline(in, line);)
      if (!line.empty()) ws.write(net::buffer(line));
    EXPECT_TRUE(sink.wait_for(c.events)) << c.adapter;
    if (std::string(c.adapter) == "genesys-audiohook") {
      beast::flat_buffer buffer;
      ws.read(buffer);
      EXPECT_EQ(nlohmann::json::parse(beast::buffers_to_string(buffer.data()))["type"], "opened");
    }
    t.stop();
  }
}

}  // namespace
}  // namespace rightmoment
