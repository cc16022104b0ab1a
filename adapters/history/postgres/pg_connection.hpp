#pragma once
// libpq in small pieces, shared by the PostgreSQL history store and the cross-host prompt bus:
// text parameters, owned results, and one connection that throws StoreError with the server's words.
#include <libpq-fe.h>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plugin/history/history_store.hpp"

namespace rightmoment::pg {

// Parameters as text (libpq's simplest form); nullopt is SQL NULL.
class Params {
 public:
  Params& add(std::optional<std::string> v) {
    values_.push_back(std::move(v));
    return *this;
  }
  Params& add(std::string_view v) { return add(std::optional<std::string>(std::string(v))); }
  Params& add(const std::string& v) { return add(std::optional<std::string>(v)); }
  Params& add(const char* v) { return add(std::optional<std::string>(std::string(v))); }
  Params& add(std::int64_t v) { return add(std::optional<std::string>(std::to_string(v))); }
  Params& add(int v) { return add(static_cast<std::int64_t>(v)); }
  Params& add(bool v) { return add(std::optional<std::string>(v ? "t" : "f")); }
  Params& add(std::optional<int> v) { return v ? add(*v) : add(std::optional<std::string>()); }
  Params& add(std::optional<std::int64_t> v) { return v ? add(*v) : add(std::optional<std::string>()); }
  Params& add(std::optional<double> v) {
    if (!v) return add(std::optional<std::string>());
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", *v);
    return add(std::optional<std::string>(buf));
  }
  std::vector<const char*> pointers() const {
    std::vector<const char*> p;
    for (const auto& v : values_) p.push_back(v ? v->c_str() : nullptr);
    return p;
  }
  int size() const { return static_cast<int>(values_.size()); }

 private:
  std::vector<std::optional<std::string>> values_;
};

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

inline std::optional<std::string> text_or_null(PGresult* r, int row, int col) {
  if (PQgetisnull(r, row, col)) return std::nullopt;
  return std::string(PQgetvalue(r, row, col), static_cast<std::size_t>(PQgetlength(r, row, col)));
}
inline std::string text(PGresult* r, int row, int col) { return text_or_null(r, row, col).value_or(""); }
inline std::optional<std::int64_t> int_or_null(PGresult* r, int row, int col) {
  auto t = text_or_null(r, row, col);
  if (!t) return std::nullopt;
  return std::stoll(*t);
}
inline std::optional<int> int32_or_null(PGresult* r, int row, int col) {
  auto v = int_or_null(r, row, col);
  return v ? std::optional<int>(static_cast<int>(*v)) : std::nullopt;
}
inline std::optional<double> double_or_null(PGresult* r, int row, int col) {
  auto t = text_or_null(r, row, col);
  if (!t) return std::nullopt;
  return std::stod(*t);
}
inline bool boolean(PGresult* r, int row, int col) { return text(r, row, col) == "t"; }

class Connection {
 public:
  explicit Connection(const std::string& url) : conn_(PQconnectdb(url.c_str())) {
    if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
      std::string why = conn_ ? PQerrorMessage(conn_) : "out of memory";
      if (conn_) PQfinish(conn_);
      conn_ = nullptr;
      while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
      throw StoreError("postgresql: cannot connect: " + why);
    }
  }
  ~Connection() {
    if (conn_) PQfinish(conn_);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  bool healthy() const { return conn_ && PQstatus(conn_) == CONNECTION_OK; }
  PGconn* raw() const { return conn_; }  // for LISTEN: its socket and notifications

  Result exec(const char* sql, const Params& params = Params()) {
    auto p = params.pointers();
    Result r(PQexecParams(conn_, sql, params.size(), nullptr, p.empty() ? nullptr : p.data(), nullptr, nullptr, 0));
    auto status = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      std::string why = PQerrorMessage(conn_);
      while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
      throw StoreError("postgresql: " + why);
    }
    return r;
  }
  void exec_script(const char* sql) {
    Result r(PQexec(conn_, sql));
    auto status = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
      throw StoreError(std::string("postgresql: ") + PQerrorMessage(conn_));
  }

 private:
  PGconn* conn_ = nullptr;
};

}  // namespace rightmoment::pg
