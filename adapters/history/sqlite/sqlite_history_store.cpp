#include "adapters/history/sqlite/sqlite_history_store.hpp"

#include <sqlite3.h>

#include <map>

namespace rightmoment {
namespace {

constexpr const char* kSchema = R"SQL(
CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS customers (
  customer_id TEXT PRIMARY KEY, name TEXT NOT NULL, preferred_name TEXT, tier TEXT, customer_since TEXT,
  birthday TEXT, lifetime_value REAL, consent_personalisation INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS identities (
  kind INTEGER NOT NULL, normalised_value TEXT NOT NULL, customer_id TEXT NOT NULL, value TEXT NOT NULL,
  PRIMARY KEY (kind, normalised_value, customer_id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS identities_by_customer ON identities (customer_id);
CREATE TABLE IF NOT EXISTS contacts (
  contact_id TEXT PRIMARY KEY, customer_id TEXT NOT NULL, channel TEXT NOT NULL, started_at INTEGER NOT NULL,
  reason TEXT, resolved INTEGER NOT NULL DEFAULT 0, csat INTEGER, nps INTEGER, summary TEXT);
CREATE INDEX IF NOT EXISTS contacts_by_customer ON contacts (customer_id, started_at DESC);
CREATE TABLE IF NOT EXISTS feedback (
  feedback_id TEXT PRIMARY KEY, customer_id TEXT NOT NULL, source TEXT NOT NULL, platform TEXT, kind TEXT NOT NULL,
  rating INTEGER, nps INTEGER, text TEXT, posted_at INTEGER NOT NULL, reach INTEGER, responded_at INTEGER, url TEXT);
CREATE INDEX IF NOT EXISTS feedback_by_customer ON feedback (customer_id, posted_at DESC);
CREATE TABLE IF NOT EXISTS cases (
  case_id TEXT PRIMARY KEY, customer_id TEXT NOT NULL, status TEXT NOT NULL, subject TEXT NOT NULL,
  opened_at INTEGER NOT NULL, due_at INTEGER, due_is_date INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS cases_by_customer ON cases (customer_id, opened_at DESC);
CREATE TABLE IF NOT EXISTS outcome_prompts (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, prompt_id TEXT NOT NULL, interaction_id TEXT NOT NULL, rule_id TEXT NOT NULL,
  kind TEXT NOT NULL, agent_id TEXT, customer_id TEXT, event_time INTEGER NOT NULL, held_out INTEGER NOT NULL,
  handover INTEGER NOT NULL, customer_sentiment REAL, prompt_json TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS outcome_prompts_by_time ON outcome_prompts (event_time);
CREATE INDEX IF NOT EXISTS outcome_prompts_by_interaction ON outcome_prompts (interaction_id);
CREATE TABLE IF NOT EXISTS outcome_feedback (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, prompt_id TEXT NOT NULL, interaction_id TEXT, rule_id TEXT, agent_id TEXT,
  action TEXT NOT NULL, ts INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS outcome_feedback_by_time ON outcome_feedback (ts);
CREATE TABLE IF NOT EXISTS outcome_interactions (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, interaction_id TEXT NOT NULL, customer_id TEXT, channel TEXT, direction TEXT,
  started_at INTEGER NOT NULL, ended_at INTEGER NOT NULL, duration_ms INTEGER NOT NULL, hold_count INTEGER NOT NULL,
  hold_total_ms INTEGER NOT NULL, sentiment_start REAL, sentiment_end REAL, held_out INTEGER NOT NULL,
  prompts INTEGER NOT NULL, transcript TEXT);
CREATE INDEX IF NOT EXISTS outcome_interactions_by_time ON outcome_interactions (started_at);
CREATE INDEX IF NOT EXISTS outcome_interactions_by_interaction ON outcome_interactions (interaction_id);
)SQL";

[[noreturn]] void throw_sqlite(sqlite3* db, const std::string& what) {
  throw StoreError("sqlite: " + what + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
}

}  // namespace

// One connection and its prepared statements; used by one thread at a time (the pool hands it out).
class SqliteHistoryStore::Connection {
 public:
  explicit Connection(const std::string& path) {
    int rc = sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
      std::string msg = "cannot open " + path + ": " + (db_ ? sqlite3_errmsg(db_) : "out of memory");
      sqlite3_close(db_);
      db_ = nullptr;
      throw StoreError("sqlite: " + msg);
    }
    sqlite3_busy_timeout(db_, 5000);
    // WAL: readers never wait for the writer. synchronous=FULL: a commit that returned survives a
    // crash of the process or of the machine.
    exec("PRAGMA journal_mode=WAL");
    exec("PRAGMA synchronous=FULL");
    exec("PRAGMA foreign_keys=OFF");
  }
  ~Connection() {
    for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
    sqlite3_close(db_);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : "unknown error";
      sqlite3_free(err);
      throw StoreError(std::string("sqlite: ") + msg);
    }
  }

  // A prepared statement, reset and with its bindings cleared, ready to bind.
  sqlite3_stmt* prepare(const char* sql) {
    auto it = statements_.find(sql);
    if (it != statements_.end()) {
      sqlite3_reset(it->second);
      sqlite3_clear_bindings(it->second);
      return it->second;
    }
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK)
      throw_sqlite(db_, "prepare");
    statements_.emplace(sql, stmt);
    return stmt;
  }

  sqlite3* db() const { return db_; }

 private:
  sqlite3* db_ = nullptr;
  std::map<const char*, sqlite3_stmt*> statements_;  // keyed by the literal's address
};

struct SqliteHistoryStore::Lease {
  SqliteHistoryStore* store;
  std::unique_ptr<Connection> conn;
  ~Lease() {
    if (conn) store->release(std::move(conn));
  }
  Connection* operator->() const { return conn.get(); }
};

namespace {

void bind_text(sqlite3_stmt* s, int i, std::string_view v) {
  sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
}
void bind_opt_text(sqlite3_stmt* s, int i, const std::optional<std::string>& v) {
  if (v) bind_text(s, i, *v);
  else sqlite3_bind_null(s, i);
}
void bind_opt_int(sqlite3_stmt* s, int i, const std::optional<std::int64_t>& v) {
  if (v) sqlite3_bind_int64(s, i, *v);
  else sqlite3_bind_null(s, i);
}
void bind_opt_double(sqlite3_stmt* s, int i, const std::optional<double>& v) {
  if (v) sqlite3_bind_double(s, i, *v);
  else sqlite3_bind_null(s, i);
}
std::optional<std::int64_t> opt_int(const std::optional<int>& v) {
  return v ? std::optional<std::int64_t>(*v) : std::nullopt;
}

std::string col_text(sqlite3_stmt* s, int i) {
  const unsigned char* t = sqlite3_column_text(s, i);
  return t ? std::string(reinterpret_cast<const char*>(t), static_cast<std::size_t>(sqlite3_column_bytes(s, i))) : "";
}
std::optional<std::string> col_opt_text(sqlite3_stmt* s, int i) {
  if (sqlite3_column_type(s, i) == SQLITE_NULL) return std::nullopt;
  return col_text(s, i);
}
std::optional<std::int64_t> col_opt_int(sqlite3_stmt* s, int i) {
  if (sqlite3_column_type(s, i) == SQLITE_NULL) return std::nullopt;
  return sqlite3_column_int64(s, i);
}
std::optional<int> col_opt_int32(sqlite3_stmt* s, int i) {
  auto v = col_opt_int(s, i);
  return v ? std::optional<int>(static_cast<int>(*v)) : std::nullopt;
}
std::optional<double> col_opt_double(sqlite3_stmt* s, int i) {
  if (sqlite3_column_type(s, i) == SQLITE_NULL) return std::nullopt;
  return sqlite3_column_double(s, i);
}

// A row of outcome_prompts, selected in this column order.
#define RM_PROMPT_COLUMNS \
  "prompt_id, interaction_id, rule_id, kind, agent_id, customer_id, event_time, held_out, handover, " \
  "customer_sentiment, prompt_json"
PromptOutcome prompt_row(sqlite3_stmt* s) {
  PromptOutcome p;
  p.prompt_id = col_text(s, 0);
  p.interaction_id = col_text(s, 1);
  p.rule_id = col_text(s, 2);
  p.kind = col_text(s, 3);
  p.agent_id = col_opt_text(s, 4);
  p.customer_id = col_opt_text(s, 5);
  p.event_time = sqlite3_column_int64(s, 6);
  p.held_out = sqlite3_column_int(s, 7) != 0;
  p.handover = sqlite3_column_int(s, 8) != 0;
  p.customer_sentiment = col_opt_double(s, 9);
  p.prompt_json = col_text(s, 10);
  return p;
}

void step_done(sqlite3* db, sqlite3_stmt* s, const char* what) {
  if (sqlite3_step(s) != SQLITE_DONE) throw_sqlite(db, what);
}

// A transaction that rolls back unless committed.
class Transaction {
 public:
  explicit Transaction(SqliteHistoryStore::Connection& c) : c_(c) { c_.exec("BEGIN IMMEDIATE"); }
  ~Transaction() {
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
  SqliteHistoryStore::Connection& c_;
  bool done_ = false;
};

}  // namespace

SqliteHistoryStore::SqliteHistoryStore(std::string path) : path_(std::move(path)) {
  auto conn = std::make_unique<Connection>(path_);
  conn->exec(kSchema);
  Transaction t(*conn);
  sqlite3_stmt* s = conn->prepare("SELECT COUNT(*) FROM schema_version");
  if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_int(s, 0) == 0) conn->exec("INSERT INTO schema_version VALUES (1)");
  sqlite3_reset(s);
  t.commit();
  idle_.push_back(std::move(conn));
}

SqliteHistoryStore::~SqliteHistoryStore() = default;

SqliteHistoryStore::Lease SqliteHistoryStore::acquire() {
  {
    std::lock_guard lock(pool_mutex_);
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      return Lease{this, std::move(c)};
    }
  }
  return Lease{this, std::make_unique<Connection>(path_)};
}

void SqliteHistoryStore::release(std::unique_ptr<Connection> c) {
  std::lock_guard lock(pool_mutex_);
  if (idle_.size() < 8) idle_.push_back(std::move(c));
}

std::vector<std::string> SqliteHistoryStore::find_customers(IdentityKind kind, std::string_view value, std::size_t limit) {
  Lease c = acquire();
  sqlite3_stmt* s = c->prepare("SELECT customer_id FROM identities WHERE kind = ?1 AND normalised_value = ?2 LIMIT ?3");
  sqlite3_bind_int(s, 1, static_cast<int>(kind));
  bind_text(s, 2, value);
  sqlite3_bind_int64(s, 3, static_cast<std::int64_t>(limit));
  std::vector<std::string> out;
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) out.push_back(col_text(s, 0));
  if (rc != SQLITE_DONE) throw_sqlite(c->db(), "find_customers");
  sqlite3_reset(s);
  return out;
}

std::optional<CustomerHistory> SqliteHistoryStore::load_customer(std::string_view customer_id, const HistoryLoadLimits& limits) {
  Lease c = acquire();
  c->exec("BEGIN");  // one consistent snapshot for the customer and their records
  struct EndRead {
    Connection& c;
    ~EndRead() {
      try {
        c.exec("COMMIT");
      } catch (...) {
      }
    }
  } end{*c.conn};

  CustomerHistory h;
  sqlite3_stmt* s = c->prepare(
      "SELECT customer_id, name, preferred_name, tier, customer_since, birthday, lifetime_value, consent_personalisation "
      "FROM customers WHERE customer_id = ?1");
  bind_text(s, 1, customer_id);
  int rc = sqlite3_step(s);
  if (rc == SQLITE_DONE) {
    sqlite3_reset(s);
    return std::nullopt;
  }
  if (rc != SQLITE_ROW) throw_sqlite(c->db(), "load customer");
  h.customer.customer_id = col_text(s, 0);
  h.customer.name = col_text(s, 1);
  h.customer.preferred_name = col_opt_text(s, 2);
  h.customer.tier = col_opt_text(s, 3);
  h.customer.customer_since = col_opt_text(s, 4);
  if (h.customer.customer_since) h.customer.customer_since_day = parse_iso_date(*h.customer.customer_since);
  h.customer.birthday = col_opt_text(s, 5);
  h.customer.lifetime_value = col_opt_double(s, 6);
  h.customer.consent_personalisation = sqlite3_column_int(s, 7) != 0;
  sqlite3_reset(s);

  s = c->prepare("SELECT kind, value, normalised_value FROM identities WHERE customer_id = ?1");
  bind_text(s, 1, customer_id);
  while ((rc = sqlite3_step(s)) == SQLITE_ROW)
    h.identities.push_back(IdentityRecord{h.customer.customer_id, static_cast<IdentityKind>(sqlite3_column_int(s, 0)),
                                          col_text(s, 1), col_text(s, 2)});
  if (rc != SQLITE_DONE) throw_sqlite(c->db(), "load identities");
  sqlite3_reset(s);

  s = c->prepare(
      "SELECT contact_id, channel, started_at, reason, resolved, csat, nps, summary FROM contacts "
      "WHERE customer_id = ?1 ORDER BY started_at DESC, contact_id LIMIT ?2");
  bind_text(s, 1, customer_id);
  sqlite3_bind_int64(s, 2, static_cast<std::int64_t>(limits.max_contacts));
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    ContactRecord r;
    r.customer_id = h.customer.customer_id;
    r.contact_id = col_text(s, 0);
    r.channel = col_text(s, 1);
    r.started_at = sqlite3_column_int64(s, 2);
    r.reason = col_opt_text(s, 3);
    r.resolved = sqlite3_column_int(s, 4) != 0;
    r.csat = col_opt_int32(s, 5);
    r.nps = col_opt_int32(s, 6);
    r.summary = col_opt_text(s, 7);
    h.contacts.push_back(std::move(r));
  }
  if (rc != SQLITE_DONE) throw_sqlite(c->db(), "load contacts");
  sqlite3_reset(s);

  s = c->prepare(
      "SELECT feedback_id, source, platform, kind, rating, nps, text, posted_at, reach, responded_at, url FROM feedback "
      "WHERE customer_id = ?1 ORDER BY posted_at DESC, feedback_id LIMIT ?2");
  bind_text(s, 1, customer_id);
  sqlite3_bind_int64(s, 2, static_cast<std::int64_t>(limits.max_feedback));
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    FeedbackRecord r;
    r.customer_id = h.customer.customer_id;
    r.feedback_id = col_text(s, 0);
    r.source = col_text(s, 1);
    r.platform = col_opt_text(s, 2);
    r.kind = col_text(s, 3);
    r.rating = col_opt_int32(s, 4);
    r.nps = col_opt_int32(s, 5);
    r.text = col_opt_text(s, 6);
    r.posted_at = sqlite3_column_int64(s, 7);
    r.reach = col_opt_int(s, 8);
    r.responded_at = col_opt_int(s, 9);
    r.url = col_opt_text(s, 10);
    h.feedback.push_back(std::move(r));
  }
  if (rc != SQLITE_DONE) throw_sqlite(c->db(), "load feedback");
  sqlite3_reset(s);

  s = c->prepare(
      "SELECT case_id, status, subject, opened_at, due_at, due_is_date FROM cases WHERE customer_id = ?1 "
      "ORDER BY CASE status WHEN 'closed' THEN 1 ELSE 0 END, opened_at DESC, case_id LIMIT ?2");
  bind_text(s, 1, customer_id);
  sqlite3_bind_int64(s, 2, static_cast<std::int64_t>(limits.max_cases));
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    CaseRecord r;
    r.customer_id = h.customer.customer_id;
    r.case_id = col_text(s, 0);
    r.status = col_text(s, 1);
    r.subject = col_text(s, 2);
    r.opened_at = sqlite3_column_int64(s, 3);
    r.due_at = col_opt_int(s, 4);
    r.due_is_date = sqlite3_column_int(s, 5) != 0;
    h.cases.push_back(std::move(r));
  }
  if (rc != SQLITE_DONE) throw_sqlite(c->db(), "load cases");
  sqlite3_reset(s);
  return h;
}

void SqliteHistoryStore::upsert(const std::vector<HistoryRecord>& batch) {
  Lease c = acquire();
  Transaction t(*c.conn);
  for (const HistoryRecord& record : batch) {
    if (auto* r = std::get_if<CustomerRecord>(&record)) {
      sqlite3_stmt* s = c->prepare(
          "INSERT INTO customers (customer_id, name, preferred_name, tier, customer_since, birthday, lifetime_value, "
          "consent_personalisation) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (customer_id) DO UPDATE SET "
          "name = excluded.name, preferred_name = excluded.preferred_name, tier = excluded.tier, "
          "customer_since = excluded.customer_since, birthday = excluded.birthday, "
          "lifetime_value = excluded.lifetime_value, consent_personalisation = excluded.consent_personalisation");
      bind_text(s, 1, r->customer_id);
      bind_text(s, 2, r->name);
      bind_opt_text(s, 3, r->preferred_name);
      bind_opt_text(s, 4, r->tier);
      bind_opt_text(s, 5, r->customer_since);
      bind_opt_text(s, 6, r->birthday);
      bind_opt_double(s, 7, r->lifetime_value);
      sqlite3_bind_int(s, 8, r->consent_personalisation ? 1 : 0);
      step_done(c->db(), s, "upsert customer");
    } else if (auto* i = std::get_if<IdentityRecord>(&record)) {
      sqlite3_stmt* s = c->prepare(
          "INSERT INTO identities (kind, normalised_value, customer_id, value) VALUES (?1, ?2, ?3, ?4) "
          "ON CONFLICT (kind, normalised_value, customer_id) DO UPDATE SET value = excluded.value");
      sqlite3_bind_int(s, 1, static_cast<int>(i->kind));
      bind_text(s, 2, i->normalised_value);
      bind_text(s, 3, i->customer_id);
      bind_text(s, 4, i->value);
      step_done(c->db(), s, "upsert identity");
    } else if (auto* ct = std::get_if<ContactRecord>(&record)) {
      sqlite3_stmt* s = c->prepare(
          "INSERT INTO contacts (contact_id, customer_id, channel, started_at, reason, resolved, csat, nps, summary) "
          "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (contact_id) DO UPDATE SET "
          "customer_id = excluded.customer_id, channel = excluded.channel, started_at = excluded.started_at, "
          "reason = excluded.reason, resolved = excluded.resolved, csat = excluded.csat, nps = excluded.nps, "
          "summary = excluded.summary");
      bind_text(s, 1, ct->contact_id);
      bind_text(s, 2, ct->customer_id);
      bind_text(s, 3, ct->channel);
      sqlite3_bind_int64(s, 4, ct->started_at);
      bind_opt_text(s, 5, ct->reason);
      sqlite3_bind_int(s, 6, ct->resolved ? 1 : 0);
      bind_opt_int(s, 7, opt_int(ct->csat));
      bind_opt_int(s, 8, opt_int(ct->nps));
      bind_opt_text(s, 9, ct->summary);
      step_done(c->db(), s, "upsert contact");
    } else if (auto* f = std::get_if<FeedbackRecord>(&record)) {
      sqlite3_stmt* s = c->prepare(
          "INSERT INTO feedback (feedback_id, customer_id, source, platform, kind, rating, nps, text, posted_at, reach, "
          "responded_at, url) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) ON CONFLICT (feedback_id) DO "
          "UPDATE SET customer_id = excluded.customer_id, source = excluded.source, platform = excluded.platform, "
          "kind = excluded.kind, rating = excluded.rating, nps = excluded.nps, text = excluded.text, "
          "posted_at = excluded.posted_at, reach = excluded.reach, responded_at = excluded.responded_at, url = excluded.url");
      bind_text(s, 1, f->feedback_id);
      bind_text(s, 2, f->customer_id);
      bind_text(s, 3, f->source);
      bind_opt_text(s, 4, f->platform);
      bind_text(s, 5, f->kind);
      bind_opt_int(s, 6, opt_int(f->rating));
      bind_opt_int(s, 7, opt_int(f->nps));
      bind_opt_text(s, 8, f->text);
      sqlite3_bind_int64(s, 9, f->posted_at);
      bind_opt_int(s, 10, f->reach);
      bind_opt_int(s, 11, f->responded_at);
      bind_opt_text(s, 12, f->url);
      step_done(c->db(), s, "upsert feedback");
    } else if (auto* cs = std::get_if<CaseRecord>(&record)) {
      sqlite3_stmt* s = c->prepare(
          "INSERT INTO cases (case_id, customer_id, status, subject, opened_at, due_at, due_is_date) "
          "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (case_id) DO UPDATE SET customer_id = excluded.customer_id, "
          "status = excluded.status, subject = excluded.subject, opened_at = excluded.opened_at, "
          "due_at = excluded.due_at, due_is_date = excluded.due_is_date");
      bind_text(s, 1, cs->case_id);
      bind_text(s, 2, cs->customer_id);
      bind_text(s, 3, cs->status);
      bind_text(s, 4, cs->subject);
      sqlite3_bind_int64(s, 5, cs->opened_at);
      bind_opt_int(s, 6, cs->due_at);
      sqlite3_bind_int(s, 7, cs->due_is_date ? 1 : 0);
      step_done(c->db(), s, "upsert case");
    }
  }
  t.commit();
}

void SqliteHistoryStore::append_outcomes(const std::vector<OutcomeRecord>& batch) {
  Lease c = acquire();
  Transaction t(*c.conn);
  for (const OutcomeRecord& record : batch) {
    if (auto* p = std::get_if<PromptOutcome>(&record)) {
      sqlite3_stmt* s = c->prepare(
          "INSERT INTO outcome_prompts (prompt_id, interaction_id, rule_id, kind, agent_id, customer_id, event_time, "
          "held_out, handover, customer_sentiment, prompt_json) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
      bind_text(s, 1, p->prompt_id);
      bind_text(s, 2, p->interaction_id);
      bind_text(s, 3, p->rule_id);
      bind_text(s, 4, p->kind);
      bind_opt_text(s, 5, p->agent_id);
      bind_opt_text(s, 6, p->customer_id);
      sqlite3_bind_int64(s, 7, p->event_time);
      sqlite3_bind_int(s, 8, p->held_out ? 1 : 0);
      sqlite3_bind_int(s, 9, p->handover ? 1 : 0);
      bind_opt_double(s, 10, p->customer_sentiment);
      bind_text(s, 11, p->prompt_json);
      step_done(c->db(), s, "append prompt outcome");
    } else if (auto* f = std::get_if<FeedbackOutcome>(&record)) {
      sqlite3_stmt* s = c->prepare(
          "INSERT INTO outcome_feedback (prompt_id, interaction_id, rule_id, agent_id, action, ts) "
          "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
      bind_text(s, 1, f->prompt_id);
      bind_text(s, 2, f->interaction_id);
      bind_text(s, 3, f->rule_id);
      bind_opt_text(s, 4, f->agent_id);
      bind_text(s, 5, f->action);
      sqlite3_bind_int64(s, 6, f->ts);
      step_done(c->db(), s, "append feedback outcome");
    } else if (auto* i = std::get_if<InteractionOutcome>(&record)) {
      sqlite3_stmt* s = c->prepare(
          "INSERT INTO outcome_interactions (interaction_id, customer_id, channel, direction, started_at, ended_at, "
          "duration_ms, hold_count, hold_total_ms, sentiment_start, sentiment_end, held_out, prompts, transcript) "
          "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)");
      bind_text(s, 1, i->interaction_id);
      bind_opt_text(s, 2, i->customer_id);
      bind_text(s, 3, i->channel);
      bind_text(s, 4, i->direction);
      sqlite3_bind_int64(s, 5, i->started_at);
      sqlite3_bind_int64(s, 6, i->ended_at);
      sqlite3_bind_int64(s, 7, i->duration_ms);
      sqlite3_bind_int(s, 8, i->hold_count);
      sqlite3_bind_int64(s, 9, i->hold_total_ms);
      bind_opt_double(s, 10, i->sentiment_start);
      bind_opt_double(s, 11, i->sentiment_end);
      sqlite3_bind_int(s, 12, i->held_out ? 1 : 0);
      sqlite3_bind_int(s, 13, i->prompts);
      bind_opt_text(s, 14, i->transcript);
      step_done(c->db(), s, "append interaction outcome");
    }
  }
  t.commit();
}

std::vector<OutcomeRecord> SqliteHistoryStore::read_outcomes(EventTimeMs from, EventTimeMs to) {
  Lease c = acquire();
  std::vector<OutcomeRecord> out;
  int rc;
  sqlite3_stmt* s = c->prepare(
      "SELECT " RM_PROMPT_COLUMNS " FROM outcome_prompts WHERE event_time >= ?1 AND event_time < ?2 ORDER BY seq");
  sqlite3_bind_int64(s, 1, from);
  sqlite3_bind_int64(s, 2, to);
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) out.push_back(prompt_row(s));
  if (rc != SQLITE_DONE) throw_sqlite(c->db(), "read prompt outcomes");
  sqlite3_reset(s);
  s = c->prepare(
      "SELECT prompt_id, interaction_id, rule_id, agent_id, action, ts FROM outcome_feedback "
      "WHERE ts >= ?1 AND ts < ?2 ORDER BY seq");
  sqlite3_bind_int64(s, 1, from);
  sqlite3_bind_int64(s, 2, to);
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    FeedbackOutcome f;
    f.prompt_id = col_text(s, 0);
    f.interaction_id = col_text(s, 1);
    f.rule_id = col_text(s, 2);
    f.agent_id = col_opt_text(s, 3);
    f.action = col_text(s, 4);
    f.ts = sqlite3_column_int64(s, 5);
    out.push_back(std::move(f));
  }
  if (rc != SQLITE_DONE) throw_sqlite(c->db(), "read feedback outcomes");
  sqlite3_reset(s);
  s = c->prepare(
      "SELECT interaction_id, customer_id, channel, direction, started_at, ended_at, duration_ms, hold_count, "
      "hold_total_ms, sentiment_start, sentiment_end, held_out, prompts, transcript FROM outcome_interactions "
      "WHERE started_at >= ?1 AND started_at < ?2 ORDER BY seq");
  sqlite3_bind_int64(s, 1, from);
  sqlite3_bind_int64(s, 2, to);
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    InteractionOutcome i;
    i.interaction_id = col_text(s, 0);
    i.customer_id = col_opt_text(s, 1);
    i.channel = col_text(s, 2);
    i.direction = col_text(s, 3);
    i.started_at = sqlite3_column_int64(s, 4);
    i.ended_at = sqlite3_column_int64(s, 5);
    i.duration_ms = sqlite3_column_int64(s, 6);
    i.hold_count = sqlite3_column_int(s, 7);
    i.hold_total_ms = sqlite3_column_int64(s, 8);
    i.sentiment_start = col_opt_double(s, 9);
    i.sentiment_end = col_opt_double(s, 10);
    i.held_out = sqlite3_column_int(s, 11) != 0;
    i.prompts = sqlite3_column_int(s, 12);
    i.transcript = col_opt_text(s, 13);
    out.push_back(std::move(i));
  }
  if (rc != SQLITE_DONE) throw_sqlite(c->db(), "read interaction outcomes");
  sqlite3_reset(s);
  return out;
}

RecordedInteraction SqliteHistoryStore::read_recorded_interaction(std::string_view interaction_id) {
  Lease c = acquire();
  RecordedInteraction out;
  sqlite3_stmt* s =
      c->prepare("SELECT " RM_PROMPT_COLUMNS " FROM outcome_prompts WHERE interaction_id = ?1 ORDER BY seq LIMIT ?2");
  bind_text(s, 1, interaction_id);
  sqlite3_bind_int64(s, 2, static_cast<std::int64_t>(RecordedInteraction::kRecordedPromptsLimit));
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) out.prompts.push_back(prompt_row(s));
  if (rc != SQLITE_DONE) throw_sqlite(c->db(), "read recorded prompts");
  sqlite3_reset(s);
  s = c->prepare("SELECT 1 FROM outcome_interactions WHERE interaction_id = ?1 LIMIT 1");
  bind_text(s, 1, interaction_id);
  rc = sqlite3_step(s);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) throw_sqlite(c->db(), "read recorded interaction");
  out.ended = rc == SQLITE_ROW;
  sqlite3_reset(s);
  return out;
}

bool SqliteHistoryStore::ping() {
  try {
    Lease c = acquire();
    sqlite3_stmt* s = c->prepare("SELECT 1");
    bool ok = sqlite3_step(s) == SQLITE_ROW;
    sqlite3_reset(s);
    return ok;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace rightmoment
