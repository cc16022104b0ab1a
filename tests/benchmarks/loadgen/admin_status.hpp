#pragma once
// The reference host's own account of a run, from outside: GET /status on its admin server (the
// "admin URL" line it prints on standard error, docs/operations.md). Beast stays in admin_status.cpp.
#include <string>

namespace rightmoment::loadgen {

// The body of GET <admin_url>/status (the status JSON), or empty with a message; at most timeout_s.
std::string fetch_admin_status(const std::string& admin_url, double timeout_s, std::string& error);

}  // namespace rightmoment::loadgen
