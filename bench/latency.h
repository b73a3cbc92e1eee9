// Latency samples and percentiles for footprint-bench.
//
// Every measured call (or replay message) appends its latency in nanoseconds to a per-client
// vector; at the end the vectors are merged, sorted once and read by nearest rank. Exact, and
// cheap enough: a 10 s run at 100k calls/s is 1M samples (8 MB).
#ifndef FOOTPRINT_BENCH_LATENCY_H_
#define FOOTPRINT_BENCH_LATENCY_H_

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace footprint::bench {

class LatencySamples {
 public:
  void Merge(const std::vector<int64_t>& samples) {
    samples_.insert(samples_.end(), samples.begin(), samples.end());
    sorted_ = false;
  }

  size_t size() const { return samples_.size(); }

  // Nearest-rank percentile (q in [0, 1]) in milliseconds; 0 when there are no samples.
  double PercentileMs(double q) {
    if (samples_.empty()) return 0;
    Sort();
    const double rank = std::ceil(q * static_cast<double>(samples_.size()));
    size_t index = rank < 1 ? 0 : static_cast<size_t>(rank) - 1;
    index = std::min(index, samples_.size() - 1);
    return static_cast<double>(samples_[index]) / 1e6;
  }

  double MaxMs() {
    if (samples_.empty()) return 0;
    Sort();
    return static_cast<double>(samples_.back()) / 1e6;
  }

  double MeanMs() const {
    if (samples_.empty()) return 0;
    long double sum = 0;
    for (int64_t s : samples_) sum += static_cast<long double>(s);
    return static_cast<double>(sum / static_cast<long double>(samples_.size()) / 1e6L);
  }

 private:
  void Sort() {
    if (sorted_) return;
    std::sort(samples_.begin(), samples_.end());
    sorted_ = true;
  }

  std::vector<int64_t> samples_;
  bool sorted_ = true;
};

}  // namespace footprint::bench

#endif  // FOOTPRINT_BENCH_LATENCY_H_
