#pragma once
// The one interface between the engine and customer history. Backends (SQLite, PostgreSQL) live in
// adapters/history/. Every call blocks and may throw StoreError; the engine calls them only from its
// store worker threads, never from an I/O thread or the engine thread.
#include <cstddef>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "plugin/core/history_types.hpp"
#include "plugin/history/outcome_record.hpp"

namespace rightmoment {

class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

using HistoryRecord = std::variant<CustomerRecord, IdentityRecord, ContactRecord, FeedbackRecord, CaseRecord>;

// What the outcome record holds for one interaction, so that a restarted plugin resumes a call in
// progress without raising again what it raised before the restart.
struct RecordedInteraction {
  std::vector<PromptOutcome> prompts;  // in the order they were recorded (at most kRecordedPromptsLimit)
  bool ended = false;                  // its summary is recorded: it ended (or was evicted) before
  static constexpr std::size_t kRecordedPromptsLimit = 1000;
};

struct HistoryLoadLimits {
  std::size_t max_contacts = 20;   // newest first
  std::size_t max_feedback = 20;   // newest first
  std::size_t max_cases = 20;      // open/pending first, then newest
};

class HistoryStore {
 public:
  virtual ~HistoryStore() = default;

  // "sqlite", "postgresql"
  virtual std::string_view backend_name() const = 0;

  // Customer ids whose identity of this kind has exactly this normalised value (at most `limit`).
  virtual std::vector<std::string> find_customers(IdentityKind kind, std::string_view normalised_value,
                                                  std::size_t limit) = 0;
  // The customer and their records, lists newest first; nullopt when no such customer.
  virtual std::optional<CustomerHistory> load_customer(std::string_view customer_id,
                                                       const HistoryLoadLimits& limits) = 0;

  // Import: upserts keyed by record id, in one transaction per batch. Identity records must carry
  // their normalised_value already.
  virtual void upsert(const std::vector<HistoryRecord>& batch) = 0;

  // Outcome record: appended durably (committed) before this returns.
  virtual void append_outcomes(const std::vector<OutcomeRecord>& batch) = 0;
  // Reads the outcome record back (reports and tests); times are event time.
  virtual std::vector<OutcomeRecord> read_outcomes(EventTimeMs from, EventTimeMs to) = 0;
  // What the outcome record holds for one interaction (by its id, through an index): its prompts and
  // whether its summary was written.
  virtual RecordedInteraction read_recorded_interaction(std::string_view interaction_id) = 0;

  // Cheap health check: true when the store answers.
  virtual bool ping() = 0;
};

}  // namespace rightmoment
