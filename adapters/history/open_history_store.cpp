// Chooses the history-store backend from the store URL.
#include "adapters/history/sqlite/sqlite_history_store.hpp"
#include "plugin/history/history_store.hpp"

namespace rightmoment {

std::unique_ptr<HistoryStore> make_postgres_history_store(const std::string& url);

std::unique_ptr<HistoryStore> open_history_store(const std::string& url) {
  if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0) return make_postgres_history_store(url);
  std::string path = url;
  if (url.rfind("sqlite://", 0) == 0) path = url.substr(9);
  else if (url.rfind("sqlite:", 0) == 0) path = url.substr(7);
  if (path.empty()) throw StoreError("history store: an empty SQLite path in '" + url + "'");
  return std::make_unique<SqliteHistoryStore>(path);
}

}  // namespace rightmoment
