#pragma once
// A problem found in a file the operator wrote (configuration, rules, lexicons, history):
// always said with the file, the line and the key, so it can be fixed without guessing.
#include <string>
#include <vector>

namespace rightmoment {

struct Diagnostic {
  std::string file;     // path as given
  int line = 0;         // 1-based; 0 when unknown
  std::string key;      // JSON pointer-ish path ("/rules/3/when"), or empty
  std::string message;  // what is wrong, in words

  // "config/rules/default.jsonc:42: /rules/3/when: unknown function 'agee_days'"
  std::string to_string() const;
};

using Diagnostics = std::vector<Diagnostic>;

std::string join_diagnostics(const Diagnostics& diags);  // one a line

}  // namespace rightmoment
