#include "tests/benchmarks/loadgen/admin_status.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>

namespace rightmoment::loadgen {

std::string fetch_admin_status(const std::string& admin_url, double timeout_s, std::string& error) {
  namespace asio = boost::asio;
  namespace beast = boost::beast;
  namespace http = beast::http;
  // http://HOST:PORT (no path, no TLS: the bench's admin server is on loopback)
  const std::string scheme = "http://";
  if (admin_url.rfind(scheme, 0) != 0) {
    error = "not an http:// admin URL: '" + admin_url + "'";
    return {};
  }
  std::string hostport = admin_url.substr(scheme.size());
  if (auto slash = hostport.find('/'); slash != std::string::npos) hostport.resize(slash);
  auto colon = hostport.rfind(':');
  if (colon == std::string::npos) {
    error = "no port in the admin URL '" + admin_url + "'";
    return {};
  }
  try {
    asio::io_context io;
    asio::ip::tcp::resolver resolver(io);
    beast::tcp_stream stream(io);
    stream.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(timeout_s)));
    stream.connect(resolver.resolve(hostport.substr(0, colon), hostport.substr(colon + 1)));
    http::request<http::empty_body> req{http::verb::get, "/status", 11};
    req.set(http::field::host, hostport);
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(stream, buffer, res);
    beast::error_code ignored;
    stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    if (res.result() != http::status::ok) {
      error = "GET /status answered " + std::to_string(res.result_int());
      return {};
    }
    return res.body();
  } catch (const std::exception& e) {
    error = std::string("GET ") + admin_url + "/status: " + e.what();
    return {};
  }
}

}  // namespace rightmoment::loadgen
