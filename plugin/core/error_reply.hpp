#pragma once
// The generic error reply a peer of ours gets, written in one place: {"type":"error","code":...,
// "message":...} and what it is about. Event connections and the ABI's submit_event answer a refused
// event with it (docs/transport.md); the pop-up page gets it for a refused answer or page.
#include <string>
#include <string_view>

#include "plugin/core/event_adapter.hpp"

namespace rightmoment {

// With "event_id": the refused event's id, or null when it could not be read.
std::string error_reply(const EventRejection& rejection);

// With "prompt_id" when one is given (the pop-up's answers).
std::string error_reply(std::string_view code, std::string_view message, std::string_view prompt_id = {});

}  // namespace rightmoment
