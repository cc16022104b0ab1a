#pragma once
// A test suite parameterised by store backend ("sqlite": a fresh file per test, since ctest runs the
// cases in parallel processes; "postgresql": the real test server, skipped when not installed).
// Derived fixtures call StoreBackendTest::SetUp() first and stop when it skipped or failed.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "tests/support/postgres_server.hpp"

namespace rightmoment::testing {

inline PostgresServer& shared_postgres() {
  static PostgresServer server;
  return server;
}

class StoreBackendTest : public ::testing::TestWithParam<std::string> {
 protected:
  explicit StoreBackendTest(std::string file_prefix) : file_prefix_(std::move(file_prefix)) {}

  void SetUp() override {
    if (GetParam() == "postgresql") {
      if (PostgresServer::find_bin().empty()) GTEST_SKIP() << "PostgreSQL is not installed (apt-get install postgresql)";
      ASSERT_TRUE(shared_postgres().ok()) << "the PostgreSQL test server did not start";
      url_ = shared_postgres().url();
    } else {
      std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
      for (char& c : name)
        if (c == '/') c = '_';  // parameterised names read "Case/sqlite"
      auto path = std::filesystem::path(::testing::TempDir()) / (file_prefix_ + name + ".db");
      for (const char* s : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + s);
      url_ = "sqlite://" + path.string();
    }
  }

  std::string url_;

 private:
  std::string file_prefix_;
};

}  // namespace rightmoment::testing
