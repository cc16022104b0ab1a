#pragma once
// The history store's URL, read in one place (the configuration, the store factory, the operator
// tools): "sqlite:PATH", "sqlite://PATH" or a bare PATH is a SQLite file; "postgresql://..." or
// "postgres://..." is a PostgreSQL server, handed to libpq as written.
#include <string>

namespace rightmoment {

struct StoreUrl {
  enum class Backend { Sqlite, Postgres };
  Backend backend = Backend::Sqlite;
  std::string sqlite_path;  // SQLite: the file as written (a relative path is the caller's to resolve)
};

StoreUrl parse_store_url(const std::string& url);

// The URL with any password replaced by ***, for logs, errors and reports: the authority's
// "user:secret@" ("postgresql://user:***@db/rm") and a password=... query parameter.
std::string redact_store_url(const std::string& url);

}  // namespace rightmoment
