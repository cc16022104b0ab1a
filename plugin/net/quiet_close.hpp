#pragma once
// The one close-code filter of the plugin's sockets: the ways a connection ends that are not worth a
// log line (the peer closed, a timeout, a stop, a TLS peer that hung up without close_notify).
#include <boost/system/error_code.hpp>

namespace rightmoment::net {

bool is_quiet_close(const boost::system::error_code& ec);

}  // namespace rightmoment::net
