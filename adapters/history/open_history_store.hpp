#pragma once
// The history-store backends this project ships, chosen by the store URL.
#include <memory>
#include <string>

#include "plugin/history/history_store.hpp"

namespace rightmoment {

// Opens the backend named by the store URL: "sqlite:///path/file.db" or a plain path (SQLite),
// "postgresql://..." (PostgreSQL). Throws StoreError with a clear message on failure.
std::unique_ptr<HistoryStore> open_history_store(const std::string& url);

}  // namespace rightmoment
