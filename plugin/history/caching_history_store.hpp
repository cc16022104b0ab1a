#pragma once
// A small cache in front of a history store, for the screen pop's lookups.
//
// Invalidation rule: an entry lives at most `ttl` (default 30 s of wall time), so a change written by
// another host or a direct database update is seen within that time; any import through this plugin
// (upsert) clears the whole cache at once, except a batch of contacts only (calls that ended), which
// forgets just their customers; forget_customer() serves other hosts' notices; at most `capacity` customers are kept, the least recently
// used going first. Identity lookups (value -> customer ids) and customer histories are cached;
// writes of the outcome record pass straight through.
#include <chrono>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "plugin/history/history_store.hpp"

namespace rightmoment {

class CachingHistoryStore final : public HistoryStore {
 public:
  CachingHistoryStore(std::shared_ptr<HistoryStore> inner, std::size_t capacity = 10000,
                      std::chrono::milliseconds ttl = std::chrono::seconds(30));

  std::string_view backend_name() const override { return inner_->backend_name(); }
  std::vector<std::string> find_customers(IdentityKind kind, std::string_view normalised_value, std::size_t limit) override;
  std::optional<CustomerHistory> load_customer(std::string_view customer_id, const HistoryLoadLimits& limits) override;
  void upsert(const std::vector<HistoryRecord>& batch) override;
  void append_outcomes(const std::vector<OutcomeRecord>& batch) override { inner_->append_outcomes(batch); }
  std::vector<OutcomeRecord> read_outcomes(EventTimeMs from, EventTimeMs to) override { return inner_->read_outcomes(from, to); }
  RecordedInteraction read_recorded_interaction(std::string_view interaction_id) override {
    return inner_->read_recorded_interaction(interaction_id);
  }
  bool ping() override { return inner_->ping(); }

  void clear();
  // The next lookup of this customer reads the store (a contact was written for them elsewhere).
  void forget_customer(const std::string& customer_id);
  std::uint64_t hits() const { return hits_; }
  std::uint64_t misses() const { return misses_; }

 private:
  using Clock = std::chrono::steady_clock;
  template <typename V>
  struct Lru {
    struct Entry {
      V value;
      Clock::time_point loaded;
      typename std::list<std::string>::iterator order;
    };
    std::unordered_map<std::string, Entry> map;
    std::list<std::string> order;  // most recent first
  };
  template <typename V>
  std::optional<V> get(Lru<V>& lru, const std::string& key);
  template <typename V>
  void put(Lru<V>& lru, const std::string& key, V value);

  std::shared_ptr<HistoryStore> inner_;
  std::size_t capacity_;
  std::chrono::milliseconds ttl_;
  std::mutex mutex_;
  Lru<std::vector<std::string>> identities_;
  Lru<std::optional<CustomerHistory>> customers_;
  std::uint64_t hits_ = 0;
  std::uint64_t misses_ = 0;
};

}  // namespace rightmoment
