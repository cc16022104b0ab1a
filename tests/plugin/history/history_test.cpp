// Identity normalisation, the importer and caller resolution, on a real SQLite file.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <thread>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "plugin/history/history_importer.hpp"
#include "adapters/history/open_history_store.hpp"
#include "plugin/history/history_store.hpp"
#include "plugin/history/identity.hpp"

namespace rightmoment {
namespace {

std::string temp_db(const std::string& name) {
  auto dir = std::filesystem::path(::testing::TempDir()) / "rm_history";
  std::filesystem::create_directories(dir);
  auto path = dir / name;
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + suffix);
  return path.string();
}

TEST(Identity, PhonesInEveryHumanFormatNormaliseToE164) {
  for (const char* raw : {"+1 (415) 555-0101", "415-555-0101", "14155550101", "415.555.0101", "(415) 555 0101"})
    EXPECT_EQ(normalise_phone(raw, "US").value_or("?"), "+14155550101") << raw;
  for (const char* raw : {"+44 20 7946 0958", "0044 20 7946 0958", "011 44 20 7946 0958"})
    EXPECT_EQ(normalise_phone(raw, "US").value_or("?"), "+442079460958") << raw;
  EXPECT_EQ(normalise_phone("020 7946 0958", "GB").value_or("?"), "+442079460958");
  EXPECT_FALSE(normalise_phone("call me", "US"));
  EXPECT_FALSE(normalise_phone("12", "US"));
  EXPECT_EQ(normalise_email("  Marcus.Lee@Example.com ").value_or("?"), "marcus.lee@example.com");
  EXPECT_FALSE(normalise_email("not-an-email"));
}

// Caller ids as CTI, SBCs and SIPREC metadata write them (issue 14): tel: per RFC 3966, sip:/sips:
// per RFC 3261, in every path that normalises a phone (events and imports alike).
TEST(Identity, CallerIdsWrittenAsTelAndSipUrisNormaliseToE164) {
  for (const char* raw : {"tel:+14155550201", "tel:+1-415-555-0201", "TEL:+1.415.555.0201", "tel:+1(415)555-0201;ext=42",
                          "tel:555-0201;phone-context=+1-415", "tel:+14155550201;phone-context=+1",
                          "tel:4155550201;phone-context=carrier.example", "sip:+14155550201@carrier.example",
                          "sip:+14155550201@carrier.example;user=phone", "sips:+14155550201@carrier.example:5061;transport=tls",
                          "SIP:+14155550201@10.0.0.1:5060", "<sip:+14155550201@carrier.example>;tag=a48s",
                          "\"Jordan Blake\" <sip:+14155550201@carrier.example;user=phone>;tag=9fxced76sl",
                          "sip:%2B14155550201@carrier.example", "sip:+1-415-555-0201;ext=7@carrier.example;user=phone",
                          "sip:4155550201@carrier.example", "sip:+14155550201:secret@carrier.example",
                          "<tel:+14155550201>"})
    EXPECT_EQ(normalise_phone(raw, "US").value_or("?"), "+14155550201") << raw;
  EXPECT_EQ(normalise_phone("sip:+442079460958@sbc.example.co.uk;user=phone", "US").value_or("?"), "+442079460958");
  EXPECT_EQ(normalise_phone("tel:20-7946-0958;phone-context=+44", "US").value_or("?"), "+442079460958");
  // A SIP user part that is not a number is no phone; nor is a URI without a user part, or an extension.
  for (const char* raw : {"sip:alice@example.com", "sips:agent.smith@pbx.example", "sip:carrier.example", "sip:anonymous@anonymous.invalid",
                          "sip:1001@pbx.example", "sip:@carrier.example", "tel:", "tel:7042;phone-context=pbx.example",
                          "<sip:alice@example.com>", "sip:%zz@carrier.example"})
    EXPECT_FALSE(normalise_phone(raw, "US")) << raw;
  // The importer goes through the same normaliser: a tel: URI in a history file is found by a sip: caller id.
  EXPECT_EQ(normalise_identity(IdentityKind::Phone, "tel:+1-415-555-0201", "US"), normalise_phone("sip:+14155550201@x.example", "US"));
}

TEST(HistoryImport, BadLinesAreReportedWithTheirNumbersAndTheRestImported) {
  auto store = open_history_store("sqlite://" + temp_db("import.db"));
  std::istringstream in(
      "{\"record\":\"customer\",\"customer_id\":\"cu-1\",\"name\":\"Dana Reyes\",\"birthday\":\"02-29\"}\n"
      "not json\n"
      "{\"record\":\"spaceship\",\"customer_id\":\"cu-1\"}\n"
      "{\"record\":\"identity\",\"customer_id\":\"cu-1\",\"kind\":\"phone\",\"value\":\"415.555.0101\"}\n"
      "{\"record\":\"contact\",\"customer_id\":\"cu-1\",\"contact_id\":\"ct-1\",\"channel\":\"voice\"}\n"
      "{\"record\":\"feedback\",\"customer_id\":\"cu-1\",\"feedback_id\":\"fb-1\",\"source\":\"review_site\",\"kind\":\"review\",\"rating\":7,\"posted_at\":\"2026-11-02T18:20:00Z\"}\n"
      "{\"record\":\"contact\",\"customer_id\":\"cu-1\",\"contact_id\":\"ct-2\",\"channel\":\"voice\",\"started_at\":\"2026-11-05T16:20:00Z\",\"nps\":11}\n"
      "\n"
      "{\"record\":\"identity\",\"customer_id\":\"cu-1\",\"kind\":\"phone\",\"value\":\"call me maybe\"}\n"
      "{\"record\":\"customer\",\"customer_id\":\"cu-2\",\"name\":\"Bad Date\",\"customer_since\":\"2019-13-40\"}\n"
      "{\"record\":\"case\",\"customer_id\":\"cu-1\",\"case_id\":\"cs-1\",\"status\":\"open\",\"subject\":\"Line fault\",\"opened_at\":\"2026-11-11T10:30:00Z\",\"due_at\":\"2026-11-18\",\"extra\":1}\n");
  ImportReport r = import_history_stream(in, *store, "US", nullptr);
  std::vector<std::size_t> bad;
  for (const auto& b : r.bad_lines) bad.push_back(b.line);
  EXPECT_EQ(bad, (std::vector<std::size_t>{2, 3, 5, 6, 7, 9, 10}));
  EXPECT_EQ(r.imported["customer"], 1u);
  EXPECT_EQ(r.imported["identity"], 1u);
  EXPECT_EQ(r.imported["case"], 1u);
  auto h = store->load_customer("cu-1", HistoryLoadLimits{});
  ASSERT_TRUE(h);
  EXPECT_EQ(h->cases.size(), 1u);
  EXPECT_TRUE(h->cases[0].due_is_date);
  EXPECT_NE(r.bad_lines[3].reason.find("rating"), std::string::npos) << r.bad_lines[3].reason;
}

// Every sample caller resolves as shared/samples/expected.jsonl says.
TEST(HistoryImport, TheSampleHistoryImportsTwiceToTheSameStoreAndResolvesEveryCaller) {
  std::string db = temp_db("samples.db");
  auto store = open_history_store(db);
  std::string file = RIGHTMOMENT_SHARED_DIR "/samples/history.jsonl";
  if (!std::filesystem::exists(file)) GTEST_SKIP() << file << " not present";
  ImportReport first = import_history_file(file, *store, "US", nullptr);
  EXPECT_EQ(first.bad_line_count, 0u);
  ImportReport again = import_history_file(file, *store, "US", nullptr);  // idempotent
  EXPECT_EQ(again.bad_line_count, 0u);

  std::map<std::string, nlohmann::json> expected;
  std::ifstream exp(RIGHTMOMENT_SHARED_DIR "/samples/expected.jsonl");
  for (std::string line; std::getline(exp, line);) {
    auto j = nlohmann::json::parse(line);
    expected[j["interaction_id"]] = j;
  }
  std::ifstream events(RIGHTMOMENT_SHARED_DIR "/samples/events.jsonl");
  int checked = 0;
  for (std::string line; std::getline(events, line);) {
    auto e = nlohmann::json::parse(line);
    if (e["type"] != "interaction.started" || !e.contains("customer")) continue;
    const auto& want = expected[e["interaction_id"]];
    if (!want.contains("screen_pop_customer_id")) continue;
    CustomerIdentifiers ids;
    for (const char* k : {"phone", "email", "account_id", "name"})
      if (e["customer"].contains(k)) {
        std::string v = e["customer"][k];
        if (std::string(k) == "phone") ids.phone = v;
        else if (std::string(k) == "email") ids.email = v;
        else if (std::string(k) == "account_id") ids.account_id = v;
        else ids.name = v;
      }
    CallerResolution r = resolve_caller(*store, ids, "US");
    if (want["screen_pop_customer_id"].is_null()) EXPECT_FALSE(r.customer_id) << e["interaction_id"];
    else EXPECT_EQ(r.customer_id.value_or("-"), want["screen_pop_customer_id"].get<std::string>()) << e["interaction_id"];
    ++checked;
  }
  EXPECT_GE(checked, 10);
}

TEST(SqliteStore, AnIdentifierSharedByTwoCustomersIsAmbiguousNotGuessed) {
  auto store = open_history_store(temp_db("ambiguous.db"));
  std::vector<HistoryRecord> batch;
  for (const char* id : {"cu-a", "cu-b"}) {
    batch.push_back(CustomerRecord{id, std::string("Customer ") + id, {}, {}, {}, {}, {}, {}, false});
    batch.push_back(IdentityRecord{id, IdentityKind::Phone, "+1 415 555 0199", "+14155550199"});
  }
  batch.push_back(IdentityRecord{"cu-b", IdentityKind::Email, "b@example.com", "b@example.com"});
  store->upsert(batch);
  CustomerIdentifiers shared;
  shared.phone = "415-555-0199";
  CallerResolution r = resolve_caller(*store, shared, "US");
  EXPECT_FALSE(r.customer_id);
  EXPECT_EQ(r.candidates, 2);
  shared.email = "B@example.com";  // a later identifier that matches one customer identifies them
  r = resolve_caller(*store, shared, "US");
  EXPECT_EQ(r.customer_id.value_or("-"), "cu-b");
  EXPECT_EQ(r.identified_by.value_or("-"), "email");
  CustomerIdentifiers name_only;
  name_only.name = "Customer cu-a";
  r = resolve_caller(*store, name_only, "US");
  EXPECT_FALSE(r.customer_id);
  EXPECT_EQ(r.candidates, 0);
}

TEST(SqliteStore, ListsComeNewestFirstAndOutcomesAreDurable) {
  std::string path = temp_db("order.db");
  {
    auto store = open_history_store(path);
    std::vector<HistoryRecord> batch;
    batch.push_back(CustomerRecord{"cu-1", "Dana", {}, {}, {}, {}, {}, {}, false});
    for (int i = 1; i <= 3; ++i) {
      ContactRecord c;
      c.customer_id = "cu-1";
      c.contact_id = "ct-" + std::to_string(i);
      c.channel = "voice";
      c.started_at = 1'000'000 * i;
      batch.push_back(c);
    }
    store->upsert(batch);
    PromptOutcome p;
    p.prompt_id = "pr-1";
    p.interaction_id = "c-1";
    p.rule_id = "frustration";
    p.kind = "opportunity";
    p.event_time = 5000;
    p.prompt_json = "{}";
    FeedbackOutcome f{"pr-1", "c-1", "frustration", std::string("a-1"), "accepted", 6000};
    store->append_outcomes({p, p, f});  // the same prompt_id twice: a prompt and its handover
  }
  auto reopened = open_history_store(path);
  auto h = reopened->load_customer("cu-1", HistoryLoadLimits{});
  ASSERT_TRUE(h);
  ASSERT_EQ(h->contacts.size(), 3u);
  EXPECT_EQ(h->contacts[0].contact_id, "ct-3");
  auto outcomes = reopened->read_outcomes(0, 10'000);
  EXPECT_EQ(outcomes.size(), 3u);
  EXPECT_TRUE(reopened->ping());
}

TEST(SqliteStore, AnUnopenableFileIsAClearError) {
  EXPECT_THROW(open_history_store("sqlite:///nonexistent-dir/x/y.db"), StoreError);
}

}  // namespace
}  // namespace rightmoment

#include "plugin/history/caching_history_store.hpp"

namespace rightmoment {
namespace {

TEST(CachingStore, ServesRepeatsFromMemoryForItsTtlAndForgetsEverythingOnImport) {
  auto inner = std::shared_ptr<HistoryStore>(open_history_store(temp_db("cache.db")));
  CachingHistoryStore cache(inner, 2, std::chrono::milliseconds(200));
  CustomerRecord c;
  c.customer_id = "cu-1";
  c.name = "Dana";
  cache.upsert({c});
  EXPECT_TRUE(cache.load_customer("cu-1", HistoryLoadLimits{}));
  EXPECT_TRUE(cache.load_customer("cu-1", HistoryLoadLimits{}));
  EXPECT_EQ(cache.hits(), 1u);
  c.name = "Dana Reyes";
  inner->upsert({c});  // written behind the cache's back (another host)
  EXPECT_EQ(cache.load_customer("cu-1", HistoryLoadLimits{})->customer.name, "Dana");  // within the TTL
  std::this_thread::sleep_for(std::chrono::milliseconds(250));
  EXPECT_EQ(cache.load_customer("cu-1", HistoryLoadLimits{})->customer.name, "Dana Reyes");  // expired
  c.name = "D. Reyes";
  cache.upsert({c});  // an import through the plugin clears the cache at once
  EXPECT_EQ(cache.load_customer("cu-1", HistoryLoadLimits{})->customer.name, "D. Reyes");
}

}  // namespace
}  // namespace rightmoment
