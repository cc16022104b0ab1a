// The one reading of a store URL (configuration, store factory, report tool) and its redaction.
#include "plugin/history/store_url.hpp"

#include <gtest/gtest.h>

namespace rightmoment {
namespace {

TEST(StoreUrl, SqliteInEveryWrittenFormAndPostgresUnderBothSchemes) {
  using B = StoreUrl::Backend;
  EXPECT_EQ(parse_store_url("sqlite:rm.db").sqlite_path, "rm.db");
  EXPECT_EQ(parse_store_url("sqlite:///var/lib/rm.db").sqlite_path, "/var/lib/rm.db");
  EXPECT_EQ(parse_store_url("sqlite:/var/lib/rm.db").sqlite_path, "/var/lib/rm.db");
  EXPECT_EQ(parse_store_url("data/rm.db").sqlite_path, "data/rm.db");
  EXPECT_EQ(parse_store_url("data/rm.db").backend, B::Sqlite);
  EXPECT_EQ(parse_store_url("sqlite:").sqlite_path, "");  // the factory refuses it with a clear error
  EXPECT_EQ(parse_store_url("postgresql://rm@db/rm").backend, B::Postgres);
  EXPECT_EQ(parse_store_url("postgres://rm@db/rm").backend, B::Postgres);
  EXPECT_EQ(parse_store_url("postgresql://rm@db/rm").sqlite_path, "");
}

TEST(StoreUrl, PasswordsAreRedacted) {
  EXPECT_EQ(redact_store_url("postgresql://rm:s3cret@db:5432/rm?sslmode=require"), "postgresql://rm:***@db:5432/rm?sslmode=require");
  EXPECT_EQ(redact_store_url("postgresql://rm:p@ss@db/rm"), "postgresql://rm:***@db/rm");
  EXPECT_EQ(redact_store_url("postgresql://db/rm?user=rm&password=s3cret&sslmode=require"),
            "postgresql://db/rm?user=rm&password=***&sslmode=require");
  EXPECT_EQ(redact_store_url("postgresql://rm@db/rm"), "postgresql://rm@db/rm");
  EXPECT_EQ(redact_store_url("sqlite:/var/lib/rightmoment/store.db"), "sqlite:/var/lib/rightmoment/store.db");
}

}  // namespace
}  // namespace rightmoment
