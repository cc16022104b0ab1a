// plugin.h lets a host call back into the plugin from its callbacks. This host's log and
// deliver_prompt callbacks call every function the header permits there (submit_event,
// submit_feedback, read_status, mint_agent_link) and every function it forbids (start, stop, drain,
// import_history, reload_rules, destroy), through start, traffic from several threads, rule reloads,
// stop and destroy. The permitted ones must work, the forbidden ones must return RM_ERR_STATE, and
// stop must return within its timeout: before the fix, stop() held a lock while it waited for the
// delivery thread, which waited in submit_event for the same lock, and stop never returned.
// Run under ThreadSanitizer and AddressSanitizer by .ci/sanitize (label concurrency).
#include <rightmoment/plugin.h>

#include <dlfcn.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

void ignore_bytes(void*, const char*, size_t) {}

struct Host {
  const rm_api* api = nullptr;
  std::atomic<rm_plugin*> plugin{nullptr};
  std::atomic<bool> reenter{true};
  std::atomic<int> log_calls{0};
  std::atomic<int> prompt_calls{0};
  std::atomic<int> permitted_ok{0};
  std::mutex mutex;
  std::vector<std::string> failures;  // what a callback saw that it should not have
  std::atomic<int> next_event{0};

  void fail(const std::string& what) {
    std::lock_guard lock(mutex);
    if (failures.size() < 20) failures.push_back(what);
  }

  // Every function, from inside a callback. `prompt_id` is answered when given.
  void call_everything(const char* from, const std::string& prompt_id) {
    rm_plugin* p = plugin.load();
    if (!p || !reenter) return;
    // Permitted: each either works or answers "not started" once stop has begun.
    std::string ev = R"({"event_id":"re-)" + std::to_string(next_event++) +
                     R"(","type":"dtmf","interaction_id":"reentrant","ts":"2026-11-22T10:00:01Z","digits":"1"})";
    rm_status s = api->submit_event(p, ev.data(), ev.size());
    if (s != RM_OK && s != RM_ERR_STATE && s != RM_ERR_BUSY) fail(std::string(from) + ": submit_event " + std::to_string(s));
    if (!prompt_id.empty()) {
      std::string fb = R"({"type":"prompt.feedback","prompt_id":")" + prompt_id + R"(","action":"accepted","agent_id":"a-1"})";
      s = api->submit_feedback(p, fb.data(), fb.size());
      if (s != RM_OK && s != RM_ERR_STATE) fail(std::string(from) + ": submit_feedback " + std::to_string(s) + " " + api->last_error());
    }
    if ((s = api->read_status(p, ignore_bytes, nullptr)) != RM_OK) fail(std::string(from) + ": read_status " + std::to_string(s));
    s = api->mint_agent_link(p, "a-1", 3, 60, ignore_bytes, nullptr);
    if (s != RM_OK && s != RM_ERR_STATE) fail(std::string(from) + ": mint_agent_link " + std::to_string(s) + " " + api->last_error());
    ++permitted_ok;
    // Forbidden: each is refused with RM_ERR_STATE and changes nothing.
    auto refused = [&](const char* name, rm_status got) {
      if (got != RM_ERR_STATE) fail(std::string(from) + ": " + name + " returned " + std::to_string(got) + ", not RM_ERR_STATE");
    };
    refused("start", api->start(p));
    refused("stop", api->stop(p, 10));
    refused("drain", api->drain(p, 10));
    refused("import_history", api->import_history(p, "/nonexistent.jsonl", nullptr, nullptr));
    refused("reload_rules", api->reload_rules(p));
    api->destroy(p);  // refused: the instance stays alive (the calls below would crash otherwise)
    if ((s = api->read_status(p, ignore_bytes, nullptr)) != RM_OK) fail(std::string(from) + ": alive after destroy refused");
  }

  static void on_log(void* data, rm_log_level, const char*, size_t) {
    auto* h = static_cast<Host*>(data);
    // Every 4th line: re-entering from every line would make lines of its own without end.
    if (h->log_calls++ % 4 == 0) h->call_everything("log", "");
  }
  static void on_prompt(void* data, const char* json, size_t len) {
    auto* h = static_cast<Host*>(data);
    ++h->prompt_calls;
    std::string s(json, len);
    std::string id;
    auto at = s.find("\"prompt_id\":\"");
    if (at != std::string::npos) {
      at += 13;
      id = s.substr(at, s.find('"', at) - at);
    }
    h->call_everything("deliver_prompt", id);
  }
};

std::string config_text(const std::string& name) {
  const char* tmp = std::getenv("RIGHTMOMENT_TEST_TMP");
  std::string dir = tmp ? tmp : "/tmp";
  std::remove((dir + "/" + name + ".db").c_str());
  return R"({"log":{"level":"debug","host":true},
             "history":{"store":"sqlite:)" + dir + "/" + name + R"(.db"},
             "rules":{"files":[")" RIGHTMOMENT_SOURCE_DIR R"(/config/rules/default.rules.jsonc"],
                      "lexicons":")" RIGHTMOMENT_SOURCE_DIR R"(/config/lexicons"},
             "listeners":[{"name":"generic","adapter":"generic","port":0,"auth":{"mode":"none"}}],
             "popup":{"port":0,"link_secret":"0123456789abcdef-reentrancy"}})";
}

std::string call_event(const std::string& iid, int i) {
  std::string ts = "2026-11-22T10:00:0" + std::to_string(i % 10) + "Z";
  switch (i % 3) {
    case 0:
      return R"({"event_id":"s)" + std::to_string(i) + R"(","type":"interaction.started","interaction_id":")" + iid +
             R"(","ts":")" + ts + R"(","channel":"chat","direction":"inbound","agent_id":"a-1"})";
    case 1:
      return R"({"event_id":"u)" + std::to_string(i) + R"(","type":"utterance","interaction_id":")" + iid + R"(","ts":")" +
             ts + R"(","speaker":"customer","text":"This is the third time I have called and I am fed up."})";
    default:
      return R"({"event_id":"e)" + std::to_string(i) + R"(","type":"interaction.ended","interaction_id":")" + iid +
             R"(","ts":")" + ts + R"("})";
  }
}

class Reentrancy : public ::testing::Test {
 protected:
  void SetUp() override {
    lib_ = dlopen(RIGHTMOMENT_PLUGIN_PATH, RTLD_NOW | RTLD_LOCAL);
    ASSERT_NE(lib_, nullptr) << dlerror();
    auto get = reinterpret_cast<rm_get_api_fn>(dlsym(lib_, RM_ENTRY_SYMBOL));
    ASSERT_NE(get, nullptr);
    host_.api = get(RM_ABI_MAJOR, RM_ABI_MINOR);
    ASSERT_NE(host_.api, nullptr);
  }
  void TearDown() override {
    if (lib_) dlclose(lib_);
  }

  rm_plugin* create(const std::string& name) {
    rm_host_callbacks cb{sizeof cb, &host_, &Host::on_log, &Host::on_prompt};
    std::string text = config_text(name);
    rm_create_options opt{sizeof opt, nullptr, text.data(), text.size(), &cb};
    rm_plugin* p = nullptr;
    EXPECT_EQ(host_.api->create(&opt, &p), RM_OK) << host_.api->last_error();
    host_.plugin = p;
    return p;
  }

  // stop() on its own thread; a stop that does not come back is a deadlock, reported instead of hanging.
  void stop_within(rm_plugin* p, std::uint32_t timeout_ms) {
    auto started = Clock::now();
    std::packaged_task<rm_status()> task([&] { return host_.api->stop(p, timeout_ms); });
    auto result = task.get_future();
    std::thread stopper(std::move(task));
    if (result.wait_for(std::chrono::milliseconds(timeout_ms) + std::chrono::seconds(20)) != std::future_status::ready) {
      std::fprintf(stderr, "stop(%u) has not returned after %u ms + 20 s: deadlock\n", timeout_ms, timeout_ms);
      std::_Exit(2);
    }
    stopper.join();
    rm_status s = result.get();
    EXPECT_TRUE(s == RM_OK || s == RM_ERR_TIMEOUT) << s;
    stop_ms_ = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
  }

  void* lib_ = nullptr;
  Host host_;
  long long stop_ms_ = 0;
};

TEST_F(Reentrancy, EveryCallbackCallsEveryFunctionThroughStartTrafficReloadStopAndDestroy) {
  rm_plugin* p = create("reentrancy");
  ASSERT_NE(p, nullptr);
  ASSERT_EQ(host_.api->start(p), RM_OK) << host_.api->last_error();

  std::atomic<bool> traffic{true};
  std::vector<std::thread> senders;
  for (int t = 0; t < 2; ++t)
    senders.emplace_back([&, t] {
      for (int i = 0; traffic; ++i) {
        std::string ev = call_event("c-" + std::to_string(t) + "-" + std::to_string(i / 3), i);
        host_.api->submit_event(p, ev.data(), ev.size());  // OK, BUSY, or STATE once stop has begun
        if (i % 64 == 0) std::this_thread::yield();
      }
    });
  std::thread reloader([&] {
    while (traffic) {
      host_.api->reload_rules(p);
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  // Until the callbacks have re-entered many times from both kinds of callback.
  auto deadline = Clock::now() + std::chrono::seconds(60);
  while ((host_.prompt_calls < 200 || host_.log_calls < 200) && Clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_GE(host_.prompt_calls.load(), 200);
  EXPECT_GE(host_.log_calls.load(), 200);

  // stop() while traffic, reloads and re-entrant callbacks go on.
  stop_within(p, 2000);
  // Not a timing test: a stop that drained everything regardless of its timeout, or waited on a
  // callback stuck behind a lock, would take far longer than the timeout plus the work in progress.
  EXPECT_LE(stop_ms_, 2000 + 10000) << "stop took " << stop_ms_ << " ms";
  traffic = false;
  for (auto& t : senders) t.join();
  reloader.join();

  // After stop: the permitted functions answer, the instance is still whole.
  std::string ev = call_event("after", 0);
  EXPECT_EQ(host_.api->submit_event(p, ev.data(), ev.size()), RM_ERR_STATE);
  EXPECT_EQ(host_.api->read_status(p, ignore_bytes, nullptr), RM_OK);
  host_.plugin = nullptr;  // callbacks that still come (the last log lines) call nothing more
  host_.api->destroy(p);
  int after_destroy = host_.log_calls + host_.prompt_calls;
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(host_.log_calls + host_.prompt_calls, after_destroy) << "a callback ran after destroy returned";

  EXPECT_GT(host_.permitted_ok.load(), 0);
  std::lock_guard lock(host_.mutex);
  EXPECT_TRUE(host_.failures.empty()) << host_.failures.size() << " problems, first: " << host_.failures.front();
}

TEST_F(Reentrancy, DestroyWhileCallbacksReenterReturnsAndNoCallbackFollows) {
  for (int round = 0; round < 5; ++round) {
    rm_plugin* p = create("reentrancy-destroy");
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(host_.api->start(p), RM_OK);
    for (int i = 0; i < 300; ++i) {
      std::string ev = call_event("d-" + std::to_string(i / 3), i);
      host_.api->submit_event(p, ev.data(), ev.size());
    }
    // destroy() = stop with a 5 s drain, then free: deadlock-checked like stop.
    std::packaged_task<void()> task([&] { host_.api->destroy(p); });
    auto done = task.get_future();
    std::thread destroyer(std::move(task));
    if (done.wait_for(std::chrono::seconds(30)) != std::future_status::ready) {
      std::fprintf(stderr, "destroy has not returned after 30 s: deadlock\n");
      std::_Exit(2);
    }
    destroyer.join();
    host_.plugin = nullptr;
    int calls = host_.log_calls + host_.prompt_calls;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_EQ(host_.log_calls + host_.prompt_calls, calls) << "a callback ran after destroy returned";
  }
  std::lock_guard lock(host_.mutex);
  EXPECT_TRUE(host_.failures.empty()) << host_.failures.front();
}

}  // namespace
