#include "plugin/core/prompt.hpp"

namespace rightmoment {

std::string_view prompt_kind_name(PromptKind k) {
  switch (k) {
    case PromptKind::ScreenPop: return "screen_pop";
    case PromptKind::Opportunity: return "opportunity";
    case PromptKind::Guardrail: return "guardrail";
  }
  return "opportunity";
}

}  // namespace rightmoment
