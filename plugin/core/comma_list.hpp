#pragma once
// "a,b,,c" as {"a", "b", "c"}: how an environment variable carries several secrets (tokens being rotated).
#include <string>
#include <string_view>
#include <vector>

namespace rightmoment {

inline std::vector<std::string> split_comma_list(std::string_view all) {
  std::vector<std::string> out;
  while (!all.empty()) {
    auto comma = all.find(',');
    if (auto item = all.substr(0, comma); !item.empty()) out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    all.remove_prefix(comma + 1);
  }
  return out;
}

}  // namespace rightmoment
