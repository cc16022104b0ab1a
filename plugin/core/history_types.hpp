#pragma once
// Customer history records (shared/contract/history.md) as the engine sees them.
// Times are event-time milliseconds; dates are days since the epoch (UTC calendar dates).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "plugin/core/event_time.hpp"

namespace rightmoment {

struct CustomerRecord {
  std::string customer_id;
  std::string name;
  std::optional<std::string> preferred_name;
  std::optional<std::string> tier;
  std::optional<std::int64_t> customer_since_day;  // days since epoch
  std::optional<std::string> customer_since;       // as imported, "YYYY-MM-DD"
  std::optional<std::string> birthday;             // "MM-DD"
  std::optional<double> lifetime_value;
  bool consent_personalisation = false;
};

enum class IdentityKind : std::uint8_t { Phone, Email, AccountId, Handle };

struct IdentityRecord {
  std::string customer_id;
  IdentityKind kind = IdentityKind::Phone;
  std::string value;             // as imported
  std::string normalised_value;  // E.164 phone, trimmed lower-case email, exact account id / handle
};

struct ContactRecord {
  std::string customer_id;
  std::string contact_id;
  std::string channel;
  EventTimeMs started_at = 0;
  std::optional<std::string> reason;
  bool resolved = false;  // absent counts as not resolved
  std::optional<int> csat;  // 1..5
  std::optional<int> nps;   // 0..10
  std::optional<std::string> summary;
};

struct FeedbackRecord {
  std::string customer_id;
  std::string feedback_id;
  std::string source;  // review_site|social|survey|app_store|community
  std::optional<std::string> platform;
  std::string kind;  // review|post|question|survey
  std::optional<int> rating;  // 1..5
  std::optional<int> nps;     // 0..10
  std::optional<std::string> text;
  EventTimeMs posted_at = 0;
  std::optional<std::int64_t> reach;
  std::optional<EventTimeMs> responded_at;  // nullopt = unanswered
  std::optional<std::string> url;
};

struct CaseRecord {
  std::string customer_id;
  std::string case_id;
  std::string status;  // open|pending|closed
  std::string subject;
  EventTimeMs opened_at = 0;
  // due_at given as a full time, or as a date (then due at the end of that UTC day for "passed" checks).
  std::optional<EventTimeMs> due_at;
  bool due_is_date = false;
};

// Everything the rules and the screen pop need about one customer. Lists are newest first.
struct CustomerHistory {
  CustomerRecord customer;
  std::vector<IdentityRecord> identities;
  std::vector<ContactRecord> contacts;
  std::vector<FeedbackRecord> feedback;
  std::vector<CaseRecord> cases;
};

}  // namespace rightmoment
