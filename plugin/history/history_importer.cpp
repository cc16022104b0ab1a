#include "plugin/history/history_importer.hpp"

#include <cmath>
#include <fstream>

#include "plugin/history/identity.hpp"

namespace rightmoment {
namespace {

using Json = nlohmann::json;

struct LineError {
  std::string reason;
};

class Fields {
 public:
  explicit Fields(const Json& j) : j_(j) {}

  std::string str(const char* key) const {
    auto it = j_.find(key);
    if (it == j_.end() || it->is_null()) throw LineError{std::string("'") + key + "' is required"};
    if (!it->is_string()) throw LineError{std::string("'") + key + "' must be a string"};
    std::string s = it->get<std::string>();
    if (s.empty()) throw LineError{std::string("'") + key + "' must not be empty"};
    return s;
  }
  std::optional<std::string> opt_str(const char* key) const {
    auto it = j_.find(key);
    if (it == j_.end() || it->is_null()) return std::nullopt;
    if (!it->is_string()) throw LineError{std::string("'") + key + "' must be a string"};
    return it->get<std::string>();
  }
  std::optional<double> opt_num(const char* key) const {
    auto it = j_.find(key);
    if (it == j_.end() || it->is_null()) return std::nullopt;
    if (!it->is_number()) throw LineError{std::string("'") + key + "' must be a number"};
    double d = it->get<double>();
    if (!std::isfinite(d)) throw LineError{std::string("'") + key + "' must be finite"};
    return d;
  }
  std::optional<int> opt_int_in(const char* key, int lo, int hi) const {
    auto d = opt_num(key);
    if (!d) return std::nullopt;
    if (*d != std::floor(*d) || *d < lo || *d > hi)
      throw LineError{std::string("'") + key + "' must be a whole number from " + std::to_string(lo) + " to " +
                      std::to_string(hi)};
    return static_cast<int>(*d);
  }
  std::optional<bool> opt_bool(const char* key) const {
    auto it = j_.find(key);
    if (it == j_.end() || it->is_null()) return std::nullopt;
    if (!it->is_boolean()) throw LineError{std::string("'") + key + "' must be true or false"};
    return it->get<bool>();
  }
  EventTimeMs time(const char* key) const {
    std::string s = str(key);
    auto t = parse_rfc3339(s);
    if (!t) throw LineError{std::string("'") + key + "' must be an RFC 3339 time with an offset, not '" + s.substr(0, 40) + "'"};
    return *t;
  }
  std::optional<EventTimeMs> opt_time(const char* key) const {
    auto s = opt_str(key);
    if (!s) return std::nullopt;
    auto t = parse_rfc3339(*s);
    if (!t) throw LineError{std::string("'") + key + "' must be an RFC 3339 time with an offset"};
    return t;
  }
  std::string one_of(const char* key, std::initializer_list<std::string_view> allowed) const {
    std::string s = str(key);
    for (auto a : allowed)
      if (s == a) return s;
    std::string list;
    for (auto a : allowed) list += (list.empty() ? "" : "|") + std::string(a);
    throw LineError{std::string("'") + key + "' must be one of " + list + ", not '" + s.substr(0, 40) + "'"};
  }

 private:
  const Json& j_;
};

HistoryRecord parse_record(const Json& j, std::string_view region) {
  Fields f(j);
  std::string record = f.str("record");
  if (record == "customer") {
    CustomerRecord r;
    r.customer_id = f.str("customer_id");
    r.name = f.str("name");
    r.preferred_name = f.opt_str("preferred_name");
    r.tier = f.opt_str("tier");
    r.customer_since = f.opt_str("customer_since");
    if (r.customer_since) {
      r.customer_since_day = parse_iso_date(*r.customer_since);
      if (!r.customer_since_day) throw LineError{"'customer_since' must be a date YYYY-MM-DD"};
    }
    r.birthday = f.opt_str("birthday");
    if (r.birthday) {
      const std::string& b = *r.birthday;
      bool shape = b.size() == 5 && b[2] == '-' && std::isdigit(static_cast<unsigned char>(b[0])) &&
                   std::isdigit(static_cast<unsigned char>(b[1])) && std::isdigit(static_cast<unsigned char>(b[3])) &&
                   std::isdigit(static_cast<unsigned char>(b[4]));
      // 2024 is a leap year, so 02-29 is a valid birthday.
      if (!shape || !parse_iso_date("2024-" + b)) throw LineError{"'birthday' must be MM-DD, e.g. 11-23"};
    }
    r.lifetime_value = f.opt_num("lifetime_value");
    r.consent_personalisation = f.opt_bool("consent_personalisation").value_or(false);
    return r;
  }
  if (record == "identity") {
    IdentityRecord r;
    r.customer_id = f.str("customer_id");
    std::string kind = f.one_of("kind", {"phone", "email", "account_id", "handle"});
    r.kind = kind == "phone" ? IdentityKind::Phone
             : kind == "email" ? IdentityKind::Email
             : kind == "account_id" ? IdentityKind::AccountId
                                    : IdentityKind::Handle;
    r.value = f.str("value");
    auto normalised = normalise_identity(r.kind, r.value, region);
    if (!normalised) throw LineError{"'value' is not a valid " + kind + ": '" + r.value.substr(0, 40) + "'"};
    r.normalised_value = *normalised;
    return r;
  }
  if (record == "contact") {
    ContactRecord r;
    r.customer_id = f.str("customer_id");
    r.contact_id = f.str("contact_id");
    r.channel = f.str("channel");
    r.started_at = f.time("started_at");
    r.reason = f.opt_str("reason");
    r.resolved = f.opt_bool("resolved").value_or(false);
    r.csat = f.opt_int_in("csat", 1, 5);
    r.nps = f.opt_int_in("nps", 0, 10);
    r.summary = f.opt_str("summary");
    return r;
  }
  if (record == "feedback") {
    FeedbackRecord r;
    r.customer_id = f.str("customer_id");
    r.feedback_id = f.str("feedback_id");
    r.source = f.one_of("source", {"review_site", "social", "survey", "app_store", "community"});
    r.platform = f.opt_str("platform");
    r.kind = f.one_of("kind", {"review", "post", "question", "survey"});
    r.rating = f.opt_int_in("rating", 1, 5);
    r.nps = f.opt_int_in("nps", 0, 10);
    r.text = f.opt_str("text");
    r.posted_at = f.time("posted_at");
    if (auto reach = f.opt_num("reach")) {
      if (*reach < 0 || *reach != std::floor(*reach)) throw LineError{"'reach' must be a whole number >= 0"};
      r.reach = static_cast<std::int64_t>(*reach);
    }
    r.responded_at = f.opt_time("responded_at");
    r.url = f.opt_str("url");
    return r;
  }
  if (record == "case") {
    CaseRecord r;
    r.customer_id = f.str("customer_id");
    r.case_id = f.str("case_id");
    r.status = f.one_of("status", {"open", "pending", "closed"});
    r.subject = f.str("subject");
    r.opened_at = f.time("opened_at");
    if (auto due = f.opt_str("due_at")) {
      if (auto day = parse_iso_date(*due)) {
        r.due_at = *day * kMsPerDay;
        r.due_is_date = true;
      } else if (auto t = parse_rfc3339(*due)) {
        r.due_at = *t;
      } else {
        throw LineError{"'due_at' must be a date YYYY-MM-DD or an RFC 3339 time"};
      }
    }
    return r;
  }
  throw LineError{"unknown record kind '" + record.substr(0, 40) + "' (customer, identity, contact, feedback, case)"};
}

const char* kind_of(const HistoryRecord& r) {
  switch (r.index()) {
    case 0: return "customer";
    case 1: return "identity";
    case 2: return "contact";
    case 3: return "feedback";
    default: return "case";
  }
}

}  // namespace

std::variant<HistoryRecord, std::string> parse_history_line(std::string_view line, std::string_view default_region) {
  Json j = Json::parse(line, nullptr, false);
  if (j.is_discarded()) return std::string("not valid JSON");
  if (!j.is_object()) return std::string("not a JSON object");
  try {
    return parse_record(j, default_region);
  } catch (const LineError& e) {
    return e.reason;
  } catch (const std::exception& e) {
    return std::string("unreadable: ") + e.what();
  }
}

ImportReport import_history_stream(std::istream& in, HistoryStore& store, std::string_view default_region,
                                   const ImportProgress& progress, std::size_t batch_size) {
  ImportReport report;
  std::vector<HistoryRecord> batch;
  batch.reserve(batch_size);
  std::string line;
  std::size_t number = 0, bytes = 0;
  auto flush = [&] {
    if (batch.empty()) return;
    store.upsert(batch);
    for (const auto& r : batch) ++report.imported[kind_of(r)];
    batch.clear();
  };
  while (std::getline(in, line)) {
    ++number;
    bytes += line.size() + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    ++report.lines;
    auto parsed = parse_history_line(line, default_region);
    if (auto* reason = std::get_if<std::string>(&parsed)) {
      ++report.bad_line_count;
      if (report.bad_lines.size() < 1000) report.bad_lines.push_back(BadLine{number, *reason});
      continue;
    }
    batch.push_back(std::move(std::get<HistoryRecord>(parsed)));
    if (batch.size() >= batch_size) flush();
    if (progress && number % 5000 == 0) progress(bytes, number);
  }
  flush();
  if (progress) progress(bytes, number);
  return report;
}

ImportReport import_history_file(const std::string& path, HistoryStore& store, std::string_view default_region,
                                 const ImportProgress& progress) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw StoreError("cannot read " + path);
  return import_history_stream(in, store, default_region, progress);
}

nlohmann::json import_report_json(const ImportReport& report) {
  Json bad = Json::array();
  for (const auto& b : report.bad_lines) bad.push_back({{"line", b.line}, {"reason", b.reason}});
  return {{"lines", report.lines}, {"imported", report.imported}, {"bad_line_count", report.bad_line_count}, {"bad_lines", bad}};
}

}  // namespace rightmoment
