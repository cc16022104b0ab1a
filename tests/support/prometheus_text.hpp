#pragma once
// A strict parser of the Prometheus text exposition format 0.0.4, for tests that scrape /metrics:
// every line must be a well-formed HELP, TYPE or sample; every sample must belong to a family whose
// TYPE came first; a family is declared once; histogram buckets must be cumulative and end in +Inf
// equal to _count. Any violation throws std::runtime_error naming the line.
#include <cmath>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>

namespace rightmoment::testing {

struct PrometheusText {
  std::map<std::string, std::string> types;   // family -> counter|gauge|histogram|summary|untyped
  std::map<std::string, double> samples;      // 'name{a="x",b="y"}' (labels sorted) or 'name' -> value

  double value(const std::string& key, double otherwise = 0) const {
    auto it = samples.find(key);
    return it == samples.end() ? otherwise : it->second;
  }
  // Sum over every sample of a metric name, whatever its labels.
  double sum(const std::string& name) const {
    double total = 0;
    for (const auto& [k, v] : samples)
      if (k == name || k.rfind(name + "{", 0) == 0) total += v;
    return total;
  }
};

inline PrometheusText parse_prometheus_text(const std::string& text) {
  static const std::regex name_re("[a-zA-Z_:][a-zA-Z0-9_:]*");
  static const std::regex label_name_re("[a-zA-Z_][a-zA-Z0-9_]*");
  PrometheusText out;
  std::set<std::string> helped;
  std::istringstream in(text);
  std::string line;
  int number = 0;
  auto fail = [&](const std::string& why) {
    throw std::runtime_error("metrics line " + std::to_string(number) + ": " + why + ": '" + line + "'");
  };
  auto family_of = [&](const std::string& name) -> std::string {
    if (out.types.count(name)) return name;
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      std::string s = suffix;
      if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0) {
        std::string base = name.substr(0, name.size() - s.size());
        auto t = out.types.find(base);
        if (t != out.types.end() && (t->second == "histogram" || (t->second == "summary" && s != "_bucket"))) return base;
      }
    }
    return {};
  };
  if (!text.empty() && text.back() != '\n') throw std::runtime_error("metrics: the last line has no newline");
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) continue;
    if (line.rfind("# HELP ", 0) == 0 || line.rfind("# TYPE ", 0) == 0) {
      std::string rest = line.substr(7);
      auto sp = rest.find(' ');
      std::string name = rest.substr(0, sp);
      if (!std::regex_match(name, name_re)) fail("bad metric name");
      if (line[2] == 'T') {
        std::string type = sp == std::string::npos ? "" : rest.substr(sp + 1);
        static const std::set<std::string> types = {"counter", "gauge", "histogram", "summary", "untyped"};
        if (!types.count(type)) fail("bad type");
        if (out.types.count(name)) fail("family declared twice");
        out.types[name] = type;
      } else if (!helped.insert(name).second) {
        fail("HELP given twice");
      }
      continue;
    }
    if (line[0] == '#') continue;  // a comment
    // name{labels} value
    std::size_t i = 0;
    while (i < line.size() && line[i] != '{' && line[i] != ' ') ++i;
    std::string name = line.substr(0, i);
    if (!std::regex_match(name, name_re)) fail("bad metric name");
    std::map<std::string, std::string> labels;
    if (i < line.size() && line[i] == '{') {
      ++i;
      while (i < line.size() && line[i] != '}') {
        std::size_t eq = line.find('=', i);
        if (eq == std::string::npos) fail("label without '='");
        std::string lname = line.substr(i, eq - i);
        if (!std::regex_match(lname, label_name_re)) fail("bad label name");
        if (eq + 1 >= line.size() || line[eq + 1] != '"') fail("label value not quoted");
        std::string value;
        std::size_t j = eq + 2;
        for (; j < line.size() && line[j] != '"'; ++j) {
          if (line[j] == '\\') {
            if (++j >= line.size()) fail("broken escape");
            char c = line[j];
            if (c == 'n') value += '\n';
            else if (c == '\\' || c == '"') value += c;
            else fail("bad escape");
          } else {
            value += line[j];
          }
        }
        if (j >= line.size()) fail("unterminated label value");
        if (!labels.emplace(lname, value).second) fail("label given twice");
        i = j + 1;
        if (i < line.size() && line[i] == ',') ++i;
      }
      if (i >= line.size()) fail("unterminated labels");
      ++i;
    }
    if (i >= line.size() || line[i] != ' ') fail("no value");
    std::string value_text = line.substr(i + 1);
    if (auto sp = value_text.find(' '); sp != std::string::npos) value_text = value_text.substr(0, sp);  // a timestamp
    double value = 0;
    if (value_text == "+Inf") value = INFINITY;
    else if (value_text == "-Inf") value = -INFINITY;
    else if (value_text == "NaN") value = NAN;
    else {
      std::size_t used = 0;
      try {
        value = std::stod(value_text, &used);
      } catch (...) {
        fail("bad value");
      }
      if (used != value_text.size()) fail("bad value");
    }
    if (family_of(name).empty()) fail("sample before (or without) its TYPE");
    std::string key = name;
    if (!labels.empty()) {
      key += "{";
      bool first = true;
      for (const auto& [k, v] : labels) {
        key += (first ? "" : ",") + k + "=\"" + v + "\"";
        first = false;
      }
      key += "}";
    }
    if (!out.samples.emplace(key, value).second) fail("sample given twice");
  }
  // Histograms: cumulative buckets, +Inf equal to _count.
  for (const auto& [family, type] : out.types) {
    if (type != "histogram") continue;
    double previous = 0, inf = -1;
    std::map<double, double> buckets;
    for (const auto& [k, v] : out.samples) {
      if (k.rfind(family + "_bucket{le=\"", 0) != 0) continue;
      std::string le = k.substr(family.size() + 12, k.size() - family.size() - 14);
      if (le == "+Inf") inf = v;
      else buckets[std::stod(le)] = v;
    }
    for (const auto& [le, v] : buckets) {
      if (v < previous) throw std::runtime_error("metrics: " + family + " buckets are not cumulative");
      previous = v;
    }
    if (inf < previous) throw std::runtime_error("metrics: " + family + " has no +Inf bucket, or it is too small");
    if (out.value(family + "_count", -1) != inf) throw std::runtime_error("metrics: " + family + " +Inf bucket differs from _count");
  }
  return out;
}

}  // namespace rightmoment::testing
