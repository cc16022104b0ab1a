// Asio and Beast in separate-compilation mode: their implementation is compiled once, here, instead
// of in every translation unit that includes them (a Beast+SSL TU costs ~25 s at -O2 on 2 cores).
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
