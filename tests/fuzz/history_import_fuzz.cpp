// Any bytes as one line of a history import file: a record or a reason, never a crash; a record
// that parses must carry the ids the store keys on.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "plugin/history/history_importer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto parsed = rightmoment::parse_history_line(std::string_view(reinterpret_cast<const char*>(data), size), "US");
  if (auto* record = std::get_if<rightmoment::HistoryRecord>(&parsed)) {
    std::visit([](const auto& r) {
      if (r.customer_id.empty()) std::abort();
    }, *record);
  } else if (std::get<std::string>(parsed).empty()) {
    std::abort();
  }
  return 0;
}
