// The cross-host prompt bus on PostgreSQL: LISTEN/NOTIFY on one channel, shared state in tables.
//
// Two threads, each with its own connection. The publisher takes queued messages in batches and, in
// one transaction, writes the shared state (rm_live_cards, rm_live_interactions) and NOTIFYs; a
// notification is delivered only when that transaction commits, so a receiver that reads a row after
// hearing of it always finds it. The listener LISTENs, hands what it hears to the handlers, and
// answers catch-up requests; when its connection drops it reconnects with backoff and catches up
// (every active card of the agents with a page here, every live interaction). Nothing here is on the
// event path: publishing only queues.
//
// NOTIFY payloads are limited to 8000 bytes. A message carries ids and, when it fits in 7,500 bytes,
// the body too (a prompt is usually 1-3 KB): one round trip for the common case. A larger body is
// left out and the receiver reads it from the table, which exists anyway for catch-up. Chunking was
// not chosen: pieces of one message can interleave with others and must be reassembled, while the
// table read is one indexed SELECT.
//
// Bounded: the publisher queue (4,096 messages, full = drop newest, counted); at most 64 cards per
// agent in the table (the oldest go); rows go with their interaction's end, and a host that stops
// beating (no heartbeat for 15 s: it was killed) has its rows removed by any other host's sweep,
// which also tells every hub that those interactions ended.
#include <poll.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <random>
#include <set>
#include <thread>
#include <variant>

#include "adapters/history/postgres/pg_connection.hpp"
#include "plugin/core/thread_name.hpp"
#include "plugin/history/prompt_bus.hpp"

namespace rightmoment {
namespace {

using namespace pg;
using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr const char* kChannel = "rm_bus";
constexpr std::size_t kInlineLimit = 7500;
constexpr std::size_t kQueueLimit = 4096;
constexpr int kCardsPerAgent = 64;
constexpr std::int64_t kHostDeadMs = 15000;
constexpr auto kHeartbeat = std::chrono::seconds(2);

constexpr const char* kSchema = R"SQL(
CREATE TABLE IF NOT EXISTS rm_bus_hosts (host_id TEXT PRIMARY KEY, seen_ms BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS rm_live_cards (
  agent_id TEXT NOT NULL, prompt_id TEXT NOT NULL, interaction_id TEXT NOT NULL, owner TEXT NOT NULL,
  prompt_json TEXT NOT NULL, snoozed_until_ms BIGINT NOT NULL DEFAULT 0, created_ms BIGINT NOT NULL,
  PRIMARY KEY (agent_id, prompt_id));
CREATE INDEX IF NOT EXISTS rm_live_cards_by_interaction ON rm_live_cards (interaction_id);
CREATE INDEX IF NOT EXISTS rm_live_cards_by_owner ON rm_live_cards (owner);
CREATE TABLE IF NOT EXISTS rm_live_interactions (
  interaction_id TEXT PRIMARY KEY, owner TEXT NOT NULL, summary_json TEXT NOT NULL, updated_ms BIGINT NOT NULL);
CREATE INDEX IF NOT EXISTS rm_live_interactions_by_owner ON rm_live_interactions (owner);
)SQL";

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

std::string random_suffix() {
  std::random_device rd;
  std::uniform_int_distribution<std::uint32_t> d;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%08x", d(rd));
  return buf;
}

struct PromptMsg { BusCard card; };
struct EndedMsg { std::string interaction_id; };
struct UpdateMsg { std::string agent_id, prompt_id, action; std::int64_t snoozed_until_ms; };
struct AnswerMsg { std::string owner, feedback_json; };
struct LiveMsg { std::string interaction_id, summary_json; bool ended; };
using Message = std::variant<PromptMsg, EndedMsg, UpdateMsg, AnswerMsg, LiveMsg>;

class PostgresPromptBus final : public PromptBus {
 public:
  PostgresPromptBus(std::string url, const std::string& instance_name, std::shared_ptr<spdlog::logger> log)
      : url_(std::move(url)), host_id_(instance_name + "/" + random_suffix()), log_(std::move(log)) {
    Connection c(url_);
    c.exec("SELECT pg_advisory_lock(727275)");
    try {
      c.exec_script(kSchema);
    } catch (...) {
      c.exec("SELECT pg_advisory_unlock(727275)");
      throw;
    }
    c.exec("SELECT pg_advisory_unlock(727275)");
  }
  ~PostgresPromptBus() override { stop(); }

  const std::string& host_id() const override { return host_id_; }

  void start(BusHandlers handlers) override {
    if (running_.exchange(true)) return;
    handlers_ = std::move(handlers);
    publisher_ = std::thread([this] { publish_loop(); });
    name_thread(publisher_, "rm-bus-publish");
    listener_ = std::thread([this] { listen_loop(); });
    name_thread(listener_, "rm-bus-listen");
  }

  void stop() override {
    if (!running_.exchange(false)) return;
    cv_.notify_all();
    if (publisher_.joinable()) publisher_.join();
    if (listener_.joinable()) listener_.join();
  }

  bool publish_prompt(BusCard card) override { return enqueue(PromptMsg{std::move(card)}); }
  bool publish_ended(std::string id) override { return enqueue(EndedMsg{std::move(id)}); }
  bool publish_card_updated(std::string agent, std::string prompt, std::string action, std::int64_t until) override {
    return enqueue(UpdateMsg{std::move(agent), std::move(prompt), std::move(action), until});
  }
  bool send_answer(std::string owner, std::string feedback) override { return enqueue(AnswerMsg{std::move(owner), std::move(feedback)}); }
  bool publish_live(std::string id, std::string summary, bool ended) override {
    return enqueue(LiveMsg{std::move(id), std::move(summary), ended});
  }

  bool catch_up(std::string agent_id) override {
    std::lock_guard lock(mutex_);
    if (catch_ups_.size() >= 1024) {
      ++stats_.dropped;
      return false;
    }
    catch_ups_.push_back(std::move(agent_id));
    return true;  // the listener serves it within one poll interval
  }

  PromptBusStats stats() const override {
    std::lock_guard lock(mutex_);
    PromptBusStats s = stats_;
    s.connected = connected_;
    return s;
  }

 private:
  bool enqueue(Message m) {
    {
      std::lock_guard lock(mutex_);
      if (queue_.size() >= kQueueLimit) {
        ++stats_.dropped;
        return false;
      }
      queue_.push_back(std::move(m));
    }
    cv_.notify_one();
    return true;
  }

  void notify(Connection& c, const Json& payload) { c.exec("SELECT pg_notify($1, $2)", Params().add(kChannel).add(dump(payload))); }

  void write(Connection& c, const Message& m) {
    if (auto* p = std::get_if<PromptMsg>(&m)) {
      const BusCard& k = p->card;
      c.exec("INSERT INTO rm_live_cards (agent_id, prompt_id, interaction_id, owner, prompt_json, snoozed_until_ms, created_ms) "
             "VALUES ($1,$2,$3,$4,$5,$6,$7) ON CONFLICT (agent_id, prompt_id) DO UPDATE SET prompt_json = EXCLUDED.prompt_json, "
             "owner = EXCLUDED.owner",
             Params().add(k.agent_id).add(k.prompt_id).add(k.interaction_id).add(k.owner).add(k.json).add(k.snoozed_until_ms).add(wall_ms()));
      c.exec("DELETE FROM rm_live_cards WHERE agent_id = $1 AND prompt_id NOT IN (SELECT prompt_id FROM rm_live_cards "
             "WHERE agent_id = $1 ORDER BY created_ms DESC, prompt_id LIMIT $2)",
             Params().add(k.agent_id).add(kCardsPerAgent));
      Json j{{"k", "p"}, {"o", host_id_}, {"a", k.agent_id}, {"p", k.prompt_id}, {"i", k.interaction_id}};
      if (k.json.size() <= kInlineLimit) j["j"] = k.json;
      notify(c, j);
    } else if (auto* e = std::get_if<EndedMsg>(&m)) {
      c.exec("DELETE FROM rm_live_cards WHERE interaction_id = $1", Params().add(e->interaction_id));
      notify(c, Json{{"k", "e"}, {"o", host_id_}, {"i", e->interaction_id}});
    } else if (auto* u = std::get_if<UpdateMsg>(&m)) {
      if (u->action == "snoozed")
        c.exec("UPDATE rm_live_cards SET snoozed_until_ms = $3 WHERE agent_id = $1 AND prompt_id = $2",
               Params().add(u->agent_id).add(u->prompt_id).add(u->snoozed_until_ms));
      else
        c.exec("DELETE FROM rm_live_cards WHERE agent_id = $1 AND prompt_id = $2", Params().add(u->agent_id).add(u->prompt_id));
      notify(c, Json{{"k", "u"}, {"o", host_id_}, {"a", u->agent_id}, {"p", u->prompt_id}, {"x", u->action}, {"s", u->snoozed_until_ms}});
    } else if (auto* a = std::get_if<AnswerMsg>(&m)) {
      notify(c, Json{{"k", "a"}, {"o", host_id_}, {"to", a->owner}, {"f", a->feedback_json}});
    } else if (auto* l = std::get_if<LiveMsg>(&m)) {
      if (l->ended) {
        c.exec("DELETE FROM rm_live_interactions WHERE interaction_id = $1", Params().add(l->interaction_id));
        notify(c, Json{{"k", "l"}, {"o", host_id_}, {"i", l->interaction_id}, {"end", true}});
      } else {
        Result prev = c.exec(
            "WITH prev AS (SELECT owner FROM rm_live_interactions WHERE interaction_id = $1) "
            "INSERT INTO rm_live_interactions VALUES ($1,$2,$3,$4) ON CONFLICT (interaction_id) DO UPDATE SET "
            "owner = EXCLUDED.owner, summary_json = EXCLUDED.summary_json, updated_ms = EXCLUDED.updated_ms "
            "RETURNING (SELECT owner FROM prev)",
            Params().add(l->interaction_id).add(host_id_).add(l->summary_json).add(wall_ms()));
        Json j{{"k", "l"}, {"o", host_id_}, {"i", l->interaction_id}};
        if (l->summary_json.size() <= kInlineLimit) j["j"] = l->summary_json;
        notify(c, j);
        std::string before = PQntuples(prev.get()) > 0 ? text(prev.get(), 0, 0) : "";
        if (!before.empty() && before != host_id_) take_over_cards(c, l->interaction_id);
      }
    }
  }

  // A call another host had goes on here (that host died and the platform came back through the
  // balancer; the engine resumed it from the outcome record, so its prompts are not raised again):
  // its cards are ours now, and every hub hears so, so that answers to them come here.
  void take_over_cards(Connection& c, const std::string& interaction_id) {
    Result cards = c.exec("UPDATE rm_live_cards SET owner = $2 WHERE interaction_id = $1 AND owner <> $2 "
                          "RETURNING agent_id, prompt_id, prompt_json",
                          Params().add(interaction_id).add(host_id_));
    for (int i = 0; i < PQntuples(cards.get()); ++i) {
      Json j{{"k", "p"}, {"o", host_id_}, {"a", text(cards.get(), i, 0)}, {"p", text(cards.get(), i, 1)}, {"i", interaction_id},
             {"taken", true}};
      std::string body = text(cards.get(), i, 2);
      if (body.size() <= kInlineLimit) j["j"] = body;
      notify(c, j);
    }
    if (PQntuples(cards.get()) > 0)
      log_->info("prompt bus: [interaction_id={}] goes on here; {} of its cards are now this host's", interaction_id,
                 PQntuples(cards.get()));
  }

  // Beats for this host; removes what hosts that stopped beating left behind, and says so.
  void heartbeat(Connection& c) {
    std::int64_t now = wall_ms();
    c.exec("BEGIN");
    c.exec("INSERT INTO rm_bus_hosts VALUES ($1,$2) ON CONFLICT (host_id) DO UPDATE SET seen_ms = EXCLUDED.seen_ms",
           Params().add(host_id_).add(now));
    Result dead = c.exec("DELETE FROM rm_bus_hosts WHERE seen_ms < $1 RETURNING host_id", Params().add(now - kHostDeadMs));
    for (int i = 0; i < PQntuples(dead.get()); ++i) {
      std::string owner = text(dead.get(), i, 0);
      Result gone = c.exec("DELETE FROM rm_live_interactions WHERE owner = $1 RETURNING interaction_id", Params().add(owner));
      Result cards = c.exec("DELETE FROM rm_live_cards WHERE owner = $1 RETURNING interaction_id", Params().add(owner));
      log_->warn("prompt bus: host {} stopped beating; its {} live interactions and {} cards are removed", owner,
                 PQntuples(gone.get()), PQntuples(cards.get()));
      std::set<std::string> ended;
      for (int r = 0; r < PQntuples(gone.get()); ++r) ended.insert(text(gone.get(), r, 0));
      for (int r = 0; r < PQntuples(cards.get()); ++r) ended.insert(text(cards.get(), r, 0));
      // A call that goes on at another host (the platform came back through the balancer) has not
      // ended: that host owns its summary row now.
      for (const auto& id : ended) {
        if (PQntuples(c.exec("SELECT 1 FROM rm_live_interactions WHERE interaction_id = $1", Params().add(id)).get()) > 0)
          continue;
        notify(c, Json{{"k", "e"}, {"o", host_id_}, {"i", id}});
        notify(c, Json{{"k", "l"}, {"o", host_id_}, {"i", id}, {"end", true}});
      }
    }
    c.exec("COMMIT");
  }

  void publish_loop() {
    std::unique_ptr<Connection> c;
    auto next_beat = Clock::now();
    auto backoff = std::chrono::milliseconds(100);
    bool last_pass = false;  // once stopped: one more batch, so a stopping host's last ends go out
    while (true) {
      if (!running_) {
        if (last_pass) break;
        last_pass = true;
      }
      std::vector<Message> batch;
      {
        std::unique_lock lock(mutex_);
        cv_.wait_until(lock, next_beat, [&] { return !running_ || !queue_.empty(); });
        while (!queue_.empty() && batch.size() < 64) {
          batch.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
      }
      try {
        if (!c || !c->healthy()) c = std::make_unique<Connection>(url_);
        if (!batch.empty()) {
          c->exec("BEGIN");
          for (const Message& m : batch) write(*c, m);
          c->exec("COMMIT");
          std::lock_guard lock(mutex_);
          stats_.published += batch.size();
        }
        if (Clock::now() >= next_beat) {
          heartbeat(*c);
          next_beat = Clock::now() + kHeartbeat;
        }
        backoff = std::chrono::milliseconds(100);
      } catch (const std::exception& e) {
        // Live state only: what is lost here is caught up by every page's next snapshot.
        {
          std::lock_guard lock(mutex_);
          stats_.dropped += batch.size();
        }
        log_->warn("prompt bus: publishing failed ({}); {} messages dropped", e.what(), batch.size());
        c.reset();
        std::unique_lock lock(mutex_);
        cv_.wait_for(lock, backoff, [&] { return !running_; });
        backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
        next_beat = Clock::now();
      }
    }
  }

  BusCard card_from_row(PGresult* r, int i) {
    return BusCard{text(r, i, 0), text(r, i, 1), text(r, i, 2), text(r, i, 3), text(r, i, 4), int_or_null(r, i, 5).value_or(0)};
  }

  void catch_up_agent(Connection& c, const std::string& agent_id) {
    Result r = c.exec("SELECT c.prompt_id, c.interaction_id, c.agent_id, c.owner, c.prompt_json, c.snoozed_until_ms "
                      "FROM rm_live_cards c JOIN rm_bus_hosts h ON h.host_id = c.owner "
                      "WHERE c.agent_id = $1 AND h.seen_ms >= $2 ORDER BY c.created_ms, c.prompt_id",
                      Params().add(agent_id).add(wall_ms() - kHostDeadMs));
    for (int i = 0; i < PQntuples(r.get()); ++i)
      if (handlers_.on_prompt) handlers_.on_prompt(card_from_row(r.get(), i));
  }

  void catch_up_all(Connection& c) {
    if (handlers_.agents_with_pages)
      for (const auto& agent : handlers_.agents_with_pages()) catch_up_agent(c, agent);
    Result r = c.exec("SELECT l.summary_json FROM rm_live_interactions l JOIN rm_bus_hosts h ON h.host_id = l.owner "
                      "WHERE h.seen_ms >= $1 ORDER BY l.interaction_id",
                      Params().add(wall_ms() - kHostDeadMs));
    for (int i = 0; i < PQntuples(r.get()); ++i)
      if (handlers_.on_live) handlers_.on_live(text(r.get(), i, 0));
  }

  void on_notification(Connection& c, std::string_view payload) {
    Json j = Json::parse(payload, nullptr, false);
    if (!j.is_object()) return;
    std::string kind = j.value("k", "");
    std::string origin = j.value("o", "");
    {
      std::lock_guard lock(mutex_);
      ++stats_.received;
    }
    if (kind == "c") {  // from any host's history store: a contact written
      if (handlers_.on_contact) handlers_.on_contact(j.value("cu", ""));
      return;
    }
    if (kind == "a") {
      if (j.value("to", "") == host_id_ && handlers_.on_answer) handlers_.on_answer(j.value("f", ""));
      return;
    }
    // This host's own prompts and answers are on its pages already; its ends and summaries are
    // idempotent to hear again, and its sweeps of dead hosts are news to its own pages too.
    // A card this host took over is news to its own hub too (it had the card as another host's).
    if (origin == host_id_ && (kind == "p" || kind == "u") && !j.value("taken", false)) return;
    if (kind == "p" && handlers_.on_prompt) {
      BusCard card{j.value("p", ""), j.value("i", ""), j.value("a", ""), origin, j.value("j", ""), 0};
      if (card.json.empty()) {  // too large to travel inline: read it from the table
        Result r = c.exec("SELECT prompt_id, interaction_id, agent_id, owner, prompt_json, snoozed_until_ms FROM rm_live_cards "
                          "WHERE agent_id = $1 AND prompt_id = $2",
                          Params().add(card.agent_id).add(card.prompt_id));
        if (PQntuples(r.get()) == 0) return;  // answered or ended meanwhile
        card = card_from_row(r.get(), 0);
      }
      handlers_.on_prompt(card);
    } else if (kind == "e" && handlers_.on_ended) {
      handlers_.on_ended(j.value("i", ""));
    } else if (kind == "u" && handlers_.on_card_updated) {
      handlers_.on_card_updated(j.value("a", ""), j.value("p", ""), j.value("x", ""), j.value("s", std::int64_t{0}));
    } else if (kind == "l" && handlers_.on_live) {
      std::string id = j.value("i", "");
      if (j.value("end", false)) return handlers_.on_live(dump(Json{{"interaction_id", id}, {"ended", true}}));
      std::string body = j.value("j", "");
      if (body.empty()) {
        Result r = c.exec("SELECT summary_json FROM rm_live_interactions WHERE interaction_id = $1", Params().add(id));
        if (PQntuples(r.get()) == 0) return;
        body = text(r.get(), 0, 0);
      }
      handlers_.on_live(body);
    }
  }

  void listen_loop() {
    auto backoff = std::chrono::milliseconds(100);
    bool first = true;
    while (running_) {
      std::unique_ptr<Connection> c;
      try {
        c = std::make_unique<Connection>(url_);
        c->exec((std::string("LISTEN ") + kChannel).c_str());
        {
          std::lock_guard lock(mutex_);
          connected_ = true;
          if (!first) ++stats_.reconnects;
        }
        if (!first) log_->info("prompt bus: listening again; catching up");
        first = false;
        catch_up_all(*c);  // what was said while nobody here listened
        backoff = std::chrono::milliseconds(100);
        while (running_) {
          std::vector<std::string> agents;
          {
            std::lock_guard lock(mutex_);
            agents.assign(catch_ups_.begin(), catch_ups_.end());
            catch_ups_.clear();
          }
          for (const auto& a : agents) catch_up_agent(*c, a);
          pollfd fd{PQsocket(c->raw()), POLLIN, 0};
          if (fd.fd < 0) throw StoreError("postgresql: the listener's connection has no socket");
          int ready = ::poll(&fd, 1, 50);
          if (ready < 0) continue;
          if (ready > 0 && PQconsumeInput(c->raw()) == 0)
            throw StoreError(std::string("postgresql: ") + PQerrorMessage(c->raw()));
          while (PGnotify* n = PQnotifies(c->raw())) {
            std::string payload = n->extra ? n->extra : "";
            PQfreemem(n);
            try {
              on_notification(*c, payload);
            } catch (const StoreError&) {
              throw;
            } catch (const std::exception& e) {
              log_->error("prompt bus: a notification could not be handled: {}", e.what());
            }
          }
          if (!c->healthy()) throw StoreError("postgresql: the listener's connection broke");
        }
      } catch (const std::exception& e) {
        {
          std::lock_guard lock(mutex_);
          connected_ = false;
        }
        if (running_) log_->warn("prompt bus: listener lost the database ({}); reconnecting", e.what());
        std::unique_lock lock(mutex_);
        cv_.wait_for(lock, backoff, [&] { return !running_; });
        backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
      }
    }
  }

  std::string url_;
  std::string host_id_;
  std::shared_ptr<spdlog::logger> log_;
  BusHandlers handlers_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Message> queue_;
  std::deque<std::string> catch_ups_;
  PromptBusStats stats_;
  bool connected_ = false;
  std::atomic<bool> running_{false};
  std::thread publisher_;
  std::thread listener_;
};

}  // namespace

std::unique_ptr<PromptBus> make_postgres_prompt_bus(const std::string& url, const std::string& instance_name,
                                                    std::shared_ptr<spdlog::logger> log) {
  return std::make_unique<PostgresPromptBus>(url, instance_name, std::move(log));
}

}  // namespace rightmoment
