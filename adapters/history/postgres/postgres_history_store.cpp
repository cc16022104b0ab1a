// The shared history store on PostgreSQL (libpq), for several hosts running the plugin: the same
// schema and semantics as SQLite. A small pool of connections, each used by one caller at a time;
// a connection that broke (the server restarted) is dropped and the next call opens a fresh one, so a
// store that recovers is noticed without a restart.
#include <libpq-fe.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "adapters/history/postgres/pg_connection.hpp"
#include "plugin/history/history_store.hpp"

namespace rightmoment {
namespace {

using namespace pg;

constexpr const char* kSchema = R"SQL(
CREATE TABLE IF NOT EXISTS rm_schema_version (version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS rm_customers (
  customer_id TEXT PRIMARY KEY, name TEXT NOT NULL, preferred_name TEXT, tier TEXT, customer_since TEXT,
  birthday TEXT, lifetime_value DOUBLE PRECISION, consent_personalisation BOOLEAN NOT NULL DEFAULT FALSE);
CREATE TABLE IF NOT EXISTS rm_identities (
  kind INTEGER NOT NULL, normalised_value TEXT NOT NULL, customer_id TEXT NOT NULL, value TEXT NOT NULL,
  PRIMARY KEY (kind, normalised_value, customer_id));
CREATE INDEX IF NOT EXISTS rm_identities_by_customer ON rm_identities (customer_id);
CREATE TABLE IF NOT EXISTS rm_contacts (
  contact_id TEXT PRIMARY KEY, customer_id TEXT NOT NULL, channel TEXT NOT NULL, started_at BIGINT NOT NULL,
  reason TEXT, resolved BOOLEAN NOT NULL DEFAULT FALSE, csat INTEGER, nps INTEGER, summary TEXT);
CREATE INDEX IF NOT EXISTS rm_contacts_by_customer ON rm_contacts (customer_id, started_at DESC);
CREATE TABLE IF NOT EXISTS rm_feedback (
  feedback_id TEXT PRIMARY KEY, customer_id TEXT NOT NULL, source TEXT NOT NULL, platform TEXT, kind TEXT NOT NULL,
  rating INTEGER, nps INTEGER, text TEXT, posted_at BIGINT NOT NULL, reach BIGINT, responded_at BIGINT, url TEXT);
CREATE INDEX IF NOT EXISTS rm_feedback_by_customer ON rm_feedback (customer_id, posted_at DESC);
CREATE TABLE IF NOT EXISTS rm_cases (
  case_id TEXT PRIMARY KEY, customer_id TEXT NOT NULL, status TEXT NOT NULL, subject TEXT NOT NULL,
  opened_at BIGINT NOT NULL, due_at BIGINT, due_is_date BOOLEAN NOT NULL DEFAULT FALSE);
CREATE INDEX IF NOT EXISTS rm_cases_by_customer ON rm_cases (customer_id, opened_at DESC);
CREATE TABLE IF NOT EXISTS rm_outcome_prompts (
  seq BIGSERIAL PRIMARY KEY, prompt_id TEXT NOT NULL, interaction_id TEXT NOT NULL, rule_id TEXT NOT NULL,
  kind TEXT NOT NULL, agent_id TEXT, customer_id TEXT, event_time BIGINT NOT NULL, held_out BOOLEAN NOT NULL,
  handover BOOLEAN NOT NULL, customer_sentiment DOUBLE PRECISION, prompt_json TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS rm_outcome_prompts_by_time ON rm_outcome_prompts (event_time);
CREATE INDEX IF NOT EXISTS rm_outcome_prompts_by_interaction ON rm_outcome_prompts (interaction_id);
CREATE TABLE IF NOT EXISTS rm_outcome_feedback (
  seq BIGSERIAL PRIMARY KEY, prompt_id TEXT NOT NULL, interaction_id TEXT, rule_id TEXT, agent_id TEXT,
  action TEXT NOT NULL, ts BIGINT NOT NULL);
CREATE INDEX IF NOT EXISTS rm_outcome_feedback_by_time ON rm_outcome_feedback (ts);
CREATE TABLE IF NOT EXISTS rm_outcome_interactions (
  seq BIGSERIAL PRIMARY KEY, interaction_id TEXT NOT NULL, customer_id TEXT, channel TEXT, direction TEXT,
  started_at BIGINT NOT NULL, ended_at BIGINT NOT NULL, duration_ms BIGINT NOT NULL, hold_count INTEGER NOT NULL,
  hold_total_ms BIGINT NOT NULL, sentiment_start DOUBLE PRECISION, sentiment_end DOUBLE PRECISION,
  held_out BOOLEAN NOT NULL, prompts INTEGER NOT NULL, transcript TEXT);
CREATE INDEX IF NOT EXISTS rm_outcome_interactions_by_time ON rm_outcome_interactions (started_at);
CREATE INDEX IF NOT EXISTS rm_outcome_interactions_by_interaction ON rm_outcome_interactions (interaction_id);
)SQL";

// A row of rm_outcome_prompts, selected in this column order.
#define RM_PROMPT_COLUMNS \
  "prompt_id, interaction_id, rule_id, kind, agent_id, customer_id, event_time, held_out, handover, " \
  "customer_sentiment, prompt_json"
PromptOutcome prompt_row(PGresult* q, int i) {
  PromptOutcome p;
  p.prompt_id = text(q, i, 0);
  p.interaction_id = text(q, i, 1);
  p.rule_id = text(q, i, 2);
  p.kind = text(q, i, 3);
  p.agent_id = text_or_null(q, i, 4);
  p.customer_id = text_or_null(q, i, 5);
  p.event_time = int_or_null(q, i, 6).value_or(0);
  p.held_out = boolean(q, i, 7);
  p.handover = boolean(q, i, 8);
  p.customer_sentiment = double_or_null(q, i, 9);
  p.prompt_json = text(q, i, 10);
  return p;
}

class PostgresHistoryStore final : public HistoryStore {
 public:
  explicit PostgresHistoryStore(std::string url) : url_(std::move(url)) {
    Lease c = acquire();
    // Several hosts may start at once: serialise schema creation with an advisory lock.
    c->exec("SELECT pg_advisory_lock(727274)");
    try {
      c->exec_script(kSchema);
      c->exec("INSERT INTO rm_schema_version SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM rm_schema_version)");
    } catch (...) {
      c->exec("SELECT pg_advisory_unlock(727274)");
      throw;
    }
    c->exec("SELECT pg_advisory_unlock(727274)");
  }

  std::string_view backend_name() const override { return "postgresql"; }

  std::vector<std::string> find_customers(IdentityKind kind, std::string_view value, std::size_t limit) override {
    Lease c = acquire();
    Result r = c->exec("SELECT customer_id FROM rm_identities WHERE kind = $1 AND normalised_value = $2 LIMIT $3",
                       Params().add(static_cast<int>(kind)).add(value).add(static_cast<std::int64_t>(limit)));
    std::vector<std::string> out;
    for (int i = 0; i < PQntuples(r.get()); ++i) out.push_back(text(r.get(), i, 0));
    return out;
  }

  std::optional<CustomerHistory> load_customer(std::string_view id, const HistoryLoadLimits& limits) override {
    Lease c = acquire();
    c->exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    struct End {
      Connection& c;
      ~End() {
        try {
          c.exec("COMMIT");
        } catch (...) {
        }
      }
    } end{*c};
    Result r = c->exec(
        "SELECT customer_id, name, preferred_name, tier, customer_since, birthday, lifetime_value, consent_personalisation "
        "FROM rm_customers WHERE customer_id = $1",
        Params().add(id));
    if (PQntuples(r.get()) == 0) return std::nullopt;
    CustomerHistory h;
    PGresult* p = r.get();
    h.customer.customer_id = text(p, 0, 0);
    h.customer.name = text(p, 0, 1);
    h.customer.preferred_name = text_or_null(p, 0, 2);
    h.customer.tier = text_or_null(p, 0, 3);
    h.customer.customer_since = text_or_null(p, 0, 4);
    if (h.customer.customer_since) h.customer.customer_since_day = parse_iso_date(*h.customer.customer_since);
    h.customer.birthday = text_or_null(p, 0, 5);
    h.customer.lifetime_value = double_or_null(p, 0, 6);
    h.customer.consent_personalisation = boolean(p, 0, 7);

    r = c->exec("SELECT kind, value, normalised_value FROM rm_identities WHERE customer_id = $1", Params().add(id));
    for (int i = 0; i < PQntuples(r.get()); ++i)
      h.identities.push_back(IdentityRecord{h.customer.customer_id, static_cast<IdentityKind>(std::stoi(text(r.get(), i, 0))),
                                            text(r.get(), i, 1), text(r.get(), i, 2)});
    r = c->exec(
        "SELECT contact_id, channel, started_at, reason, resolved, csat, nps, summary FROM rm_contacts WHERE customer_id = $1 "
        "ORDER BY started_at DESC, contact_id LIMIT $2",
        Params().add(id).add(static_cast<std::int64_t>(limits.max_contacts)));
    for (int i = 0; i < PQntuples(r.get()); ++i) {
      ContactRecord x;
      PGresult* q = r.get();
      x.customer_id = h.customer.customer_id;
      x.contact_id = text(q, i, 0);
      x.channel = text(q, i, 1);
      x.started_at = int_or_null(q, i, 2).value_or(0);
      x.reason = text_or_null(q, i, 3);
      x.resolved = boolean(q, i, 4);
      x.csat = int32_or_null(q, i, 5);
      x.nps = int32_or_null(q, i, 6);
      x.summary = text_or_null(q, i, 7);
      h.contacts.push_back(std::move(x));
    }
    r = c->exec(
        "SELECT feedback_id, source, platform, kind, rating, nps, text, posted_at, reach, responded_at, url FROM rm_feedback "
        "WHERE customer_id = $1 ORDER BY posted_at DESC, feedback_id LIMIT $2",
        Params().add(id).add(static_cast<std::int64_t>(limits.max_feedback)));
    for (int i = 0; i < PQntuples(r.get()); ++i) {
      FeedbackRecord x;
      PGresult* q = r.get();
      x.customer_id = h.customer.customer_id;
      x.feedback_id = text(q, i, 0);
      x.source = text(q, i, 1);
      x.platform = text_or_null(q, i, 2);
      x.kind = text(q, i, 3);
      x.rating = int32_or_null(q, i, 4);
      x.nps = int32_or_null(q, i, 5);
      x.text = text_or_null(q, i, 6);
      x.posted_at = int_or_null(q, i, 7).value_or(0);
      x.reach = int_or_null(q, i, 8);
      x.responded_at = int_or_null(q, i, 9);
      x.url = text_or_null(q, i, 10);
      h.feedback.push_back(std::move(x));
    }
    r = c->exec(
        "SELECT case_id, status, subject, opened_at, due_at, due_is_date FROM rm_cases WHERE customer_id = $1 "
        "ORDER BY CASE status WHEN 'closed' THEN 1 ELSE 0 END, opened_at DESC, case_id LIMIT $2",
        Params().add(id).add(static_cast<std::int64_t>(limits.max_cases)));
    for (int i = 0; i < PQntuples(r.get()); ++i) {
      CaseRecord x;
      PGresult* q = r.get();
      x.customer_id = h.customer.customer_id;
      x.case_id = text(q, i, 0);
      x.status = text(q, i, 1);
      x.subject = text(q, i, 2);
      x.opened_at = int_or_null(q, i, 3).value_or(0);
      x.due_at = int_or_null(q, i, 4);
      x.due_is_date = boolean(q, i, 5);
      h.cases.push_back(std::move(x));
    }
    return h;
  }

  void upsert(const std::vector<HistoryRecord>& batch) override {
    Lease c = acquire();
    Tx tx(*c);
    for (const HistoryRecord& record : batch) {
      if (auto* r = std::get_if<CustomerRecord>(&record)) {
        c->exec("INSERT INTO rm_customers VALUES ($1,$2,$3,$4,$5,$6,$7,$8) ON CONFLICT (customer_id) DO UPDATE SET "
                "name=EXCLUDED.name, preferred_name=EXCLUDED.preferred_name, tier=EXCLUDED.tier, "
                "customer_since=EXCLUDED.customer_since, birthday=EXCLUDED.birthday, "
                "lifetime_value=EXCLUDED.lifetime_value, consent_personalisation=EXCLUDED.consent_personalisation",
                Params().add(r->customer_id).add(r->name).add(r->preferred_name).add(r->tier).add(r->customer_since)
                    .add(r->birthday).add(r->lifetime_value).add(r->consent_personalisation));
      } else if (auto* i = std::get_if<IdentityRecord>(&record)) {
        c->exec("INSERT INTO rm_identities VALUES ($1,$2,$3,$4) ON CONFLICT (kind, normalised_value, customer_id) "
                "DO UPDATE SET value=EXCLUDED.value",
                Params().add(static_cast<int>(i->kind)).add(i->normalised_value).add(i->customer_id).add(i->value));
      } else if (auto* ct = std::get_if<ContactRecord>(&record)) {
        c->exec("INSERT INTO rm_contacts VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) ON CONFLICT (contact_id) DO UPDATE SET "
                "customer_id=EXCLUDED.customer_id, channel=EXCLUDED.channel, started_at=EXCLUDED.started_at, "
                "reason=EXCLUDED.reason, resolved=EXCLUDED.resolved, csat=EXCLUDED.csat, nps=EXCLUDED.nps, "
                "summary=EXCLUDED.summary",
                Params().add(ct->contact_id).add(ct->customer_id).add(ct->channel).add(ct->started_at).add(ct->reason)
                    .add(ct->resolved).add(ct->csat).add(ct->nps).add(ct->summary));
        // Every host's cache forgets this customer when the transaction commits (the prompt bus hears it).
        c->exec("SELECT pg_notify('rm_bus', json_build_object('k', 'c', 'cu', $1::text)::text)", Params().add(ct->customer_id));
      } else if (auto* f = std::get_if<FeedbackRecord>(&record)) {
        c->exec("INSERT INTO rm_feedback VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12) ON CONFLICT (feedback_id) DO "
                "UPDATE SET customer_id=EXCLUDED.customer_id, source=EXCLUDED.source, platform=EXCLUDED.platform, "
                "kind=EXCLUDED.kind, rating=EXCLUDED.rating, nps=EXCLUDED.nps, text=EXCLUDED.text, "
                "posted_at=EXCLUDED.posted_at, reach=EXCLUDED.reach, responded_at=EXCLUDED.responded_at, url=EXCLUDED.url",
                Params().add(f->feedback_id).add(f->customer_id).add(f->source).add(f->platform).add(f->kind)
                    .add(f->rating).add(f->nps).add(f->text).add(f->posted_at).add(f->reach).add(f->responded_at).add(f->url));
      } else if (auto* cs = std::get_if<CaseRecord>(&record)) {
        c->exec("INSERT INTO rm_cases VALUES ($1,$2,$3,$4,$5,$6,$7) ON CONFLICT (case_id) DO UPDATE SET "
                "customer_id=EXCLUDED.customer_id, status=EXCLUDED.status, subject=EXCLUDED.subject, "
                "opened_at=EXCLUDED.opened_at, due_at=EXCLUDED.due_at, due_is_date=EXCLUDED.due_is_date",
                Params().add(cs->case_id).add(cs->customer_id).add(cs->status).add(cs->subject).add(cs->opened_at)
                    .add(cs->due_at).add(cs->due_is_date));
      }
    }
    tx.commit();
  }

  void append_outcomes(const std::vector<OutcomeRecord>& batch) override {
    Lease c = acquire();
    Tx tx(*c);
    for (const OutcomeRecord& record : batch) {
      if (auto* p = std::get_if<PromptOutcome>(&record)) {
        c->exec("INSERT INTO rm_outcome_prompts (prompt_id, interaction_id, rule_id, kind, agent_id, customer_id, "
                "event_time, held_out, handover, customer_sentiment, prompt_json) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)",
                Params().add(p->prompt_id).add(p->interaction_id).add(p->rule_id).add(p->kind).add(p->agent_id)
                    .add(p->customer_id).add(p->event_time).add(p->held_out).add(p->handover).add(p->customer_sentiment)
                    .add(p->prompt_json));
      } else if (auto* f = std::get_if<FeedbackOutcome>(&record)) {
        c->exec("INSERT INTO rm_outcome_feedback (prompt_id, interaction_id, rule_id, agent_id, action, ts) "
                "VALUES ($1,$2,$3,$4,$5,$6)",
                Params().add(f->prompt_id).add(f->interaction_id).add(f->rule_id).add(f->agent_id).add(f->action).add(f->ts));
      } else if (auto* i = std::get_if<InteractionOutcome>(&record)) {
        c->exec("INSERT INTO rm_outcome_interactions (interaction_id, customer_id, channel, direction, started_at, "
                "ended_at, duration_ms, hold_count, hold_total_ms, sentiment_start, sentiment_end, held_out, prompts, "
                "transcript) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)",
                Params().add(i->interaction_id).add(i->customer_id).add(i->channel).add(i->direction).add(i->started_at)
                    .add(i->ended_at).add(i->duration_ms).add(i->hold_count).add(i->hold_total_ms).add(i->sentiment_start)
                    .add(i->sentiment_end).add(i->held_out).add(i->prompts).add(i->transcript));
      }
    }
    tx.commit();
  }

  std::vector<OutcomeRecord> read_outcomes(EventTimeMs from, EventTimeMs to) override {
    Lease c = acquire();
    std::vector<OutcomeRecord> out;
    Result r = c->exec("SELECT " RM_PROMPT_COLUMNS " FROM rm_outcome_prompts WHERE event_time >= $1 AND "
                       "event_time < $2 ORDER BY seq",
                       Params().add(from).add(to));
    for (int i = 0; i < PQntuples(r.get()); ++i) out.push_back(prompt_row(r.get(), i));
    r = c->exec("SELECT prompt_id, interaction_id, rule_id, agent_id, action, ts FROM rm_outcome_feedback WHERE ts >= $1 "
                "AND ts < $2 ORDER BY seq",
                Params().add(from).add(to));
    for (int i = 0; i < PQntuples(r.get()); ++i) {
      PGresult* q = r.get();
      out.push_back(FeedbackOutcome{text(q, i, 0), text(q, i, 1), text(q, i, 2), text_or_null(q, i, 3), text(q, i, 4),
                                    int_or_null(q, i, 5).value_or(0)});
    }
    r = c->exec("SELECT interaction_id, customer_id, channel, direction, started_at, ended_at, duration_ms, hold_count, "
                "hold_total_ms, sentiment_start, sentiment_end, held_out, prompts, transcript FROM rm_outcome_interactions "
                "WHERE started_at >= $1 AND started_at < $2 ORDER BY seq",
                Params().add(from).add(to));
    for (int i = 0; i < PQntuples(r.get()); ++i) {
      PGresult* q = r.get();
      InteractionOutcome x;
      x.interaction_id = text(q, i, 0);
      x.customer_id = text_or_null(q, i, 1);
      x.channel = text(q, i, 2);
      x.direction = text(q, i, 3);
      x.started_at = int_or_null(q, i, 4).value_or(0);
      x.ended_at = int_or_null(q, i, 5).value_or(0);
      x.duration_ms = int_or_null(q, i, 6).value_or(0);
      x.hold_count = int32_or_null(q, i, 7).value_or(0);
      x.hold_total_ms = int_or_null(q, i, 8).value_or(0);
      x.sentiment_start = double_or_null(q, i, 9);
      x.sentiment_end = double_or_null(q, i, 10);
      x.held_out = boolean(q, i, 11);
      x.prompts = int32_or_null(q, i, 12).value_or(0);
      x.transcript = text_or_null(q, i, 13);
      out.push_back(std::move(x));
    }
    return out;
  }

  RecordedInteraction read_recorded_interaction(std::string_view interaction_id) override {
    Lease c = acquire();
    RecordedInteraction out;
    Result r = c->exec("SELECT " RM_PROMPT_COLUMNS " FROM rm_outcome_prompts WHERE interaction_id = $1 ORDER BY seq LIMIT $2",
                       Params().add(interaction_id).add(static_cast<std::int64_t>(RecordedInteraction::kRecordedPromptsLimit)));
    for (int i = 0; i < PQntuples(r.get()); ++i) out.prompts.push_back(prompt_row(r.get(), i));
    r = c->exec("SELECT 1 FROM rm_outcome_interactions WHERE interaction_id = $1 LIMIT 1", Params().add(interaction_id));
    out.ended = PQntuples(r.get()) > 0;
    return out;
  }

  bool ping() override {
    try {
      Lease c = acquire();
      c->exec("SELECT 1");
      return true;
    } catch (const std::exception&) {
      return false;
    }
  }

 private:
  struct Lease {
    PostgresHistoryStore* store;
    std::unique_ptr<Connection> conn;
    ~Lease() {
      if (conn && conn->healthy()) store->release(std::move(conn));
    }
    Connection* operator->() const { return conn.get(); }
    Connection& operator*() const { return *conn; }
  };
  class Tx {
   public:
    explicit Tx(Connection& c) : c_(c) { c_.exec("BEGIN"); }
    ~Tx() {
      if (!done_) {
        try {
          c_.exec("ROLLBACK");
        } catch (...) {
        }
      }
    }
    void commit() {
      c_.exec("COMMIT");
      done_ = true;
    }

   private:
    Connection& c_;
    bool done_ = false;
  };

  Lease acquire() {
    {
      std::lock_guard lock(mutex_);
      while (!idle_.empty()) {
        auto c = std::move(idle_.back());
        idle_.pop_back();
        if (c->healthy()) return Lease{this, std::move(c)};
      }
    }
    return Lease{this, std::make_unique<Connection>(url_)};
  }
  void release(std::unique_ptr<Connection> c) {
    std::lock_guard lock(mutex_);
    if (idle_.size() < 8) idle_.push_back(std::move(c));
  }

  std::string url_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<Connection>> idle_;
};

}  // namespace

std::unique_ptr<HistoryStore> make_postgres_history_store(const std::string& url) {
  return std::make_unique<PostgresHistoryStore>(url);
}

}  // namespace rightmoment
