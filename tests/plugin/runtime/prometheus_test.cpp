#include "plugin/runtime/prometheus.hpp"

#include <gtest/gtest.h>

#include "tests/support/prometheus_text.hpp"

using namespace rightmoment;
using rightmoment::testing::parse_prometheus_text;

TEST(RuntimePrometheus, RendersTheSnapshotWithStableNamesThatAStrictParserAccepts) {
  StatusSnapshot status;
  status.state = RuntimeState::Started;
  EngineMetricsSnapshot& m = status.metrics;
  m.events_by_type = {{"utterance", 3}, {"we\"ird\\\n", 1}};
  m.active_interactions = 2;
  m.prompts_by_rule = {{"frustration", 1}};
  m.prompts_by_kind = {{"opportunity", 1}};
  m.feedback_by_action = {{"accepted", 4}};
  m.expression_errors = {{"birthday", 2}};
  m.store_reachable = true;
  m.inbox_depth = 4;
  m.interactions_evicted_by_reason = {{"limit", 3}, {"idle", 1}};
  m.limits_applied = {{"agents", 5}};
  m.event_to_prompt_latency.count = 3;
  m.event_to_prompt_latency.sum_us = 3000;
  m.event_to_prompt_latency.buckets = {{1, 0}, {1000, 2}, {2000, 3}};
  status.transport.connections_open = 5;
  status.transport.events_by_adapter = {{"generic", {{"utterance", 7}}}};
  status.popup = PopupStatus{};
  status.popup->hub.pages_open = 1;
  auto parsed = parse_prometheus_text(render_prometheus(status));
  EXPECT_EQ(parsed.value("rightmoment_up"), 1);
  EXPECT_EQ(parsed.value("rightmoment_events_processed_total{type=\"utterance\"}"), 3);
  EXPECT_EQ(parsed.value("rightmoment_events_processed_total{type=\"we\"ird\\\n\"}"), 1);
  EXPECT_EQ(parsed.value("rightmoment_events_received_total{adapter=\"generic\",type=\"utterance\"}"), 7);
  EXPECT_EQ(parsed.value("rightmoment_active_interactions"), 2);
  EXPECT_EQ(parsed.value("rightmoment_connections_open{kind=\"events\"}"), 5);
  EXPECT_EQ(parsed.value("rightmoment_connections_open{kind=\"popup\"}"), 1);
  EXPECT_EQ(parsed.value("rightmoment_prompts_by_rule_total{rule=\"frustration\"}"), 1);
  EXPECT_EQ(parsed.value("rightmoment_feedback_total{action=\"accepted\"}"), 4);
  EXPECT_EQ(parsed.value("rightmoment_expression_errors_total{rule=\"birthday\"}"), 2);
  EXPECT_EQ(parsed.value("rightmoment_store_reachable"), 1);
  EXPECT_EQ(parsed.value("rightmoment_queue_depth{queue=\"inbox\"}"), 4);
  EXPECT_EQ(parsed.value("rightmoment_interactions_evicted_total{reason=\"limit\"}"), 3);
  EXPECT_EQ(parsed.value("rightmoment_interactions_evicted_total{reason=\"idle\"}"), 1);
  EXPECT_EQ(parsed.value("rightmoment_limit_applied_total{collection=\"agents\"}"), 5);
  EXPECT_EQ(parsed.types.at("rightmoment_event_to_prompt_seconds"), "histogram");
  EXPECT_EQ(parsed.value("rightmoment_event_to_prompt_seconds_bucket{le=\"0.001\"}"), 2);
  EXPECT_EQ(parsed.value("rightmoment_event_to_prompt_seconds_bucket{le=\"+Inf\"}"), 3);
  EXPECT_DOUBLE_EQ(parsed.value("rightmoment_event_to_prompt_seconds_sum"), 0.003);
}

TEST(RuntimePrometheus, AnEmptyOrStoppedSnapshotStillRendersValidText) {
  auto parsed = parse_prometheus_text(render_prometheus(StatusSnapshot{}));
  EXPECT_EQ(parsed.value("rightmoment_up", -1), 0);
  EXPECT_EQ(parsed.value("rightmoment_event_to_prompt_seconds_count", -1), 0);
  EXPECT_EQ(parsed.value("rightmoment_connections_open{kind=\"popup\"}", -1), 0);
}

TEST(RuntimePrometheus, TheStrictParserRefusesBrokenText) {
  EXPECT_THROW(parse_prometheus_text("x 1\n"), std::runtime_error);                                // no TYPE
  EXPECT_THROW(parse_prometheus_text("# TYPE x counter\nx{a=b} 1\n"), std::runtime_error);         // unquoted
  EXPECT_THROW(parse_prometheus_text("# TYPE x counter\nx one\n"), std::runtime_error);            // not a number
  EXPECT_THROW(parse_prometheus_text("# TYPE x counter\n# TYPE x gauge\n"), std::runtime_error);   // twice
  EXPECT_THROW(parse_prometheus_text("# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_count 1\n"),
               std::runtime_error);  // not cumulative
}
