#include "plugin/core/jsonc_document.hpp"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <sstream>
#include <vector>

namespace rightmoment {
namespace {

// An input iterator that publishes how far the parser has read, so that SAX callbacks know
// where in the text they are.
struct TrackingIterator {
  using iterator_category = std::input_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = const char&;

  const char* p = nullptr;
  const char** cursor = nullptr;

  reference operator*() const { return *p; }
  TrackingIterator& operator++() {
    ++p;
    *cursor = p;
    return *this;
  }
  TrackingIterator operator++(int) {
    TrackingIterator old = *this;
    ++*this;
    return old;
  }
  bool operator==(const TrackingIterator& o) const { return p == o.p; }
  bool operator!=(const TrackingIterator& o) const { return p != o.p; }
};

std::string escape_pointer_token(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

class LineRecorder : public nlohmann::json_sax<nlohmann::json> {
 public:
  LineRecorder(const char* begin, const char** cursor, const std::vector<std::size_t>& newlines,
               std::unordered_map<std::string, int>& lines)
      : begin_(begin), cursor_(cursor), newlines_(newlines), lines_(lines) {}

  bool null() override { return value(); }
  bool boolean(bool) override { return value(); }
  bool number_integer(number_integer_t) override { return value(); }
  bool number_unsigned(number_unsigned_t) override { return value(); }
  bool number_float(number_float_t, const string_t&) override { return value(); }
  bool string(string_t&) override { return value(); }
  bool binary(binary_t&) override { return value(); }
  bool start_object(std::size_t) override { return open(false); }
  bool start_array(std::size_t) override { return open(true); }
  bool end_object() override { return close(); }
  bool end_array() override { return close(); }
  bool key(string_t& k) override {
    if (!frames_.empty()) {
      frames_.back().key = escape_pointer_token(k);
      frames_.back().key_line = current_line();
    }
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override { return false; }

 private:
  struct Frame {
    bool is_array;
    std::size_t index = 0;
    std::string key;
    int key_line = 0;
    std::string pointer;
  };

  int current_line() const {
    std::size_t offset = static_cast<std::size_t>(*cursor_ - begin_);
    if (offset > 0) --offset;  // the character just read (a number's terminator may be a newline)
    return 1 + static_cast<int>(std::lower_bound(newlines_.begin(), newlines_.end(), offset) - newlines_.begin());
  }

  std::string child_pointer(int& line) {
    if (frames_.empty()) {
      line = current_line();
      return "";
    }
    Frame& f = frames_.back();
    if (f.is_array) {
      line = current_line();
      return f.pointer + "/" + std::to_string(f.index++);
    }
    line = f.key_line;
    return f.pointer + "/" + f.key;
  }

  bool value() {
    int line = 0;
    std::string ptr = child_pointer(line);
    lines_.emplace(std::move(ptr), line);
    return true;
  }
  bool open(bool is_array) {
    int line = 0;
    std::string ptr = child_pointer(line);
    lines_.emplace(ptr, line);
    frames_.push_back(Frame{is_array, 0, {}, 0, std::move(ptr)});
    return true;
  }
  bool close() {
    if (!frames_.empty()) frames_.pop_back();
    return true;
  }

  const char* begin_;
  const char** cursor_;
  const std::vector<std::size_t>& newlines_;
  std::unordered_map<std::string, int>& lines_;
  std::vector<Frame> frames_;
};

}  // namespace

std::optional<JsoncDocument> JsoncDocument::parse(std::string_view text, std::string file, Diagnostics& diags) {
  std::vector<std::size_t> newlines;
  for (std::size_t i = 0; i < text.size(); ++i)
    if (text[i] == '\n') newlines.push_back(i);
  auto line_at = [&](std::size_t offset) {
    return 1 + static_cast<int>(std::lower_bound(newlines.begin(), newlines.end(), offset) - newlines.begin());
  };

  JsoncDocument doc;
  doc.file_ = std::move(file);
  try {
    doc.root_ = nlohmann::json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/true,
                                      /*ignore_comments=*/true);
  } catch (const nlohmann::json::out_of_range& e) {
    // A number too large for any type (found by fuzzing: "4e1111...1").
    diags.push_back(Diagnostic{doc.file_, 0, "", std::string("not valid JSON: ") + e.what()});
    return std::nullopt;
  } catch (const nlohmann::json::parse_error& e) {
    std::size_t byte = e.byte > 0 ? e.byte - 1 : 0;
    std::string what = e.what();
    // nlohmann's message starts with "[json.exception.parse_error.101] parse error at line L, column C: "
    if (auto pos = what.find(": "); pos != std::string::npos && what.rfind("[json.exception", 0) == 0)
      what = what.substr(pos + 2);
    diags.push_back(Diagnostic{doc.file_, line_at(byte), "", "not valid JSON: " + what});
    return std::nullopt;
  } catch (const nlohmann::json::exception& e) {
    diags.push_back(Diagnostic{doc.file_, 0, "", std::string("not valid JSON: ") + e.what()});
    return std::nullopt;
  }

  const char* begin = text.data();
  const char* cursor = begin;
  LineRecorder recorder(begin, &cursor, newlines, doc.lines_);
  TrackingIterator first{begin, &cursor};
  TrackingIterator last{begin + text.size(), &cursor};
  nlohmann::json::sax_parse(first, last, &recorder, nlohmann::json::input_format_t::json, true, true);
  return doc;
}

std::optional<JsoncDocument> JsoncDocument::load(const std::string& path, Diagnostics& diags) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    diags.push_back(Diagnostic{path, 0, "", "cannot open the file for reading"});
    return std::nullopt;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse(ss.str(), path, diags);
}

int JsoncDocument::line_of(std::string_view pointer) const {
  std::string p(pointer);
  while (true) {
    if (auto it = lines_.find(p); it != lines_.end()) return it->second;
    if (p.empty()) return 0;
    auto slash = p.rfind('/');
    p = slash == std::string::npos ? std::string() : p.substr(0, slash);
  }
}

Diagnostic JsoncDocument::error(std::string_view pointer, std::string message) const {
  return Diagnostic{file_, line_of(pointer), std::string(pointer), std::move(message)};
}

}  // namespace rightmoment
