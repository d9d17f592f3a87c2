// WorkPool: a fixed set of threads running jobs from a bounded queue. The HTTP server hands it
// the slow requests (writes with their decode and fsync, create, drop, listings) so that its
// I/O threads only parse, fetch and send, and a fetch never waits behind a write. Bounded both
// ways: at most `threads` jobs run at once (which also bounds the memory writes take), and at
// most `max_queued` wait; past that TrySubmit refuses and the caller answers "busy".
// Thread-safe. The destructor finishes the queued jobs, then joins.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace murr {

class WorkPool {
 public:
  WorkPool(int threads, size_t max_queued);
  ~WorkPool();
  WorkPool(const WorkPool&) = delete;
  WorkPool& operator=(const WorkPool&) = delete;

  // Queues `job`; false (and `job` is dropped) when max_queued jobs are already waiting.
  // A job must not throw.
  bool TrySubmit(std::function<void()> job);

  int threads() const { return static_cast<int>(threads_.size()); }
  size_t max_queued() const { return max_queued_; }

 private:
  void Loop();

  const size_t max_queued_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace murr
