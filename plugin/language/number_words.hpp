#pragma once
// Numbers as a speech recogniser writes them. The corpus tool writes recogniser-style variants with it,
// and the learned layer reads digits through it, so that "3rd time" and "third time" look alike.
#include <string>
#include <string_view>

namespace rightmoment {

// "3" -> "three", "24" -> "twenty four", "3rd" -> "third", "£40" -> "forty pounds", "10:30" -> "ten thirty",
// "2.5" -> "two point five", "40%" -> "forty percent", "1999" -> "nineteen ninety nine", a long digit
// string (a reference, a phone number) one digit at a time. A token that is not a number comes back unchanged.
std::string number_words(std::string_view token);

}  // namespace rightmoment
