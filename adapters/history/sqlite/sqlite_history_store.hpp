#pragma once
// The embedded default history store: one SQLite file in WAL mode, a small pool of connections
// (one per concurrent caller), prepared statements cached per connection, indexes for every lookup.
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "plugin/history/history_store.hpp"

struct sqlite3;

namespace rightmoment {

class SqliteHistoryStore final : public HistoryStore {
 public:
  // Opens (creating when absent) the database file and its schema. Throws StoreError.
  explicit SqliteHistoryStore(std::string path);
  ~SqliteHistoryStore() override;

  std::string_view backend_name() const override { return "sqlite"; }
  std::vector<std::string> find_customers(IdentityKind kind, std::string_view normalised_value, std::size_t limit) override;
  std::optional<CustomerHistory> load_customer(std::string_view customer_id, const HistoryLoadLimits& limits) override;
  void upsert(const std::vector<HistoryRecord>& batch) override;
  void append_outcomes(const std::vector<OutcomeRecord>& batch) override;
  std::vector<OutcomeRecord> read_outcomes(EventTimeMs from, EventTimeMs to) override;
  RecordedInteraction read_recorded_interaction(std::string_view interaction_id) override;
  bool ping() override;

  const std::string& path() const { return path_; }

  class Connection;

 private:
  struct Lease;
  Lease acquire();
  void release(std::unique_ptr<Connection> c);

  std::string path_;
  std::mutex pool_mutex_;
  std::vector<std::unique_ptr<Connection>> idle_;
};

}  // namespace rightmoment
