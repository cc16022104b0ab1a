#include "plugin/web/prometheus.hpp"

#include <gtest/gtest.h>

using namespace rightmoment;

TEST(WebPrometheus, RendersCountersGaugesLabelsAndSummaries) {
    nlohmann::json s = {{"events_in", 5},
                        {"active_interactions", 2},
                        {"events_by_type", {{"call.started", 3}, {"we\"ird\\\n", 1}}},
                        {"prompts_by_rule", {{"r1", 1}}},
                        {"prompts_by_kind", {{"k1", 1}}},
                        {"queue_depth", {{"inbox", 4}}},
                        {"event_to_prompt_latency", {{"count", 2}, {"sum_us", 3000}, {"p50_us", 1000}}}};
    const auto t = render_prometheus(s);
    EXPECT_NE(t.find("# TYPE rightmoment_events_in_total counter\nrightmoment_events_in_total 5\n"), std::string::npos);
    EXPECT_NE(t.find("# TYPE rightmoment_active_interactions gauge\nrightmoment_active_interactions 2\n"), std::string::npos);
    EXPECT_NE(t.find("rightmoment_events_by_type_total{type=\"call.started\"} 3\n"), std::string::npos);
    EXPECT_NE(t.find("rightmoment_events_by_type_total{type=\"we\\\"ird\\\\\\n\"} 1\n"), std::string::npos);
    EXPECT_NE(t.find("rightmoment_prompts_by_rule_total{rule=\"r1\"} 1\n"), std::string::npos);
    EXPECT_NE(t.find("rightmoment_prompts_by_kind_total{kind=\"k1\"} 1\n"), std::string::npos);
    EXPECT_NE(t.find("rightmoment_queue_depth{queue=\"inbox\"} 4\n"), std::string::npos);
    EXPECT_NE(t.find("rightmoment_event_to_prompt_latency_seconds{quantile=\"0.5\"} 0.001\n"), std::string::npos);
    EXPECT_NE(t.find("rightmoment_event_to_prompt_latency_seconds_sum 0.003\n"), std::string::npos);
    EXPECT_NE(t.find("rightmoment_event_to_prompt_latency_seconds_count 2\n"), std::string::npos);
}
