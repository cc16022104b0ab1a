#pragma once
// The contacts of calls this engine ended lately, merged into the next lookup of the same customer.
// The store has them too (the outcome writer puts them there within a batch), but a lookup that runs
// before that write commits would miss them, and a replay would then raise repeat-contact or not by
// timing. With this the engine's own calls count on event time alone; other hosts' calls count once
// their writes committed. Engine thread only. Bounded: the newest `limit` contacts, the oldest going
// first, and per customer only what a lookup loads (HistoryLoadLimits::max_contacts).
#include <algorithm>
#include <deque>
#include <string>
#include <unordered_map>
#include <vector>

#include "plugin/core/history_types.hpp"

namespace rightmoment {

class RecentContacts {
 public:
  explicit RecentContacts(std::size_t limit = 65536, std::size_t per_customer = 20) : limit_(limit), per_customer_(per_customer) {}

  void add(const ContactRecord& c) {
    auto& mine = by_customer_[c.customer_id];
    std::erase_if(mine, [&](const ContactRecord& x) { return x.contact_id == c.contact_id; });
    mine.push_back(c);
    if (mine.size() > per_customer_) mine.erase(mine.begin());
    order_.push_back(c.customer_id);
    while (order_.size() > limit_) {
      auto found = by_customer_.find(order_.front());
      if (found != by_customer_.end() && !found->second.empty()) found->second.erase(found->second.begin());
      if (found != by_customer_.end() && found->second.empty()) by_customer_.erase(found);
      order_.pop_front();
    }
  }

  // Adds what the store did not return yet, and drops the calling interaction's own contact (a call
  // replayed into the same store is not its own earlier contact). Keeps newest first.
  void merge_into(CustomerHistory& h, const std::string& interaction_id) const {
    std::erase_if(h.contacts, [&](const ContactRecord& x) { return x.contact_id == interaction_id; });
    auto found = by_customer_.find(h.customer.customer_id);
    if (found == by_customer_.end()) return;
    bool added = false;
    for (const ContactRecord& c : found->second) {
      if (c.contact_id == interaction_id) continue;
      bool known = std::any_of(h.contacts.begin(), h.contacts.end(), [&](const ContactRecord& x) { return x.contact_id == c.contact_id; });
      if (known) continue;
      h.contacts.push_back(c);
      added = true;
    }
    if (added)
      std::stable_sort(h.contacts.begin(), h.contacts.end(), [](const ContactRecord& a, const ContactRecord& b) {
        return a.started_at != b.started_at ? a.started_at > b.started_at : a.contact_id < b.contact_id;
      });
  }

 private:
  std::size_t limit_;
  std::size_t per_customer_;
  std::unordered_map<std::string, std::vector<ContactRecord>> by_customer_;
  std::deque<std::string> order_;  // customer of each add, oldest first
};

}  // namespace rightmoment
