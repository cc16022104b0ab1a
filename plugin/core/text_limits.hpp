#pragma once
// Prompt text limits are counted in characters (Unicode code points), as a reader counts them.
#include <cstddef>
#include <string>
#include <string_view>

namespace rightmoment {

std::size_t utf8_length(std::string_view s);

// At most max_chars code points: cut on a word boundary when one is near, ending with "…".
std::string truncate_text(std::string_view s, std::size_t max_chars);

// Prompt text must be plain: control characters become spaces and braces (which read as unfilled
// template placeholders) become parentheses.
std::string plain_prompt_text(std::string_view s);

}  // namespace rightmoment
