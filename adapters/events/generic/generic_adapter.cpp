#include "adapters/events/generic/generic_adapter.hpp"

#include "plugin/core/event_parser.hpp"

namespace rightmoment {
namespace {

class GenericAdapter final : public EventAdapter {
 public:
  explicit GenericAdapter(const AdapterOptions& options) : limits_{options.max_message_bytes, options.max_json_depth} {}

  std::string_view name() const override { return "generic"; }

  void on_text(std::string_view message, EventTimeMs, AdapterOutput& out) override {
    std::string sync_id;
    if (parse_sync_control(message, sync_id)) {
      out.sync_id = std::move(sync_id);
      return;
    }
    ParsedEvent parsed = parse_canonical_event(message, limits_);
    if (auto* ev = std::get_if<CanonicalEvent>(&parsed)) {
      out.events.push_back(std::move(*ev));
    } else {
      out.rejections.push_back(std::move(std::get<EventRejection>(parsed)));
    }
  }

  void on_binary(std::size_t, EventTimeMs, AdapterOutput& out) override {
    out.rejections.push_back(EventRejection{"unsupported", "the generic listener takes JSON text messages only", std::nullopt});
  }

 private:
  EventLimits limits_;
};

}  // namespace

std::unique_ptr<EventAdapter> make_generic_adapter(const AdapterOptions& options) {
  return std::make_unique<GenericAdapter>(options);
}

}  // namespace rightmoment
