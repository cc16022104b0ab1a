#include "plugin/net/io_loop.hpp"

#include <pthread.h>

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <future>
#include <memory>
#include <set>
#include <stdexcept>

#include <spdlog/sinks/null_sink.h>

namespace rightmoment::net {
namespace {

std::shared_ptr<spdlog::logger> quiet() { return std::make_shared<spdlog::logger>("t", std::make_shared<spdlog::sinks::null_sink_mt>()); }

std::string this_threads_name() {
  char name[16] = {};
  pthread_getname_np(pthread_self(), name, sizeof name);
  return name;
}

std::string name_seen_by_a_handler(IoLoop& loop) {
  std::promise<std::string> name;
  boost::asio::post(loop.context(), [&] { name.set_value(this_threads_name()); });
  return name.get_future().get();
}

TEST(IoLoop, ItsThreadsAreNamedWhenStartReturns) {
  IoLoop one("rm-solo", quiet());
  one.start(1);
  EXPECT_EQ(name_seen_by_a_handler(one), "rm-solo");
  IoLoop two("rm-pair", quiet());
  two.start(2);
  ASSERT_EQ(two.thread_ids().size(), 2u);
  std::string name = name_seen_by_a_handler(two);
  EXPECT_TRUE(name == "rm-pair-0" || name == "rm-pair-1") << name;
  IoLoop long_name("rm-web-a-very-long-server-name", quiet());
  long_name.start(1);
  EXPECT_EQ(name_seen_by_a_handler(long_name), "rm-web-a-very-l");  // Linux keeps 15 characters
  EXPECT_TRUE(one.stop(std::chrono::seconds(5)));
  EXPECT_TRUE(two.stop(std::chrono::seconds(5)));
  EXPECT_TRUE(long_name.stop(std::chrono::seconds(5)));
}

TEST(IoLoop, StopWaitsForTheWorkInHandAndEndsByItself) {
  IoLoop loop("rm-test", quiet());
  loop.start(1);
  std::atomic<bool> ran{false};
  boost::asio::steady_timer timer(loop.context());
  timer.expires_after(std::chrono::milliseconds(100));
  timer.async_wait([&](boost::system::error_code) { ran = true; });
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(loop.stop(std::chrono::seconds(5)));  // the timer's handler ran, then the loop ended
  EXPECT_TRUE(ran);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(4));
  EXPECT_FALSE(loop.running());
  EXPECT_TRUE(loop.stop(std::chrono::seconds(1)));  // twice is harmless
}

TEST(IoLoop, WorkThatOutlivesTheTimeoutIsStoppedHardAndWhatItHoldsIsFreed) {
  auto held = std::make_shared<int>(1);
  std::weak_ptr<int> watch = held;
  {
    IoLoop loop("rm-test", quiet());
    loop.start(1);
    auto timer = std::make_unique<boost::asio::steady_timer>(loop.context());
    timer->expires_after(std::chrono::hours(1));
    timer->async_wait([held = std::move(held)](boost::system::error_code) {});
    auto t0 = std::chrono::steady_clock::now();
    EXPECT_FALSE(loop.stop(std::chrono::milliseconds(100)));
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(3));
    EXPECT_FALSE(loop.running());
    timer.reset();
  }
  EXPECT_TRUE(watch.expired());
}

TEST(IoLoop, AHandlerThatThrowsIsLoggedAndTheLoopGoesOn) {
  IoLoop loop("rm-test", quiet());
  loop.start(1);
  boost::asio::post(loop.context(), [] { throw std::runtime_error("boom"); });
  std::promise<void> after;
  boost::asio::post(loop.context(), [&] { after.set_value(); });
  EXPECT_EQ(after.get_future().wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_TRUE(loop.stop(std::chrono::seconds(5)));
}

}  // namespace
}  // namespace rightmoment::net
