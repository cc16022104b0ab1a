#include "plugin/net/quiet_close.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/websocket/error.hpp>

namespace rightmoment::net {

bool is_quiet_close(const boost::system::error_code& ec) {
  namespace asio = boost::asio;
  namespace beast = boost::beast;
  return ec == beast::websocket::error::closed || ec == asio::error::operation_aborted || ec == asio::error::eof ||
         ec == beast::error::timeout || ec == asio::ssl::error::stream_truncated || ec == asio::error::connection_reset ||
         ec == beast::http::error::end_of_stream;
}

}  // namespace rightmoment::net
