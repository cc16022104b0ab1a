#pragma once
// A lock-free latency histogram with fixed log-spaced buckets (microseconds), for metrics and the
// status call. Quantiles are bucket upper bounds: good to about 25%.
#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

namespace rightmoment {

class LatencyHistogram {
 public:
  static constexpr std::size_t kBuckets = 48;

  void record_us(std::int64_t us) {
    if (us < 0) us = 0;
    counts_[bucket_of(us)].fetch_add(1, std::memory_order_relaxed);
    sum_us_.fetch_add(us, std::memory_order_relaxed);
    std::int64_t prev = max_us_.load(std::memory_order_relaxed);
    while (us > prev && !max_us_.compare_exchange_weak(prev, us, std::memory_order_relaxed)) {
    }
  }

  // Upper bound (us) of bucket i: 1, 1.25x ... ~ 45 s.
  static std::int64_t bucket_upper_us(std::size_t i) {
    static const std::array<std::int64_t, kBuckets> bounds = [] {
      std::array<std::int64_t, kBuckets> b{};
      double v = 1.0;
      for (std::size_t k = 0; k < kBuckets; ++k) {
        b[k] = static_cast<std::int64_t>(v + 0.5);
        v *= 1.45;
      }
      return b;
    }();
    return bounds[i];
  }

  std::uint64_t count() const {
    std::uint64_t n = 0;
    for (const auto& c : counts_) n += c.load(std::memory_order_relaxed);
    return n;
  }
  std::int64_t sum_us() const { return sum_us_.load(std::memory_order_relaxed); }
  std::int64_t max_us() const { return max_us_.load(std::memory_order_relaxed); }
  std::vector<std::uint64_t> counts() const {
    std::vector<std::uint64_t> out(kBuckets);
    for (std::size_t i = 0; i < kBuckets; ++i) out[i] = counts_[i].load(std::memory_order_relaxed);
    return out;
  }
  std::int64_t quantile_us(double q) const {
    auto c = counts();
    std::uint64_t total = 0;
    for (auto v : c) total += v;
    if (total == 0) return 0;
    std::uint64_t target = static_cast<std::uint64_t>(q * static_cast<double>(total - 1)) + 1, seen = 0;
    for (std::size_t i = 0; i < kBuckets; ++i) {
      seen += c[i];
      if (seen >= target) return bucket_upper_us(i);
    }
    return max_us();
  }

 private:
  static std::size_t bucket_of(std::int64_t us) {
    for (std::size_t i = 0; i < kBuckets; ++i)
      if (us <= bucket_upper_us(i)) return i;
    return kBuckets - 1;
  }
  std::array<std::atomic<std::uint64_t>, kBuckets> counts_{};
  std::atomic<std::int64_t> sum_us_{0};
  std::atomic<std::int64_t> max_us_{0};
};

}  // namespace rightmoment
