#pragma once
// Configuration and rule files are JSON with comments (// and /* */), read with nlohmann::json.
// This keeps, beside the parsed value, the line on which every key and array element starts, so
// that every error can name its file, line and key.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "plugin/core/diagnostic.hpp"

namespace rightmoment {

class JsoncDocument {
 public:
  // Parses text; on a syntax error returns nullopt and appends one diagnostic with the line.
  static std::optional<JsoncDocument> parse(std::string_view text, std::string file, Diagnostics& diags);
  // Reads and parses a file; an unreadable file is a diagnostic too.
  static std::optional<JsoncDocument> load(const std::string& path, Diagnostics& diags);

  const nlohmann::json& root() const { return root_; }
  const std::string& file() const { return file_; }

  // The line of the value at a JSON pointer ("/listeners/0/port"); the nearest enclosing
  // value's line when that pointer was not seen; 0 when nothing is known.
  int line_of(std::string_view pointer) const;

  // A diagnostic for the value at pointer.
  Diagnostic error(std::string_view pointer, std::string message) const;

 private:
  nlohmann::json root_;
  std::string file_;
  std::unordered_map<std::string, int> lines_;
};

}  // namespace rightmoment
