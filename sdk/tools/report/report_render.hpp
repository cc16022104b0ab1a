#pragma once
// The effectiveness report as plain text (the terminal summary) and as one self-contained HTML page:
// inline CSS and SVG charts, no script, no external resource of any kind, every text escaped.
#include <string>
#include <string_view>

#include "sdk/tools/report/effectiveness.hpp"

namespace rightmoment::report {

struct RenderContext {
  std::string store;         // shown as given; pass it through redact_store_url (store_url.hpp) first
  std::string generated_at;  // RFC 3339, or empty
};

std::string render_text(const Report& report, const RenderContext& context);
std::string render_html(const Report& report, const RenderContext& context);

// &, <, >, ", ' as entities.
std::string html_escape(std::string_view text);

}  // namespace rightmoment::report
