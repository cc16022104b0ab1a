#include "plugin/rules/record_fields.hpp"

#include <cmath>
#include <cstdio>

#include "plugin/core/canonical_event.hpp"
#include "plugin/core/event_time.hpp"
#include "plugin/core/history_types.hpp"
#include "plugin/rules/rule_set.hpp"

namespace rightmoment::rules {

namespace {

constexpr auto kString = StaticType::Kind::String;
constexpr auto kNumber = StaticType::Kind::Number;
constexpr auto kBool = StaticType::Kind::Bool;

template <typename T>
const T& as(const void* p) {
  return *static_cast<const T*>(p);
}
Value opt_s(const std::optional<std::string>& v) { return v ? Value::string(*v) : Value::null(); }
Value opt_i(const std::optional<int>& v) { return v ? Value::number(*v) : Value::null(); }
Value opt_l(const std::optional<std::int64_t>& v) { return v ? Value::number(static_cast<double>(*v)) : Value::null(); }
Value opt_d(const std::optional<double>& v) { return v ? Value::number(*v) : Value::null(); }

}  // namespace

const std::vector<FieldSpec>& fields_of(RecordKind k) {
  static const std::vector<FieldSpec> customer{
      {"customer_id", kString, [](const void* p) { return Value::string(as<CustomerRecord>(p).customer_id); }},
      {"name", kString, [](const void* p) { return Value::string(as<CustomerRecord>(p).name); }},
      {"preferred_name", kString, [](const void* p) { return opt_s(as<CustomerRecord>(p).preferred_name); }},
      {"tier", kString, [](const void* p) { return opt_s(as<CustomerRecord>(p).tier); }},
      {"customer_since", kString, [](const void* p) { return opt_s(as<CustomerRecord>(p).customer_since); }},
      {"birthday", kString, [](const void* p) { return opt_s(as<CustomerRecord>(p).birthday); }},
      {"lifetime_value", kNumber, [](const void* p) { return opt_d(as<CustomerRecord>(p).lifetime_value); }},
      {"consent_personalisation", kBool, [](const void* p) { return Value::boolean(as<CustomerRecord>(p).consent_personalisation); }},
  };
  static const std::vector<FieldSpec> contact{
      {"contact_id", kString, [](const void* p) { return Value::string(as<ContactRecord>(p).contact_id); }},
      {"channel", kString, [](const void* p) { return Value::string(as<ContactRecord>(p).channel); }},
      {"started_at", kNumber, [](const void* p) { return Value::number(static_cast<double>(as<ContactRecord>(p).started_at)); }},
      {"reason", kString, [](const void* p) { return opt_s(as<ContactRecord>(p).reason); }},
      {"resolved", kBool, [](const void* p) { return Value::boolean(as<ContactRecord>(p).resolved); }},
      {"csat", kNumber, [](const void* p) { return opt_i(as<ContactRecord>(p).csat); }},
      {"nps", kNumber, [](const void* p) { return opt_i(as<ContactRecord>(p).nps); }},
      {"summary", kString, [](const void* p) { return opt_s(as<ContactRecord>(p).summary); }},
  };
  static const std::vector<FieldSpec> feedback{
      {"feedback_id", kString, [](const void* p) { return Value::string(as<FeedbackRecord>(p).feedback_id); }},
      {"source", kString, [](const void* p) { return Value::string(as<FeedbackRecord>(p).source); }},
      {"platform", kString, [](const void* p) { return opt_s(as<FeedbackRecord>(p).platform); }},
      {"kind", kString, [](const void* p) { return Value::string(as<FeedbackRecord>(p).kind); }},
      {"rating", kNumber, [](const void* p) { return opt_i(as<FeedbackRecord>(p).rating); }},
      {"nps", kNumber, [](const void* p) { return opt_i(as<FeedbackRecord>(p).nps); }},
      {"text", kString, [](const void* p) { return opt_s(as<FeedbackRecord>(p).text); }},
      {"posted_at", kNumber, [](const void* p) { return Value::number(static_cast<double>(as<FeedbackRecord>(p).posted_at)); }},
      {"reach", kNumber, [](const void* p) { return opt_l(as<FeedbackRecord>(p).reach); }},
      {"responded_at", kNumber, [](const void* p) { return opt_l(as<FeedbackRecord>(p).responded_at); }},
      {"responded", kBool, [](const void* p) { return Value::boolean(as<FeedbackRecord>(p).responded_at.has_value()); }},
      {"url", kString, [](const void* p) { return opt_s(as<FeedbackRecord>(p).url); }},
  };
  static const std::vector<FieldSpec> case_fields{
      {"case_id", kString, [](const void* p) { return Value::string(as<CaseRecord>(p).case_id); }},
      {"status", kString, [](const void* p) { return Value::string(as<CaseRecord>(p).status); }},
      {"subject", kString, [](const void* p) { return Value::string(as<CaseRecord>(p).subject); }},
      {"opened_at", kNumber, [](const void* p) { return Value::number(static_cast<double>(as<CaseRecord>(p).opened_at)); }},
      // A date-only due date is due at the end of that UTC day.
      {"due_at", kNumber, [](const void* p) {
         const auto& c = as<CaseRecord>(p);
         if (!c.due_at) return Value::null();
         return Value::number(static_cast<double>(c.due_is_date ? *c.due_at + kMsPerDay : *c.due_at));
       }},
  };
  static const std::vector<FieldSpec> event{
      {"event_id", kString, [](const void* p) { return Value::string(as<CanonicalEvent>(p).event_id); }},
      {"type", kString, [](const void* p) { return Value::string(std::string(event_type_name(as<CanonicalEvent>(p).type))); }},
      {"ts", kNumber, [](const void* p) { return Value::number(static_cast<double>(as<CanonicalEvent>(p).ts)); }},
      {"speaker", kString, [](const void* p) {
         return Value::string(as<CanonicalEvent>(p).speaker == Speaker::Agent ? "agent" : "customer");
       }},
      {"text", kString, [](const void* p) { return Value::string(as<CanonicalEvent>(p).text); }},
      {"final", kBool, [](const void* p) { return Value::boolean(as<CanonicalEvent>(p).final); }},
      {"sentiment", kNumber, [](const void* p) { return opt_d(as<CanonicalEvent>(p).sentiment); }},
      {"agent_id", kString, [](const void* p) { return opt_s(as<CanonicalEvent>(p).agent_id); }},
      {"to_queue", kString, [](const void* p) { return opt_s(as<CanonicalEvent>(p).to_queue); }},
      {"digits", kString, [](const void* p) { return Value::string(as<CanonicalEvent>(p).digits); }},
  };
  static const std::vector<FieldSpec> interaction{
      {"interaction_id", kString, [](const void* p) { return Value::string(as<InteractionFacts>(p).interaction_id); }},
      {"channel", kString, [](const void* p) { return Value::string(as<InteractionFacts>(p).channel); }},
      {"direction", kString, [](const void* p) { return Value::string(as<InteractionFacts>(p).direction); }},
      {"queue", kString, [](const void* p) { return Value::string(as<InteractionFacts>(p).queue); }},
      {"agents_present", kNumber, [](const void* p) { return Value::number(as<InteractionFacts>(p).agents_present); }},
      {"hold_count", kNumber, [](const void* p) { return Value::number(as<InteractionFacts>(p).hold_count); }},
      {"hold_started_at", kNumber, [](const void* p) { return opt_l(as<InteractionFacts>(p).hold_started_at); }},
      {"customer_sentiment", kNumber, [](const void* p) { return opt_d(as<InteractionFacts>(p).customer_sentiment); }},
      {"customer_utterances", kNumber, [](const void* p) { return Value::number(as<InteractionFacts>(p).customer_utterances); }},
      {"history_unavailable", kBool, [](const void* p) { return Value::boolean(as<InteractionFacts>(p).history_unavailable); }},
      {"identified", kBool, [](const void* p) { return Value::boolean(as<InteractionFacts>(p).history != nullptr); }},
  };
  static const std::vector<FieldSpec> none;
  switch (k) {
    case RecordKind::Customer: return customer;
    case RecordKind::Contact: return contact;
    case RecordKind::Feedback: return feedback;
    case RecordKind::Case: return case_fields;
    case RecordKind::Event: return event;
    case RecordKind::Interaction: return interaction;
    default: return none;
  }
}

int field_index(RecordKind k, std::string_view name) {
  const auto& f = fields_of(k);
  for (std::size_t i = 0; i < f.size(); ++i)
    if (name == f[i].name) return static_cast<int>(i);
  return -1;
}

std::string format_number(double d) {
  if (std::floor(d) == d && std::abs(d) < 1e15) return std::to_string(static_cast<long long>(d));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", d);
  return buf;
}

std::string record_kind_name(RecordKind k) {
  switch (k) {
    case RecordKind::Customer: return "customer";
    case RecordKind::Contact: return "contact";
    case RecordKind::Feedback: return "feedback";
    case RecordKind::Case: return "case";
    case RecordKind::Event: return "event";
    case RecordKind::Interaction: return "interaction";
    default: return "value";
  }
}

std::string record_ref_id(const RecordRef& r) {
  switch (r.kind) {
    case RecordKind::Customer: return as<CustomerRecord>(r.ptr).customer_id;
    case RecordKind::Contact: return as<ContactRecord>(r.ptr).contact_id;
    case RecordKind::Feedback: return as<FeedbackRecord>(r.ptr).feedback_id;
    case RecordKind::Case: return as<CaseRecord>(r.ptr).case_id;
    case RecordKind::Event: return as<CanonicalEvent>(r.ptr).event_id;
    case RecordKind::Interaction: return as<InteractionFacts>(r.ptr).interaction_id;
    default: return "";
  }
}

std::string describe_record(const RecordRef& r) {
  switch (r.kind) {
    case RecordKind::Customer: {
      const auto& c = as<CustomerRecord>(r.ptr);
      std::string s = c.name;
      if (c.customer_since) s += ", customer since " + *c.customer_since;
      if (c.birthday && c.consent_personalisation) s += ", birthday " + *c.birthday;
      return s;
    }
    case RecordKind::Contact: {
      const auto& c = as<ContactRecord>(r.ptr);
      std::string s = c.channel + " contact on " + format_day_month(utc_day(c.started_at), false);
      if (c.reason) s += " about " + *c.reason;
      s += c.resolved ? ", resolved" : ", not resolved";
      if (c.nps) s += ", NPS " + std::to_string(*c.nps);
      if (c.summary) s += ": " + *c.summary;
      return s;
    }
    case RecordKind::Feedback: {
      const auto& f = as<FeedbackRecord>(r.ptr);
      std::string s = (f.platform ? *f.platform + " " : std::string()) + f.kind;
      if (f.rating) s += ", " + std::to_string(*f.rating) + (*f.rating == 1 ? " star" : " stars");
      if (f.nps) s += ", NPS " + std::to_string(*f.nps);
      s += ", " + format_day_month(utc_day(f.posted_at), true);
      if (f.reach) s += ", reach " + std::to_string(*f.reach);
      s += f.responded_at ? ", answered" : ", unanswered";
      if (f.text) s += ": " + *f.text;
      return s;
    }
    case RecordKind::Case: {
      const auto& c = as<CaseRecord>(r.ptr);
      std::string s = c.status + " case: " + c.subject;
      if (c.due_at) s += ", due " + format_day_month(utc_day(*c.due_at), true);
      return s;
    }
    case RecordKind::Event: {
      const auto& e = as<CanonicalEvent>(r.ptr);
      if (e.type == EventType::Utterance) return e.text;
      return std::string(event_type_name(e.type)) + " at " + format_rfc3339(e.ts).substr(11, 8);
    }
    default: return "";
  }
}

std::string value_to_text(const Value& v) {
  switch (v.type) {
    case Value::Type::Null: return "";
    case Value::Type::Bool: return v.b ? "yes" : "no";
    case Value::Type::Number: return format_number(v.n);
    case Value::Type::String: return v.s;
    case Value::Type::List: {
      std::string out;
      for (const auto& x : *v.list) out += (out.empty() ? "" : ", ") + value_to_text(x);
      return out;
    }
    case Value::Type::Record: return describe_record(v.record);
    case Value::Type::Error: return "";
  }
  return "";
}

}  // namespace rightmoment::rules
