#include "plugin/history/caching_history_store.hpp"

#include <algorithm>

namespace rightmoment {

CachingHistoryStore::CachingHistoryStore(std::shared_ptr<HistoryStore> inner, std::size_t capacity,
                                         std::chrono::milliseconds ttl)
    : inner_(std::move(inner)), capacity_(capacity == 0 ? 1 : capacity), ttl_(ttl) {}

template <typename V>
std::optional<V> CachingHistoryStore::get(Lru<V>& lru, const std::string& key) {
  std::lock_guard lock(mutex_);
  auto it = lru.map.find(key);
  if (it == lru.map.end() || Clock::now() - it->second.loaded > ttl_) {
    if (it != lru.map.end()) {
      lru.order.erase(it->second.order);
      lru.map.erase(it);
    }
    ++misses_;
    return std::nullopt;
  }
  lru.order.splice(lru.order.begin(), lru.order, it->second.order);
  ++hits_;
  return it->second.value;
}

template <typename V>
void CachingHistoryStore::put(Lru<V>& lru, const std::string& key, V value) {
  std::lock_guard lock(mutex_);
  if (auto it = lru.map.find(key); it != lru.map.end()) {
    lru.order.erase(it->second.order);
    lru.map.erase(it);
  }
  lru.order.push_front(key);
  lru.map.emplace(key, typename Lru<V>::Entry{std::move(value), Clock::now(), lru.order.begin()});
  while (lru.map.size() > capacity_) {
    lru.map.erase(lru.order.back());
    lru.order.pop_back();
  }
}

std::vector<std::string> CachingHistoryStore::find_customers(IdentityKind kind, std::string_view value, std::size_t limit) {
  std::string key = std::to_string(static_cast<int>(kind)) + ":" + std::to_string(limit) + ":" + std::string(value);
  if (auto hit = get(identities_, key)) return *hit;
  auto ids = inner_->find_customers(kind, value, limit);
  put(identities_, key, ids);
  return ids;
}

std::optional<CustomerHistory> CachingHistoryStore::load_customer(std::string_view customer_id, const HistoryLoadLimits& limits) {
  std::string key = std::to_string(limits.max_contacts) + ":" + std::to_string(limits.max_feedback) + ":" +
                    std::to_string(limits.max_cases) + ":" + std::string(customer_id);
  if (auto hit = get(customers_, key)) return *hit;
  auto history = inner_->load_customer(customer_id, limits);
  put(customers_, key, history);
  return history;
}

void CachingHistoryStore::upsert(const std::vector<HistoryRecord>& batch) {
  inner_->upsert(batch);
  // The contacts that ended calls leave touch only their customers; an import may touch anything.
  bool contacts_only = std::all_of(batch.begin(), batch.end(), [](const HistoryRecord& r) { return std::holds_alternative<ContactRecord>(r); });
  if (!contacts_only) return clear();
  for (const HistoryRecord& r : batch) forget_customer(std::get<ContactRecord>(r).customer_id);
}

void CachingHistoryStore::forget_customer(const std::string& customer_id) {
  std::lock_guard lock(mutex_);
  if (auto found = customers_.map.find(customer_id); found != customers_.map.end()) {
    customers_.order.erase(found->second.order);
    customers_.map.erase(found);
  }
}

void CachingHistoryStore::clear() {
  std::lock_guard lock(mutex_);
  identities_.map.clear();
  identities_.order.clear();
  customers_.map.clear();
  customers_.order.clear();
}

}  // namespace rightmoment
