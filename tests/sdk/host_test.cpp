// The reference host as a user runs it (shared/contract/host.md): a separate process, its stdout and
// stderr, its exit codes, SIGTERM, kill -9 after the plugin acknowledged what it had received, and
// a kill -9 in mid-call followed by a restart on the same store.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "adapters/history/open_history_store.hpp"
#include "plugin/history/history_store.hpp"
#include "sdk/host/replay/replay_client.hpp"

namespace {

namespace fs = std::filesystem;
const std::string kHost = RIGHTMOMENT_HOST_PATH;

struct Child {
  pid_t pid = -1;
  int err_fd = -1;
  std::string out_path;
};

// Starts the host with stdout to a file and stderr to a pipe we read.
Child spawn(const std::vector<std::string>& args, const std::string& out_path) {
  int fds[2];
  EXPECT_EQ(pipe(fds), 0);
  Child c;
  c.out_path = out_path;
  c.pid = fork();
  if (c.pid == 0) {
    int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(out, 1);
    dup2(fds[1], 2);
    close(fds[0]);
    std::vector<char*> argv{const_cast<char*>(kHost.c_str())};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(kHost.c_str(), argv.data());
    _exit(127);
  }
  close(fds[1]);
  c.err_fd = fds[0];
  return c;
}

// Reads stderr until a line starting with prefix (or EOF); returns that line.
std::string read_until(int fd, const std::string& prefix, std::string* all = nullptr) {
  std::string buf, line;
  char ch;
  while (read(fd, &ch, 1) == 1) {
    if (ch != '\n') {
      line += ch;
      continue;
    }
    if (all) *all += line + "\n";
    if (line.rfind(prefix, 0) == 0) return line;
    line.clear();
  }
  return "";
}

int wait_exit(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string temp_dir(const std::string& name) {
  auto dir = fs::path(::testing::TempDir()) / ("rm_host_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string();
}

std::string write_config(const std::string& dir) {
  std::string path = dir + "/config.jsonc";
  std::ofstream(path) << R"({
  "history": {"store": "sqlite:store.db"},
  "rules": {"files": [")" RIGHTMOMENT_SOURCE_DIR R"(/config/rules/default.rules.jsonc"],
            "lexicons": ")" RIGHTMOMENT_SOURCE_DIR R"(/config/lexicons"},
  "listeners": [{"name": "generic", "adapter": "generic", "port": 0, "path": "/events", "auth": {"mode": "none"}}]
})";
  return path;
}

TEST(Host, CheckConfigNamesFileLineAndKey) {
  std::string dir = temp_dir("check");
  std::ofstream(dir + "/bad.jsonc") << "{\n  \"history\": {\"store\": \"sqlite:x.db\"},\n  \"rules\": {\n    \"holdout_percent\": 120\n  }\n}\n";
  Child c = spawn({"--config", dir + "/bad.jsonc", "--check-config"}, dir + "/out");
  std::string all;
  read_until(c.err_fd, "\x01never", &all);
  EXPECT_NE(wait_exit(c.pid), 0);
  EXPECT_NE(all.find("bad.jsonc:4: /rules/holdout_percent"), std::string::npos) << all;
  Child ok = spawn({"--config", write_config(dir), "--check-config"}, dir + "/out2");
  EXPECT_EQ(wait_exit(ok.pid), 0);
}

TEST(Host, ReplayPrintsOnePromptALineAndExitsZero) {
  std::string dir = temp_dir("replay");
  std::ofstream(dir + "/history.jsonl")
      << R"({"record":"customer","customer_id":"cu-1","name":"Dana Reyes"})" << "\n"
      << R"({"record":"identity","customer_id":"cu-1","kind":"email","value":"dana@example.com"})" << "\n";
  std::ofstream(dir + "/events.jsonl")
      << R"({"event_id":"e1","type":"interaction.started","interaction_id":"c-1","ts":"2026-11-22T10:00:00Z","channel":"chat","direction":"inbound","customer":{"email":"Dana@Example.com"}})" << "\n"
      << "this line is not an event\n"
      << R"({"event_id":"e2","type":"agent.joined","interaction_id":"c-1","ts":"2026-11-22T10:00:05Z","agent_id":"a-1"})" << "\n"
      << R"({"event_id":"e3","type":"utterance","interaction_id":"c-1","ts":"2026-11-22T10:00:09Z","speaker":"customer","text":"This is the third time I have called about this."})" << "\n";
  Child c = spawn({"--config", write_config(dir), "--history", dir + "/history.jsonl", "--replay", dir + "/events.jsonl"},
                  dir + "/prompts.jsonl");
  std::string all;
  read_until(c.err_fd, "\x01never", &all);
  ASSERT_EQ(wait_exit(c.pid), 0) << all;
  EXPECT_NE(all.find("listening generic ws://127.0.0.1:"), std::string::npos) << all;
  std::ifstream in(dir + "/prompts.jsonl");
  std::vector<nlohmann::json> prompts;
  for (std::string line; std::getline(in, line);) prompts.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(prompts.size(), 2u) << all;
  EXPECT_EQ(prompts[0]["customer"]["customer_id"], "cu-1");
  EXPECT_EQ(prompts[1]["rule_id"], "frustration");
}

// Found replaying a check set twice: the second run printed no prompt and said nothing of why (its
// calls were recorded as ended in the store by the first run, so their events are late).
TEST(Host, ASecondReplayOfEndedCallsOnTheSameStoreSaysWhyItRaisesNothing) {
  std::string dir = temp_dir("replay_twice");
  std::ofstream(dir + "/history.jsonl") << R"({"record":"customer","customer_id":"cu-1","name":"Dana Reyes"})" << "\n";
  std::ofstream(dir + "/events.jsonl")
      << R"({"event_id":"e1","type":"interaction.started","interaction_id":"c-1","ts":"2026-11-22T10:00:00Z","channel":"chat","direction":"inbound","customer":{"email":"x@example.com"}})" << "\n"
      << R"({"event_id":"e2","type":"agent.joined","interaction_id":"c-1","ts":"2026-11-22T10:00:05Z","agent_id":"a-1"})" << "\n"
      << R"({"event_id":"e3","type":"utterance","interaction_id":"c-1","ts":"2026-11-22T10:00:09Z","speaker":"customer","text":"This is the third time I have called about this."})" << "\n"
      << R"({"event_id":"e4","type":"interaction.ended","interaction_id":"c-1","ts":"2026-11-22T10:01:00Z"})" << "\n";
  std::string config = write_config(dir);
  std::string first, second;
  Child a = spawn({"--config", config, "--history", dir + "/history.jsonl", "--replay", dir + "/events.jsonl"},
                  dir + "/first.jsonl");
  read_until(a.err_fd, "\x01never", &first);
  ASSERT_EQ(wait_exit(a.pid), 0) << first;
  EXPECT_EQ(first.find("recorded as ended"), std::string::npos) << first;
  EXPECT_EQ(first.find("records as ended"), std::string::npos) << first;
  Child b = spawn({"--config", config, "--history", dir + "/history.jsonl", "--replay", dir + "/events.jsonl"},
                  dir + "/second.jsonl");
  read_until(b.err_fd, "\x01never", &second);
  ASSERT_EQ(wait_exit(b.pid), 0) << second;
  EXPECT_EQ(fs::file_size(dir + "/second.jsonl"), 0u);
  EXPECT_NE(second.find("rightmoment-host: 4 event(s) were for interactions the store records as ended"), std::string::npos)
      << second;
  EXPECT_NE(second.find("replay into a fresh store"), std::string::npos) << second;
}

TEST(Host, SigtermShutsDownCleanly) {
  std::string dir = temp_dir("sigterm");
  Child c = spawn({"--config", write_config(dir)}, dir + "/out");
  ASSERT_NE(read_until(c.err_fd, "listening generic "), "");
  kill(c.pid, SIGTERM);
  EXPECT_EQ(wait_exit(c.pid), 0);
}

TEST(Host, AKillNineLosesNothingThePluginHadAcknowledged) {
  std::string dir = temp_dir("kill9");
  Child c = spawn({"--config", write_config(dir)}, dir + "/out");
  std::string line = read_until(c.err_fd, "listening generic ");
  ASSERT_NE(line, "");
  std::string url = line.substr(std::string("listening generic ").size());
  std::ofstream events(dir + "/events.jsonl");
  for (int i = 0; i < 50; ++i) {
    std::string id = "k-" + std::to_string(i);
    events << R"({"event_id":"a","type":"interaction.started","interaction_id":")" << id
           << R"(","ts":"2026-11-22T10:00:00Z","channel":"voice","direction":"inbound","agent_id":"a-1"})" << "\n"
           << R"({"event_id":"b","type":"interaction.ended","interaction_id":")" << id << R"(","ts":"2026-11-22T10:01:00Z"})" << "\n";
  }
  events.close();
  std::ostringstream err;
  // control.synced is the acknowledgement: processed, delivered and committed.
  ASSERT_EQ(rightmoment::run_replay(url, dir + "/events.jsonl", 0, err), 0) << err.str();
  kill(c.pid, SIGKILL);
  EXPECT_EQ(wait_exit(c.pid), 128 + SIGKILL);
  auto store = rightmoment::open_history_store("sqlite://" + dir + "/store.db");
  int pops = 0, summaries = 0;
  for (const auto& r : store->read_outcomes(0, INT64_MAX)) {
    if (auto* p = std::get_if<rightmoment::PromptOutcome>(&r); p && p->kind == "screen_pop") ++pops;
    if (std::holds_alternative<rightmoment::InteractionOutcome>(r)) ++summaries;
  }
  EXPECT_EQ(pops, 50);
  EXPECT_EQ(summaries, 50);
}

std::vector<nlohmann::json> prompts_in(const std::string& path) {
  std::vector<nlohmann::json> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  return out;
}

// Issue 15: after a restart, a platform that reconnected and resent a call's last events got its
// screen pop and prompts a second time.
TEST(Host, AKillNineInMidCallAndARestartRaiseNoPromptTwice) {
  std::string dir = temp_dir("restart");
  auto event = [](const std::string& id, const std::string& type, const std::string& at, const std::string& extra) {
    return R"({"event_id":")" + id + R"(","type":")" + type + R"(","interaction_id":"mid-call","ts":"2026-11-22T10:)" + at +
           R"(Z")" + (extra.empty() ? "" : "," + extra) + "}\n";
  };
  auto said = [](const std::string& who, const std::string& text) {
    return R"("speaker":")" + who + R"(","text":")" + text + "\"";
  };
  const std::string started = event("m1", "interaction.started", "00:00",
                                    R"("channel":"voice","direction":"inbound","customer":{"phone":"+1 415 555 0199"})");
  const std::string joined = event("m2", "agent.joined", "00:05", R"("agent_id":"agent-ruth","agent_name":"Ruth")");
  const std::string frustrated =
      event("m3", "utterance", "00:12", said("customer", "Nobody turned up again yesterday. Honestly I'm sick and tired of taking days off for this."));
  const std::string plain = event("m4", "utterance", "00:20", said("agent", "I'm sorry to hear that, let me pull up your account."));
  std::ofstream(dir + "/before.jsonl") << started << joined << frustrated << plain;

  Child first = spawn({"--config", write_config(dir)}, dir + "/before-prompts.jsonl");
  std::string line = read_until(first.err_fd, "listening generic ");
  ASSERT_NE(line, "");
  std::ostringstream err;
  ASSERT_EQ(rightmoment::run_replay(line.substr(std::string("listening generic ").size()), dir + "/before.jsonl", 0, err), 0)
      << err.str();
  kill(first.pid, SIGKILL);  // in mid-call: no interaction.ended
  EXPECT_EQ(wait_exit(first.pid), 128 + SIGKILL);
  auto before = prompts_in(dir + "/before-prompts.jsonl");
  ASSERT_EQ(before.size(), 2u);  // the screen pop and the frustration prompt
  EXPECT_EQ(before[1]["rule_id"], "frustration");

  // The platform reconnects to the restarted host and resends the call's last events, then the
  // call goes on: the customer says something that fires another rule, and the call ends.
  const std::string churn = event("m5", "utterance", "00:31", said("customer", "I'm seriously looking at other broadband companies at this point."));
  const std::string again = event("m6", "utterance", "00:40", said("customer", "I'm sick and tired of this, honestly."));
  const std::string ended = event("m7", "interaction.ended", "01:00", "");
  std::ofstream(dir + "/after.jsonl") << started << joined << frustrated << plain << churn << again << ended;
  Child second = spawn({"--config", write_config(dir)}, dir + "/after-prompts.jsonl");
  line = read_until(second.err_fd, "listening generic ");
  ASSERT_NE(line, "");
  ASSERT_EQ(rightmoment::run_replay(line.substr(std::string("listening generic ").size()), dir + "/after.jsonl", 0, err), 0)
      << err.str();
  kill(second.pid, SIGTERM);
  EXPECT_EQ(wait_exit(second.pid), 0);

  auto after = prompts_in(dir + "/after-prompts.jsonl");
  ASSERT_EQ(after.size(), 1u) << "raised again after the restart: " << (after.empty() ? "" : after[0].dump());
  EXPECT_EQ(after[0]["rule_id"], "churn-intent");
  EXPECT_EQ(after[0]["agent_id"], "agent-ruth");

  // The outcome record: one screen pop, each rule once for the agent, one summary.
  auto store = rightmoment::open_history_store("sqlite://" + dir + "/store.db");
  std::map<std::string, int> raised;
  int summaries = 0;
  for (const auto& r : store->read_outcomes(0, INT64_MAX)) {
    if (auto* p = std::get_if<rightmoment::PromptOutcome>(&r)) ++raised[p->rule_id + "@" + p->agent_id.value_or("-")];
    if (auto* i = std::get_if<rightmoment::InteractionOutcome>(&r)) {
      ++summaries;
      EXPECT_EQ(i->started_at, *rightmoment::parse_rfc3339("2026-11-22T10:00:00Z"));
    }
  }
  EXPECT_EQ(raised, (std::map<std::string, int>{
                        {"screen_pop@agent-ruth", 1}, {"frustration@agent-ruth", 1}, {"churn-intent@agent-ruth", 1}}));
  EXPECT_EQ(summaries, 1);
}

}  // namespace
