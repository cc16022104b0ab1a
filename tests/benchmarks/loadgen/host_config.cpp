#include "tests/benchmarks/loadgen/host_config.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace rightmoment::loadgen {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

void make_absolute(json& value, const fs::path& base) {
  if (!value.is_string()) return;
  fs::path p = value.get<std::string>();
  if (!p.empty() && p.is_relative()) value = (base / p).lexically_normal().string();
}

}  // namespace

bool write_host_config(const std::string& source, const std::string& store, const std::string& target,
                       std::string& error) {
  std::ifstream in(source);
  if (!in) {
    error = "cannot read " + source;
    return false;
  }
  std::stringstream text;
  text << in.rdbuf();
  json c = json::parse(text.str(), nullptr, false, /*ignore_comments=*/true);
  if (c.is_discarded() || !c.is_object()) {
    error = source + ": not a JSON object (with comments)";
    return false;
  }
  const fs::path base = fs::absolute(source).parent_path();
  if (c.contains("rules")) {
    json& r = c["rules"];
    if (r.contains("files"))
      for (auto& f : r["files"]) make_absolute(f, base);
    if (r.contains("lexicons")) make_absolute(r["lexicons"], base);
    if (r.contains("models")) make_absolute(r["models"], base);
  }
  if (!store.empty()) {
    c["history"]["store"] = store;
  } else if (c.contains("history") && c["history"].contains("store")) {
    std::string s = c["history"]["store"].get<std::string>();
    if (s.rfind("sqlite:", 0) == 0 && fs::path(s.substr(7)).is_relative())
      c["history"]["store"] = "sqlite:" + (base / s.substr(7)).lexically_normal().string();
  }
  if (c.contains("listeners"))
    for (auto& l : c["listeners"]) l["port"] = 0;
  for (const char* server : {"popup", "admin", "webhooks"})
    if (c.contains(server) && c[server].is_object() && c[server].contains("port")) c[server]["port"] = 0;
  std::ofstream out(target);
  out << "// Written by rightmoment-loadgen from " << source << " (ports and store changed).\n" << c.dump(2) << "\n";
  if (!out) {
    error = "cannot write " + target;
    return false;
  }
  return true;
}

}  // namespace rightmoment::loadgen
