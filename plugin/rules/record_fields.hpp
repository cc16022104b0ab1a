#pragma once
// The records rules read (customer, contact, feedback, case, event, interaction): their fields, found
// by name when a rule is compiled and by index when it runs, and how records read for humans.
#include <string>
#include <string_view>
#include <vector>

#include "plugin/rules/value.hpp"

namespace rightmoment::rules {

struct FieldSpec {
  const char* name;
  StaticType::Kind type;  // the field may be missing (null) all the same
  Value (*get)(const void* record);
};

// The fields of a record kind, in a fixed order: the index an expression compiles to.
const std::vector<FieldSpec>& fields_of(RecordKind k);
// -1 when that kind has no such field (compile time only).
int field_index(RecordKind k, std::string_view name);

std::string record_kind_name(RecordKind k);
std::string record_ref_id(const RecordRef& r);
// Short description of a record for evidence ("Trustpilot review, 2 stars, 2 November: Billed twice...").
std::string describe_record(const RecordRef& r);
// Text for humans: "yes", "2.50", "a, b", a record's description; "" for null and errors.
std::string value_to_text(const Value& v);
std::string format_number(double d);

}  // namespace rightmoment::rules
