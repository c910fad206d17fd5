// The external memory behind a DRAM read port, cycle for cycle: the same machine as
// src/sim/dram.ts (the contract of dramTiming in src/ir/arch.ts), so the RTL and the simulator see
// identical memories. Requests are accepted at once and served in order; a request taken on cycle
// t offers its first word from t + latency; after a word is taken the next is offered `interval`
// cycles later at the earliest; an offered word stays offered until it is taken. With it, the
// weight image's reader and the setters of wide ports that both harnesses use.
#pragma once
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <string>
#include <vector>

#include "verilated.h"

// Wide-port setters: Verilator maps a port to CData/SData/IData/QData or VlWide<N> by width.
inline void setWord(CData& d, const std::vector<uint32_t>& w) { d = static_cast<CData>(w[0]); }
inline void setWord(SData& d, const std::vector<uint32_t>& w) { d = static_cast<SData>(w[0]); }
inline void setWord(IData& d, const std::vector<uint32_t>& w) { d = w[0]; }
inline void setWord(QData& d, const std::vector<uint32_t>& w) { d = w[0] | (static_cast<QData>(w.size() > 1 ? w[1] : 0) << 32); }
template <std::size_t N>
void setWord(VlWide<N>& d, const std::vector<uint32_t>& w) {
  for (std::size_t i = 0; i < N; i++) d[i] = i < w.size() ? w[i] : 0;
}

// Hex image (one word per line, most significant digit first) -> 32-bit little-endian limbs.
inline std::vector<std::vector<uint32_t>> readHex(const char* path) {
  std::vector<std::vector<uint32_t>> words;
  std::ifstream f(path);
  std::string line;
  while (std::getline(f, line)) {
    if (line.empty()) continue;
    std::vector<uint32_t> limbs;
    for (int end = static_cast<int>(line.size()); end > 0; end -= 8) {
      const int begin = end - 8 > 0 ? end - 8 : 0;
      limbs.push_back(static_cast<uint32_t>(std::strtoul(line.substr(begin, end - begin).c_str(), nullptr, 16)));
    }
    words.push_back(limbs);
  }
  return words;
}

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
