#include "plugin/web/prometheus.hpp"

#include <set>
#include <sstream>

namespace rightmoment {

std::string prometheus_escape_label(const std::string& v) {
    std::string out;
    for (char c : v) {
        if (c == '\\') out += "\\\\";
        else if (c == '"') out += "\\\"";
        else if (c == '\n') out += "\\n";
        else out += c;
    }
    return out;
}

namespace {
std::string num(const nlohmann::json& v) {
    if (v.is_boolean()) return v.get<bool>() ? "1" : "0";
    if (v.is_number_integer() || v.is_number_unsigned()) return v.dump();
    std::ostringstream o;
    o << v.get<double>();
    return o.str();
}
bool is_number(const nlohmann::json& v) { return v.is_number() || v.is_boolean(); }
}  // namespace

std::string render_prometheus(const nlohmann::json& status) {
    static const std::set<std::string> gauges = {"active_interactions", "store_reachable"};
    std::ostringstream o;
    if (!status.is_object()) return {};
    for (const auto& [key, v] : status.items()) {
        if (is_number(v)) {
            const bool gauge = gauges.count(key) > 0;
            const std::string name = "rightmoment_" + key + (gauge ? "" : "_total");
            o << "# HELP " << name << " " << key << "\n# TYPE " << name << (gauge ? " gauge\n" : " counter\n");
            o << name << " " << num(v) << "\n";
        } else if (v.is_object() && key == "queue_depth") {
            o << "# HELP rightmoment_queue_depth Items waiting in each queue\n# TYPE rightmoment_queue_depth gauge\n";
            for (const auto& [q, n] : v.items())
                if (is_number(n))
                    o << "rightmoment_queue_depth{queue=\"" << prometheus_escape_label(q) << "\"} " << num(n) << "\n";
        } else if (v.is_object() && v.contains("count") && v.contains("sum_us")) {
            const std::string name = "rightmoment_" + key + "_seconds";
            o << "# HELP " << name << " " << key << "\n# TYPE " << name << " summary\n";
            for (const auto& [qk, q] : {std::pair<const char*, const char*>{"p50_us", "0.5"}, {"p99_us", "0.99"},
                                        {"p999_us", "0.999"}})
                if (v.contains(qk) && v[qk].is_number())
                    o << name << "{quantile=\"" << q << "\"} " << v[qk].get<double>() / 1e6 << "\n";
            o << name << "_sum " << v["sum_us"].get<double>() / 1e6 << "\n";
            o << name << "_count " << num(v["count"]) << "\n";
        } else if (v.is_object()) {
            const auto by = key.find("_by_");
            if (by == std::string::npos) continue;
            // One family per key: prompts_by_rule and prompts_by_kind must not share a name.
            const std::string name = "rightmoment_" + key + "_total";
            const std::string label = key.substr(by + 4);
            o << "# HELP " << name << " " << key << "\n# TYPE " << name << " counter\n";
            for (const auto& [k, n] : v.items())
                if (is_number(n))
                    o << name << "{" << label << "=\"" << prometheus_escape_label(k) << "\"} " << num(n) << "\n";
        }
    }
    return o.str();
}

}  // namespace rightmoment
