#include "plugin/config/config_reader.hpp"

#include <algorithm>
#include <sstream>

namespace rightmoment {
namespace {
std::string type_name(const nlohmann::json& j) {
  if (j.is_string()) return "a string";
  if (j.is_boolean()) return "a boolean";
  if (j.is_number()) return "a number";
  if (j.is_object()) return "an object";
  if (j.is_array()) return "an array";
  return "null";
}
}  // namespace

const nlohmann::json* ConfigReader::at(std::string_view pointer) const {
  try {
    nlohmann::json::json_pointer ptr{std::string(pointer)};
    if (!doc_.root().contains(ptr)) return nullptr;
    return &doc_.root().at(ptr);
  } catch (const std::exception&) {
    return nullptr;
  }
}

bool ConfigReader::read_string(std::string_view pointer, std::string& out, bool required) {
  const nlohmann::json* v = at(pointer);
  if (!v) {
    if (required) error(pointer, "is required");
    return !required;
  }
  if (!v->is_string()) {
    error(pointer, "must be a string, not " + type_name(*v));
    return false;
  }
  out = v->get<std::string>();
  return true;
}

bool ConfigReader::read_bool(std::string_view pointer, bool& out) {
  const nlohmann::json* v = at(pointer);
  if (!v) return true;
  if (!v->is_boolean()) {
    error(pointer, "must be true or false, not " + type_name(*v));
    return false;
  }
  out = v->get<bool>();
  return true;
}

bool ConfigReader::read_int(std::string_view pointer, std::int64_t& out, std::int64_t min, std::int64_t max) {
  const nlohmann::json* v = at(pointer);
  if (!v) return true;
  if (!v->is_number_integer()) {
    error(pointer, "must be a whole number, not " + type_name(*v));
    return false;
  }
  std::int64_t x = v->is_number_unsigned() && v->get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)
                       ? INT64_MAX
                       : v->get<std::int64_t>();
  if (x < min || x > max) {
    error(pointer, "must be between " + std::to_string(min) + " and " + std::to_string(max) + ", not " +
                       std::to_string(x));
    return false;
  }
  out = x;
  return true;
}

bool ConfigReader::read_size(std::string_view pointer, std::size_t& out, std::size_t min, std::size_t max) {
  std::int64_t x = static_cast<std::int64_t>(out);
  if (!read_int(pointer, x, static_cast<std::int64_t>(min), static_cast<std::int64_t>(max))) return false;
  out = static_cast<std::size_t>(x);
  return true;
}

bool ConfigReader::read_number(std::string_view pointer, double& out, double min, double max) {
  const nlohmann::json* v = at(pointer);
  if (!v) return true;
  if (!v->is_number()) {
    error(pointer, "must be a number, not " + type_name(*v));
    return false;
  }
  double x = v->get<double>();
  if (!(x >= min && x <= max)) {
    std::ostringstream m;
    m << "must be between " << min << " and " << max << ", not " << x;
    error(pointer, m.str());
    return false;
  }
  out = x;
  return true;
}

bool ConfigReader::read_string_list(std::string_view pointer, std::vector<std::string>& out) {
  const nlohmann::json* v = at(pointer);
  if (!v) return true;
  if (!v->is_array()) {
    error(pointer, "must be a list of strings, not " + type_name(*v));
    return false;
  }
  std::vector<std::string> list;
  bool ok = true;
  for (std::size_t i = 0; i < v->size(); ++i) {
    if (!(*v)[i].is_string()) {
      error(std::string(pointer) + "/" + std::to_string(i), "must be a string, not " + type_name((*v)[i]));
      ok = false;
    } else {
      list.push_back((*v)[i].get<std::string>());
    }
  }
  if (ok) out = std::move(list);
  return ok;
}

bool ConfigReader::read_enum(std::string_view pointer, std::string& out, std::initializer_list<std::string_view> allowed) {
  std::string value = out;
  if (!read_string(pointer, value)) return false;
  if (std::find(allowed.begin(), allowed.end(), value) == allowed.end()) {
    std::string list;
    for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
    error(pointer, "'" + value + "' is not one of: " + list);
    return false;
  }
  out = value;
  return true;
}

bool ConfigReader::check_object(std::string_view pointer, std::initializer_list<std::string_view> known_keys) {
  const nlohmann::json* v = at(pointer);
  if (!v) return true;
  if (!v->is_object()) {
    error(pointer, "must be an object, not " + type_name(*v));
    return false;
  }
  bool ok = true;
  for (const auto& [key, value] : v->items()) {
    if (std::find(known_keys.begin(), known_keys.end(), key) == known_keys.end()) {
      std::string list;
      for (auto k : known_keys) list += (list.empty() ? "" : ", ") + std::string(k);
      error(std::string(pointer) + "/" + key, "unknown option (known here: " + list + ")");
      ok = false;
    }
  }
  return ok;
}

}  // namespace rightmoment
