// Chooses the history-store backend from the store URL.
#include "adapters/history/sqlite/sqlite_history_store.hpp"
#include "adapters/history/open_history_store.hpp"
#include "plugin/history/store_url.hpp"

namespace rightmoment {

std::unique_ptr<HistoryStore> make_postgres_history_store(const std::string& url);

std::unique_ptr<HistoryStore> open_history_store(const std::string& url) {
  StoreUrl parsed = parse_store_url(url);
  if (parsed.backend == StoreUrl::Backend::Postgres) return make_postgres_history_store(url);
  if (parsed.sqlite_path.empty()) throw StoreError("history store: an empty SQLite path in '" + url + "'");
  return std::make_unique<SqliteHistoryStore>(parsed.sqlite_path);
}

}  // namespace rightmoment
