// The expression language on its own: what compiling checks (names, arity, kinds of values) and what
// an evaluation derives (once, lazily).
#include "plugin/rules/expression.hpp"

#include <gtest/gtest.h>

namespace rightmoment::rules {
namespace {

const std::vector<std::string> kIntents{"frustration", "churn_intent"};

std::string compile_error(const std::string& text, RecordKind matches = RecordKind::None) {
  std::string error;
  auto e = Expression::compile(text, matches, kIntents, error);
  return e ? "" : error;
}

struct Facts {
  CustomerHistory history;
  InteractionFacts interaction;
  CanonicalEvent event;
  UtteranceSignals signals;
  EvaluationContext ctx{&interaction, &event, &signals};
  Facts() {
    history.customer.customer_id = "cu-1";
    history.customer.name = "Dana Reyes";
    interaction.now = 1'763'658'000'000;
    interaction.history = &history;
    event.type = EventType::Utterance;
    event.text = "I want to leave";
  }
  Value eval(Activation& a, const std::string& text) const {
    std::string error;
    auto e = Expression::compile(text, RecordKind::None, kIntents, error);
    EXPECT_TRUE(e) << text << ": " << error;
    return e ? e->evaluate(a, Value::null()) : Value::error(error);
  }
  Value eval(const std::string& text) const {
    Activation a(ctx, nullptr, kIntents);
    return eval(a, text);
  }
};

TEST(ExpressionCompile, ArityIsCheckedWithTheFunctionsName) {
  EXPECT_EQ(compile_error("age_days(now, 1) > 2"), "column 1: age_days() takes 1 argument, got 2");
  EXPECT_EQ(compile_error("plural(2)"), "column 1: plural() takes 2 arguments, got 1");
  EXPECT_EQ(compile_error("feedback.size(1)"), "column 10: size() takes 1 argument, got 2");
  EXPECT_NE(compile_error("agee_days(now)").find("unknown function 'agee_days' (functions: size, age_days"), std::string::npos);
}

TEST(ExpressionCompile, TheKindsOfArgumentsAreCheckedWhereTheyAreKnown) {
  EXPECT_EQ(compile_error("age_days('yesterday') > 1"), "column 1: age_days() takes a time, not text");
  EXPECT_EQ(compile_error("plural(2, 3)"), "column 1: argument 2 of plural() must be a word, not a number");
  EXPECT_EQ(compile_error("first_name(event)"), "column 1: first_name() takes the customer, not an event record");
  EXPECT_EQ(compile_error("size(now)"), "column 1: size() takes a list or text, not a number");
  // Where only evaluation can know (a selection of mixed records, null), compiling lets it through.
  EXPECT_EQ(compile_error("age_days(match.posted_at) < 3"), "");
  EXPECT_EQ(compile_error("date(null)"), "");
}

TEST(ExpressionCompile, IntentsAreNamedInQuotesAndMustExist) {
  EXPECT_EQ(compile_error("intent('churn_intent')"), "");
  EXPECT_EQ(compile_error("intent(event.text)"),
            "column 1: intent() takes the name of an intent in quotes, e.g. intent('frustration')");
  EXPECT_EQ(compile_error("intent_phrase('teleportation')"),
            "column 1: unknown intent 'teleportation' (the lexicons define: frustration, churn_intent)");
}

TEST(ExpressionCompile, FieldsAreResolvedOnTheRecordOrOnEveryKindThatHasThem) {
  EXPECT_EQ(compile_error("customer.tierr"),
            "column 10: customer has no field 'tierr' (fields: customer_id, name, preferred_name, tier, customer_since, "
            "birthday, lifetime_value, consent_personalisation)");
  EXPECT_EQ(compile_error("feedback.rating"), "column 10: '.rating' reads a field of a record, not of a list of feedback records");
  EXPECT_EQ(compile_error("(feedback + contacts).map(x, x.nps)"), "");
  EXPECT_EQ(compile_error("(feedback + contacts).map(x, x.bogus)"), "column 32: no record has a field 'bogus'");
}

TEST(ExpressionCompile, OperatorsRefuseValuesTheyCannotUse) {
  EXPECT_EQ(compile_error("customer.name - 1 > 0"), "column 15: '-' needs numbers, not text");
  EXPECT_EQ(compile_error("customer.name < 3"), "column 15: '<' cannot order text and a number");
  EXPECT_EQ(compile_error("!now"), "column 1: '!' needs true or false, not a number");
  EXPECT_EQ(compile_error("now && true"), "column 5: '&&' needs true or false on both sides, not a number");
  EXPECT_EQ(compile_error("feedback.filter(f, f.rating)"),
            "column 10: the condition of filter() must be true or false, not a number");
  EXPECT_EQ(compile_error("now.filter(f, true)"), "column 5: filter() needs a list, not a number");
}

TEST(ExpressionEvaluate, FieldsOfAMixedListResolvePerRecordKind) {
  Facts f;
  ContactRecord c;
  c.contact_id = "ct-1";
  c.nps = 9;
  f.history.contacts.push_back(c);
  FeedbackRecord fb;
  fb.feedback_id = "fb-1";
  fb.nps = 3;
  f.history.feedback.push_back(fb);
  Value v = f.eval("(feedback + contacts).map(x, x.nps)");
  ASSERT_EQ(v.type, Value::Type::List);
  ASSERT_EQ(v.list->size(), 2u);
  EXPECT_EQ((*v.list)[0].n, 3);
  EXPECT_EQ((*v.list)[1].n, 9);
  Value rating = f.eval("(feedback + contacts).map(x, x.rating)");  // a contact has no rating: null
  ASSERT_EQ(rating.type, Value::Type::List);
  EXPECT_TRUE((*rating.list)[1].is_null());
}

TEST(ExpressionEvaluate, AnErrorOnlyEvaluationCanSeeIsAnErrorValue) {
  Facts f;
  Value v = f.eval("10 / interaction.hold_count > 1");
  EXPECT_TRUE(v.is_error());
  EXPECT_EQ(v.s, "division by zero");
  f.history.customer.birthday = "not a date";
  EXPECT_TRUE(f.eval("days_to_anniversary(customer.birthday) < 3").is_error());
  EXPECT_FALSE(f.eval("false && days_to_anniversary(customer.birthday) < 3").is_error());  // as in CEL
}

TEST(Activation, BuildsEachHistoryListOnceAndSharesIt) {
  Facts f;
  f.history.feedback.resize(3);
  Activation a(f.ctx, nullptr, kIntents);
  const Value& first = a.history_list(RecordKind::Feedback);
  ASSERT_EQ(first.type, Value::Type::List);
  EXPECT_EQ(first.list->size(), 3u);
  EXPECT_EQ(a.history_list(RecordKind::Feedback).list.get(), first.list.get());
  // Two expressions of one evaluation read the same list, not a copy each.
  Value x = f.eval(a, "feedback"), y = f.eval(a, "feedback.filter(r, true)");
  EXPECT_EQ(x.list.get(), first.list.get());
  EXPECT_EQ(y.list->size(), 3u);
  EXPECT_EQ(a.history_list(RecordKind::Contact).list->size(), 0u);
}

TEST(Activation, IntentsAreReadByTheirCompiledIndex) {
  Facts f;
  f.signals.intents.push_back(IntentHit{"churn_intent", "", "want to leave"});
  Activation a(f.ctx, nullptr, kIntents);
  EXPECT_EQ(a.intent(0), nullptr);
  ASSERT_NE(a.intent(1), nullptr);
  EXPECT_EQ(a.intent(1)->phrase, "want to leave");
  EXPECT_TRUE(f.eval(a, "intent('churn_intent') && !intent('frustration')").truthy());
  EXPECT_EQ(f.eval(a, "intent_phrase('churn_intent')").s, "want to leave");
  EXPECT_TRUE(f.eval(a, "intent_detail('frustration')").is_null());
}

}  // namespace
}  // namespace rightmoment::rules
