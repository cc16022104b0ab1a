#pragma once
// Typed reads from a JSONC document, each failure a diagnostic with file, line and key. Unknown keys
// are errors too (a typo in an option name must not be silently ignored).
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plugin/core/jsonc_document.hpp"

namespace rightmoment {

class ConfigReader {
 public:
  ConfigReader(const JsoncDocument& doc, Diagnostics& diags) : doc_(doc), diags_(diags) {}

  const nlohmann::json* at(std::string_view pointer) const;  // null when absent

  // Each reads the value at pointer into out when present and valid; otherwise records a diagnostic
  // (absent optional values leave out untouched). Returns false on error.
  bool read_string(std::string_view pointer, std::string& out, bool required = false);
  bool read_bool(std::string_view pointer, bool& out);
  bool read_int(std::string_view pointer, std::int64_t& out, std::int64_t min, std::int64_t max);
  bool read_size(std::string_view pointer, std::size_t& out, std::size_t min, std::size_t max);
  bool read_number(std::string_view pointer, double& out, double min, double max);
  bool read_string_list(std::string_view pointer, std::vector<std::string>& out);
  bool read_enum(std::string_view pointer, std::string& out, std::initializer_list<std::string_view> allowed);

  // The value at pointer must be an object (when present) with only these keys.
  bool check_object(std::string_view pointer, std::initializer_list<std::string_view> known_keys);

  void error(std::string_view pointer, std::string message) { diags_.push_back(doc_.error(pointer, std::move(message))); }
  const JsoncDocument& document() const { return doc_; }
  Diagnostics& diagnostics() { return diags_; }

 private:
  const JsoncDocument& doc_;
  Diagnostics& diags_;
};

}  // namespace rightmoment
