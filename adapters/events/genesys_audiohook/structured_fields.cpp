#include "adapters/events/genesys_audiohook/structured_fields.hpp"

#include <openssl/evp.h>

namespace rightmoment::sfv {
namespace {

bool is_lcalpha(char c) { return c >= 'a' && c <= 'z'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_tchar(char c) {
  return is_alpha(c) || is_digit(c) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}
bool is_base64_char(char c) { return is_alpha(c) || is_digit(c) || c == '+' || c == '/' || c == '='; }

// A recursive-descent reader over one field value; every parse_x returns nullopt on the first error.
class Reader {
 public:
  explicit Reader(std::string_view s) : s_(s) {}

  std::optional<Dictionary> dictionary() {
    skip_sp();
    Dictionary dict;
    while (!done()) {
      auto key = parse_key();
      if (!key) return std::nullopt;
      Member member{*key, Item{true, {}}};
      if (peek() == '=') {
        ++pos_;
        if (peek() == '(') {
          auto list = inner_list();
          if (!list) return std::nullopt;
          member.value = std::move(*list);
        } else {
          auto it = item();
          if (!it) return std::nullopt;
          member.value = std::move(*it);
        }
      } else {
        auto params = parameters();
        if (!params) return std::nullopt;
        std::get<Item>(member.value).params = std::move(*params);
      }
      // A repeated key keeps its first place and takes the last value.
      bool replaced = false;
      for (auto& m : dict)
        if (m.key == member.key) {
          m.value = std::move(member.value);
          replaced = true;
        }
      if (!replaced) dict.push_back(std::move(member));
      skip_ows();
      if (done()) return dict;
      if (peek() != ',') return std::nullopt;
      ++pos_;
      skip_ows();
      if (done()) return std::nullopt;  // a trailing comma
    }
    return dict;
  }

 private:
  bool done() const { return pos_ >= s_.size(); }
  char peek() const { return done() ? '\0' : s_[pos_]; }
  void skip_sp() {
    while (peek() == ' ') ++pos_;
  }
  void skip_ows() {
    while (peek() == ' ' || peek() == '\t') ++pos_;
  }

  std::optional<std::string> parse_key() {
    if (!is_lcalpha(peek()) && peek() != '*') return std::nullopt;
    std::string key;
    while (!done()) {
      char c = peek();
      if (!is_lcalpha(c) && !is_digit(c) && c != '_' && c != '-' && c != '.' && c != '*') break;
      key += c;
      ++pos_;
    }
    return key;
  }

  std::optional<InnerList> inner_list() {
    ++pos_;  // (
    InnerList list;
    while (!done()) {
      skip_sp();
      if (peek() == ')') {
        ++pos_;
        auto params = parameters();
        if (!params) return std::nullopt;
        list.params = std::move(*params);
        return list;
      }
      auto it = item();
      if (!it) return std::nullopt;
      list.items.push_back(std::move(*it));
      if (peek() != ' ' && peek() != ')') return std::nullopt;
    }
    return std::nullopt;  // no closing parenthesis
  }

  std::optional<Item> item() {
    auto value = bare_item();
    if (!value) return std::nullopt;
    auto params = parameters();
    if (!params) return std::nullopt;
    return Item{std::move(*value), std::move(*params)};
  }

  std::optional<Parameters> parameters() {
    Parameters params;
    while (peek() == ';') {
      ++pos_;
      skip_sp();
      auto key = parse_key();
      if (!key) return std::nullopt;
      BareItem value = true;
      if (peek() == '=') {
        ++pos_;
        auto v = bare_item();
        if (!v) return std::nullopt;
        value = std::move(*v);
      }
      bool replaced = false;
      for (auto& p : params)
        if (p.key == *key) {
          p.value = value;
          replaced = true;
        }
      if (!replaced) params.push_back(Parameter{std::move(*key), std::move(value)});
    }
    return params;
  }

  std::optional<BareItem> bare_item() {
    char c = peek();
    if (c == '-' || is_digit(c)) return number();
    if (c == '"') return string();
    if (c == '*' || is_alpha(c)) return token();
    if (c == ':') return bytes();
    if (c == '?') return boolean();
    return std::nullopt;
  }

  std::optional<BareItem> number() {
    bool negative = false;
    if (peek() == '-') {
      negative = true;
      ++pos_;
    }
    if (!is_digit(peek())) return std::nullopt;
    std::string digits;
    std::size_t dot = std::string::npos;
    while (!done()) {
      char c = peek();
      if (is_digit(c)) {
        digits += c;
      } else if (c == '.' && dot == std::string::npos) {
        if (digits.size() > 12) return std::nullopt;
        dot = digits.size();
      } else {
        break;
      }
      ++pos_;
      if (digits.size() > 15) return std::nullopt;  // 15 digits for an integer, 12 + 3 for a decimal
    }
    if (dot == std::string::npos) {
      std::int64_t v = std::stoll(digits);
      return BareItem{negative ? -v : v};
    }
    std::size_t fraction = digits.size() - dot;
    if (fraction == 0 || fraction > 3) return std::nullopt;
    std::int64_t whole = dot == 0 ? 0 : std::stoll(digits.substr(0, dot));
    std::int64_t frac = std::stoll(digits.substr(dot));
    for (std::size_t i = fraction; i < 3; ++i) frac *= 10;
    std::int64_t thousandths = whole * 1000 + frac;
    return BareItem{Decimal{negative ? -thousandths : thousandths}};
  }

  std::optional<BareItem> string() {
    ++pos_;  // "
    std::string out;
    while (!done()) {
      char c = s_[pos_++];
      if (c == '\\') {
        if (done()) return std::nullopt;
        char next = s_[pos_++];
        if (next != '"' && next != '\\') return std::nullopt;
        out += next;
      } else if (c == '"') {
        return BareItem{std::move(out)};
      } else if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) {
        return std::nullopt;
      } else {
        out += c;
      }
    }
    return std::nullopt;  // unterminated
  }

  std::optional<BareItem> token() {
    std::string name(1, s_[pos_++]);
    while (!done() && (is_tchar(peek()) || peek() == ':' || peek() == '/')) name += s_[pos_++];
    return BareItem{Token{std::move(name)}};
  }

  std::optional<BareItem> bytes() {
    ++pos_;  // :
    std::size_t start = pos_;
    while (!done() && peek() != ':') {
      if (!is_base64_char(peek())) return std::nullopt;
      ++pos_;
    }
    if (done()) return std::nullopt;
    auto decoded = decode_base64(s_.substr(start, pos_ - start));
    ++pos_;  // :
    if (!decoded) return std::nullopt;
    return BareItem{std::move(*decoded)};
  }

  std::optional<BareItem> boolean() {
    ++pos_;  // ?
    char c = peek();
    if (c != '0' && c != '1') return std::nullopt;
    ++pos_;
    return BareItem{c == '1'};
  }

  std::string_view s_;
  std::size_t pos_ = 0;
};

std::string serialize_bare(const BareItem& value) {
  struct Visitor {
    std::string operator()(std::int64_t v) const { return std::to_string(v); }
    std::string operator()(const Decimal& d) const {
      std::int64_t abs = d.thousandths < 0 ? -d.thousandths : d.thousandths;
      std::string frac = std::to_string(abs % 1000);
      frac.insert(0, 3 - frac.size(), '0');
      while (frac.size() > 1 && frac.back() == '0') frac.pop_back();
      return (d.thousandths < 0 ? "-" : "") + std::to_string(abs / 1000) + "." + frac;
    }
    std::string operator()(const std::string& s) const { return serialize_string(s); }
    std::string operator()(const Token& t) const { return t.name; }
    std::string operator()(const Bytes& b) const { return ":" + encode_base64(b) + ":"; }
    std::string operator()(bool b) const { return b ? "?1" : "?0"; }
  };
  return std::visit(Visitor{}, value);
}

std::string serialize_params(const Parameters& params) {
  std::string out;
  for (const auto& p : params) {
    out += ";" + p.key;
    if (const bool* b = std::get_if<bool>(&p.value); !b || !*b) out += "=" + serialize_bare(p.value);
  }
  return out;
}

}  // namespace

std::optional<Dictionary> parse_dictionary(std::string_view field) {
  while (!field.empty() && (field.back() == ' ' || field.back() == '\t')) field.remove_suffix(1);
  return Reader(field).dictionary();
}

std::string serialize(const InnerList& list) {
  std::string out = "(";
  for (std::size_t i = 0; i < list.items.size(); ++i) {
    if (i) out += ' ';
    out += serialize_bare(list.items[i].value) + serialize_params(list.items[i].params);
  }
  return out + ")" + serialize_params(list.params);
}

std::string serialize_string(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

const Member* find(const Dictionary& dict, std::string_view key) {
  for (const auto& m : dict)
    if (m.key == key) return &m;
  return nullptr;
}

std::optional<Bytes> decode_base64(std::string_view text) {
  std::string padded(text);
  while (padded.size() % 4 != 0) padded += '=';
  for (std::size_t i = 0; i < padded.size(); ++i) {
    char c = padded[i];
    // "=" only as padding at the very end.
    if (c == '=' ? padded.find_first_not_of('=', i) != std::string::npos : !is_base64_char(c)) return std::nullopt;
  }
  if (padded.empty()) return Bytes{};
  Bytes out(padded.size() / 4 * 3);
  int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(padded.data()), static_cast<int>(padded.size()));
  if (n < 0) return std::nullopt;
  // EVP_DecodeBlock counts the padding as zero bytes.
  std::size_t pad = padded.size() - padded.find_last_not_of('=') - 1;
  if (pad > 2) return std::nullopt;
  out.resize(static_cast<std::size_t>(n) - pad);
  return out;
}

std::string encode_base64(const Bytes& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes.data(), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

}  // namespace rightmoment::sfv
