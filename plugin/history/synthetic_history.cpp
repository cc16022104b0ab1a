#include "plugin/history/synthetic_history.hpp"

#include <array>
#include <cstdio>
#include <random>
#include <string>

#include <nlohmann/json.hpp>

namespace rightmoment {
namespace {

constexpr std::array<const char*, 24> kFirst{"Dana", "Marcus", "Priya", "Jordan", "Alex", "Sofia", "Ken", "Maya",
                                             "Riley", "Noah", "Amara", "Luis", "Chen", "Fatima", "Oliver", "Zara",
                                             "Mateo", "Aisha", "Tom", "Ines", "Kofi", "Hana", "Sam", "Leila"};
constexpr std::array<const char*, 16> kLast{"Reyes", "Lee", "Nair", "Blake", "Morgan", "Alvarez", "Watanabe", "Patel",
                                            "Chen", "Williams", "Okafor", "Garcia", "Novak", "Haddad", "Smith", "Kim"};
constexpr std::array<const char*, 6> kReasons{"billing", "no broadband", "slow speeds", "engineer visit", "plan change",
                                              "router fault"};
constexpr std::array<const char*, 5> kPlatforms{"Trustpilot", "Google", "Facebook", "X", "App Store"};
constexpr std::array<const char*, 4> kNegative{"Billed twice and nobody called me back.", "Three missed engineer visits.",
                                               "Internet down for a week and no updates.", "Support kept hanging up on me."};
constexpr std::array<const char*, 3> kPositive{"Quick install, lovely engineer.", "Sorted my bill in minutes.",
                                               "Great speeds since the upgrade."};

std::string date_of(EventTimeMs t) { return format_rfc3339(t).substr(0, 10); }

}  // namespace

std::uint64_t write_synthetic_history(std::ostream& out, const SyntheticHistoryOptions& o) {
  std::mt19937_64 rng(o.seed);
  auto pick = [&](std::uint64_t n) { return static_cast<std::size_t>(rng() % n); };
  auto chance = [&](double p) { return std::uniform_real_distribution<double>(0, 1)(rng) < p; };
  std::uint64_t lines = 0;
  auto emit = [&](const nlohmann::json& j) {
    out << j.dump() << '\n';
    ++lines;
  };
  for (std::uint64_t i = 1; i <= o.customers; ++i) {
    std::string id = "cu-" + std::to_string(i);
    std::string first = kFirst[pick(kFirst.size())];
    EventTimeMs since = o.now - static_cast<EventTimeMs>(30 + pick(365 * 12)) * kMsPerDay;
    char birthday[6];
    std::snprintf(birthday, sizeof birthday, "%02d-%02d", static_cast<int>(1 + pick(12)), static_cast<int>(1 + pick(28)));
    static constexpr std::array<const char*, 3> kTiers{"standard", "gold", "platinum"};
    emit({{"record", "customer"}, {"customer_id", id}, {"name", first + " " + kLast[pick(kLast.size())]},
          {"preferred_name", first}, {"tier", kTiers[chance(0.7) ? 0 : chance(0.7) ? 1 : 2]},
          {"customer_since", date_of(since)}, {"birthday", birthday},
          {"lifetime_value", static_cast<double>(100 + pick(9000))}, {"consent_personalisation", chance(0.6)}});
    char phone[24];
    std::snprintf(phone, sizeof phone, "+1 415 %03llu %04llu", static_cast<unsigned long long>(200 + (i / 10000) % 800),
                  static_cast<unsigned long long>(i % 10000));
    emit({{"record", "identity"}, {"customer_id", id}, {"kind", "phone"}, {"value", phone}});
    emit({{"record", "identity"}, {"customer_id", id}, {"kind", "email"}, {"value", "c" + std::to_string(i) + "@example.com"}});
    emit({{"record", "identity"}, {"customer_id", id}, {"kind", "account_id"}, {"value", "ACC-" + std::to_string(i)}});
    std::size_t contacts = pick(4);
    for (std::size_t k = 0; k < contacts; ++k) {
      EventTimeMs at = o.now - static_cast<EventTimeMs>(1 + pick(120)) * kMsPerDay;
      nlohmann::json c{{"record", "contact"}, {"customer_id", id}, {"contact_id", id + "-ct" + std::to_string(k)},
                       {"channel", chance(0.6) ? "voice" : "chat"}, {"started_at", format_rfc3339(at)},
                       {"reason", kReasons[pick(kReasons.size())]}, {"resolved", chance(0.7)}};
      if (chance(0.4)) c["csat"] = 1 + pick(5);
      if (chance(0.3)) c["nps"] = pick(11);
      emit(c);
    }
    if (chance(0.25)) {
      bool negative = chance(0.5);
      EventTimeMs at = o.now - static_cast<EventTimeMs>(1 + pick(200)) * kMsPerDay;
      nlohmann::json f{{"record", "feedback"}, {"customer_id", id}, {"feedback_id", id + "-fb"},
                       {"source", "review_site"}, {"platform", kPlatforms[pick(kPlatforms.size())]}, {"kind", "review"},
                       {"rating", negative ? 1 + pick(2) : 4 + pick(2)},
                       {"text", negative ? kNegative[pick(kNegative.size())] : kPositive[pick(kPositive.size())]},
                       {"posted_at", format_rfc3339(at)}, {"reach", pick(chance(0.05) ? 50000 : 500)}};
      if (chance(0.3)) f["responded_at"] = format_rfc3339(at + kMsPerDay);
      emit(f);
    }
    if (chance(0.1)) {
      EventTimeMs opened = o.now - static_cast<EventTimeMs>(1 + pick(20)) * kMsPerDay;
      emit({{"record", "case"}, {"customer_id", id}, {"case_id", id + "-cs"}, {"status", chance(0.7) ? "open" : "pending"},
            {"subject", kReasons[pick(kReasons.size())]}, {"opened_at", format_rfc3339(opened)},
            {"due_at", date_of(opened + static_cast<EventTimeMs>(3 + pick(14)) * kMsPerDay)}});
    }
  }
  return lines;
}

}  // namespace rightmoment
