#include "sdk/host/host_options.hpp"

#include <cstdlib>
#include <string_view>

namespace rightmoment::host {

const char* host_usage() {
  return "usage:\n"
         "  rightmoment-host --config FILE [--history FILE.jsonl]                    serve until SIGINT/SIGTERM\n"
         "  rightmoment-host --config FILE --history FILE.jsonl --replay EVENTS.jsonl [--speed N|max]\n"
         "  rightmoment-host --config FILE --check-config\n"
         "options:\n"
         "  --plugin PATH   the plugin library to load (default: librightmoment.so beside this program)\n"
         "  --agent-link AGENT   print 'popup AGENT URL' on stderr: a signed link to that agent's pop-up page\n"
         "  --supervisor-link ID print 'supervisor ID URL' on stderr: a signed link to the supervisor page\n"
         "                       (the configuration needs a \"popup\" section); may be repeated\n"
         "  --replay-delay S     wait S seconds before replaying (time to open the pop-up)\n"
         "  --linger S           after a replay, keep serving S seconds (or until SIGINT/SIGTERM)\n";
}

std::optional<HostOptions> parse_host_options(int argc, char** argv, std::string& error) {
  HostOptions o;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    auto value = [&](const char* name) -> std::optional<std::string> {
      if (i + 1 >= argc) {
        error = std::string(name) + " needs a value";
        return std::nullopt;
      }
      return std::string(argv[++i]);
    };
    if (a == "--help" || a == "-h") {
      o.help = true;
    } else if (a == "--config") {
      auto v = value("--config");
      if (!v) return std::nullopt;
      o.config = *v;
    } else if (a == "--history") {
      auto v = value("--history");
      if (!v) return std::nullopt;
      o.history = *v;
    } else if (a == "--replay") {
      auto v = value("--replay");
      if (!v) return std::nullopt;
      o.replay = *v;
    } else if (a == "--speed") {
      auto v = value("--speed");
      if (!v) return std::nullopt;
      if (*v == "max") {
        o.speed = 0;
      } else {
        char* end = nullptr;
        double s = std::strtod(v->c_str(), &end);
        if (!end || *end != '\0' || !(s > 0) || s > 1e6) {
          error = "--speed must be a positive number or 'max', not '" + *v + "'";
          return std::nullopt;
        }
        o.speed = s;
      }
    } else if (a == "--agent-link") {
      auto v = value("--agent-link");
      if (!v) return std::nullopt;
      o.agent_links.push_back(*v);
    } else if (a == "--supervisor-link") {
      auto v = value("--supervisor-link");
      if (!v) return std::nullopt;
      o.supervisor_links.push_back(*v);
    } else if (a == "--replay-delay" || a == "--linger") {
      std::string name(a);
      auto v = value(name.c_str());
      if (!v) return std::nullopt;
      char* end = nullptr;
      double s = std::strtod(v->c_str(), &end);
      if (!end || *end != '\0' || !(s >= 0) || s > 86400) {
        error = name + " must be a number of seconds from 0 to 86400, not '" + *v + "'";
        return std::nullopt;
      }
      (a == "--linger" ? o.linger_s : o.replay_delay_s) = s;
    } else if (a == "--check-config") {
      o.check_config = true;
    } else if (a == "--plugin") {
      auto v = value("--plugin");
      if (!v) return std::nullopt;
      o.plugin_path = *v;
    } else {
      error = "unknown argument '" + std::string(a) + "'";
      return std::nullopt;
    }
  }
  if (o.help) return o;
  if (o.config.empty()) {
    error = "--config FILE is required";
    return std::nullopt;
  }
  if (o.replay && !o.history) {
    error = "--replay needs --history FILE.jsonl";
    return std::nullopt;
  }
  if (o.check_config && (o.replay || o.history)) {
    error = "--check-config takes only --config";
    return std::nullopt;
  }
  return o;
}

}  // namespace rightmoment::host
