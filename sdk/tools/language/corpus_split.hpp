#pragma once
// The fixed split of the corpus into train / dev / test (docs/language.md, "The split"). A line's split
// is a pure function of its own text: FNV-1a 64 of the normalised text, mod 100; 0-69 train, 70-84 dev,
// 85-99 test. Adding, removing or reordering other lines never moves a line, and the same words
// written twice land in the same split. Derived rows (variants, composed turns) take their source's
// split. This definition was committed before any model was trained and must never change: changing it
// would put lines the model was tuned on into the test split.
#include <cstdint>
#include <string>
#include <string_view>

namespace rightmoment::language_tools {

enum class Split { Train, Dev, Test };

std::string_view split_name(Split s);  // "train", "dev", "test"

// The text the hash is taken of: ASCII lower case, curly quotes as straight ones, apostrophes dropped,
// every other run of non-word characters one space, no space at either end.
// "I’m FED up -- again!!" -> "im fed up again".
std::string split_key(std::string_view text);

std::uint64_t fnv1a64(std::string_view bytes);

Split split_of(std::string_view text);

}  // namespace rightmoment::language_tools
