#include "plugin/rules/activation.hpp"

namespace rightmoment::rules {

const Value& Activation::history_list(RecordKind kind) {
  std::size_t slot = kind == RecordKind::Contact ? 0 : kind == RecordKind::Feedback ? 1 : 2;
  std::optional<Value>& list = lists_[slot];
  if (list) return *list;
  const CustomerHistory* h = ctx_.interaction->history;
  if (!h) return list.emplace(Value::empty_list());
  ValueList out;
  auto add_all = [&](const auto& records) {
    out.reserve(records.size());
    for (const auto& r : records) out.push_back(Value::of_record(kind, &r));
  };
  if (kind == RecordKind::Contact) add_all(h->contacts);
  else if (kind == RecordKind::Feedback) add_all(h->feedback);
  else add_all(h->cases);
  return list.emplace(Value::of_list(std::move(out)));
}

const IntentHit* Activation::intent(std::size_t index) {
  if (!hits_) {
    // The analyzer names its hits; they are matched to the compiled indexes here, once per utterance
    // and only when a rule asks, so no rule compares intent names.
    hits_.emplace(intent_names_.size(), nullptr);
    if (ctx_.signals)
      for (const IntentHit& hit : ctx_.signals->intents)
        for (std::size_t i = 0; i < intent_names_.size(); ++i)
          if (hit.intent == intent_names_[i]) {
            if (!(*hits_)[i]) (*hits_)[i] = &hit;  // the first hit of an intent, as UtteranceSignals::find
            break;
          }
  }
  return index < hits_->size() ? (*hits_)[index] : nullptr;
}

}  // namespace rightmoment::rules
