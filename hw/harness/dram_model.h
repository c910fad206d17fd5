// The external memory behind a DRAM read port, cycle for cycle: the same machine as
// src/sim/dram.ts (the contract of dramTiming in src/ir/arch.ts), so the RTL and the simulator see
// identical memories. Requests are accepted at once and served in order; a request taken on cycle
// t offers its first word from t + latency; after a word is taken the next is offered `interval`
// cycles later at the earliest; an offered word stays offered until it is taken.
#pragma once
#include <cstdint>
#include <deque>

struct DramModel {
  struct Pending {
    uint64_t addr, len, readyAt;
  };
  uint64_t latency = 1, interval = 1;
  std::deque<Pending> queue;
  uint64_t idx = 0, nextAt = 0, words = 0;

  DramModel(uint64_t lat, uint64_t iv) : latency(lat), interval(iv) {}
  bool valid(uint64_t cycle) const { return !queue.empty() && cycle >= queue.front().readyAt && cycle >= nextAt; }
  uint64_t addr() const { return queue.empty() ? 0 : queue.front().addr + idx; }
  // End of a cycle: the offered word was taken (valid and ready); a request was presented.
  void step(uint64_t cycle, bool taken, bool request, uint64_t reqAddr, uint64_t reqLen) {
    if (taken) {
      words++;
      nextAt = cycle + interval;
      if (++idx == queue.front().len) {
        idx = 0;
        queue.pop_front();
      }
    }
    if (request) queue.push_back({reqAddr, reqLen, cycle + latency});
  }
};
