#include "plugin/core/adapter_registry.hpp"

#include <gtest/gtest.h>

namespace rightmoment {
namespace {

class NamedAdapter : public EventAdapter {
 public:
  explicit NamedAdapter(std::string name) : name_(std::move(name)) {}
  std::string_view name() const override { return name_; }
  void on_text(std::string_view, EventTimeMs, AdapterOutput&) override {}

 private:
  std::string name_;
};

TEST(AdapterRegistry, MakesWhatWasAddedByNameAndNothingElse) {
  AdapterRegistry r;
  std::size_t made_with = 0;
  r.add_event_adapter("first", [&](const AdapterOptions& o) {
     made_with = o.max_message_bytes;
     return std::make_unique<NamedAdapter>("first");
   }).add_event_adapter("second", [](const AdapterOptions&) { return std::make_unique<NamedAdapter>("second"); });
  AdapterOptions options;
  options.max_message_bytes = 1234;
  auto a = r.make_event_adapter("first", options);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->name(), "first");
  EXPECT_EQ(made_with, 1234u);
  EXPECT_EQ(r.make_event_adapter("third", options), nullptr);
  EXPECT_TRUE(r.has_event_adapter("second"));
  EXPECT_FALSE(r.has_event_adapter("Second"));
  EXPECT_EQ(r.event_adapter_names(), (std::vector<std::string>{"first", "second"}));
}

TEST(AdapterRegistry, ANameAddedTwiceKeepsItsFirstFactory) {
  AdapterRegistry r;
  r.add_event_adapter("x", [](const AdapterOptions&) { return std::make_unique<NamedAdapter>("one"); });
  r.add_event_adapter("x", [](const AdapterOptions&) { return std::make_unique<NamedAdapter>("two"); });
  EXPECT_EQ(r.make_event_adapter("x", {})->name(), "one");
  EXPECT_EQ(r.event_adapter_names().size(), 1u);
}

TEST(AdapterRegistry, AnUnknownWebhookAdapterSaysSoAndAFactorysOwnReasonComesThrough) {
  AdapterRegistry r;
  r.add_webhook_adapter("hook", [](const AdapterOptions& o, std::string& error) -> std::unique_ptr<WebhookAdapter> {
    if (!o.settings.count("secret")) error = "settings.secret is required";
    return nullptr;
  });
  std::string error;
  EXPECT_EQ(r.make_webhook_adapter("other", {}, error), nullptr);
  EXPECT_EQ(error, "unknown webhook adapter 'other'");
  EXPECT_EQ(r.make_webhook_adapter("hook", {}, error), nullptr);
  EXPECT_EQ(error, "settings.secret is required");
  EXPECT_EQ(r.webhook_adapter_names(), (std::vector<std::string>{"hook"}));
  EXPECT_TRUE(r.event_adapter_names().empty());
}

}  // namespace
}  // namespace rightmoment
