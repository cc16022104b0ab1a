#pragma once
// RFC 8941 structured field values, as far as HTTP message signatures (RFC 9421) need them: a
// Dictionary of Items and Inner Lists with Parameters, parsed strictly, and an Inner List written
// back out, so that a signature base is rebuilt from what was parsed rather than copied from a header.
// No Debian 12 package offers this for C++ (docs/dependencies.md).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace rightmoment::sfv {

struct Token {
  std::string name;
};
struct Decimal {
  std::int64_t thousandths = 0;  // RFC 8941 decimals have at most three fractional digits
};
using Bytes = std::vector<unsigned char>;
using BareItem = std::variant<std::int64_t, Decimal, std::string, Token, Bytes, bool>;

struct Parameter {
  std::string key;
  BareItem value;
};
using Parameters = std::vector<Parameter>;

struct Item {
  BareItem value;
  Parameters params;
};
struct InnerList {
  std::vector<Item> items;
  Parameters params;
};
struct Member {
  std::string key;
  std::variant<Item, InnerList> value;
};
using Dictionary = std::vector<Member>;  // in the order the field gave them

// The field value as a Dictionary; nullopt when it is not one (RFC 8941 section 4.2).
std::optional<Dictionary> parse_dictionary(std::string_view field);
// The Inner List in its canonical serialization (RFC 8941 section 4.1.1.1).
std::string serialize(const InnerList& list);
// A bare String item in its serialization: "value" with " and \ escaped.
std::string serialize_string(std::string_view s);

const Member* find(const Dictionary& dict, std::string_view key);

// Base64 (RFC 4648) as byte sequences use it; "=" padding may be missing. nullopt on other characters.
std::optional<Bytes> decode_base64(std::string_view text);
std::string encode_base64(const Bytes& bytes);

}  // namespace rightmoment::sfv
