#include "plugin/rules/value.hpp"

#include "plugin/rules/record_fields.hpp"

namespace rightmoment::rules {

bool values_equal(const Value& a, const Value& b) {
  if (a.type != b.type) return false;
  switch (a.type) {
    case Value::Type::Null: return true;
    case Value::Type::Bool: return a.b == b.b;
    case Value::Type::Number: return a.n == b.n;
    case Value::Type::String: return a.s == b.s;
    case Value::Type::Record: return a.record.ptr == b.record.ptr;
    case Value::Type::List: {
      if (a.list->size() != b.list->size()) return false;
      for (std::size_t i = 0; i < a.list->size(); ++i)
        if (!values_equal((*a.list)[i], (*b.list)[i])) return false;
      return true;
    }
    default: return false;
  }
}

std::string describe_type(StaticType t) {
  switch (t.kind) {
    case StaticType::Kind::Null: return "null";
    case StaticType::Kind::Bool: return "true or false";
    case StaticType::Kind::Number: return "a number";
    case StaticType::Kind::String: return "text";
    case StaticType::Kind::List:
      return t.record == RecordKind::None ? "a list" : "a list of " + record_kind_name(t.record) + " records";
    case StaticType::Kind::Record:
      if (t.record == RecordKind::None) return "a record";
      // "an event record", "an interaction record", "a case record"
      return (t.record == RecordKind::Event || t.record == RecordKind::Interaction ? "an " : "a ") +
             record_kind_name(t.record) + " record";
    case StaticType::Kind::Dyn: break;
  }
  return "a value";
}

}  // namespace rightmoment::rules
