#pragma once
// One HTTP/1.1 request on a connection of its own (TLS for https://, verified as every client's is),
// with a deadline for the whole exchange and a bounded response. For the few REST calls a client
// channel makes (a token, a channel, its subscriptions); not a general-purpose HTTP client. Included
// by .cpp files only: Asio stays out of the plugin's other headers.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <cstddef>
#include <functional>

#include "plugin/core/client_channel.hpp"

namespace rightmoment {

struct HttpCallLimits {
  std::chrono::milliseconds timeout{30000};  // resolve to the last byte of the answer
  std::size_t max_body = 1024 * 1024;        // a larger answer is a failure (status 0)
  bool verify = true;                        // the peer's certificate and host name
};

// Starts the request on executor; done runs there exactly once, unless the returned function (to be
// called on that executor) cancels the request first. tls is the client context for https://.
std::function<void()> start_http_call(const boost::asio::any_io_executor& executor, boost::asio::ssl::context* tls,
                                      HttpCallRequest request, const HttpCallLimits& limits,
                                      std::function<void(HttpCallResponse)> done);

}  // namespace rightmoment
