// Placeholder until the PostgreSQL backend lands: a clear error instead of a silent fallback.
#include <memory>
#include <string>

#include "plugin/history/history_store.hpp"

namespace rightmoment {

std::unique_ptr<HistoryStore> make_postgres_history_store(const std::string& url) {
  (void)url;
  throw StoreError("the PostgreSQL history store is not available in this build yet; use sqlite:PATH");
}

}  // namespace rightmoment
