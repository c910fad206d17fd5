// Verilator C++ harness for the generated BitLinear engine: long randomized runs from the same
// vector files the cocotb benches read. Drives tokens with seeded random input stalls and output
// back-pressure, checks every output bit-exactly, and reports cycles per token.
//
// usage: engine_harness <vectors.txt> <seed> <in_stall_percent> <out_stall_percent> [max_tokens]
// prints one JSON document on stdout.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "Vbnhw_engine.h"
#include "verilated.h"

namespace {

struct Token {
  uint32_t layer;
  std::vector<uint32_t> x;
  std::vector<uint32_t> y;
};

// xorshift32: the same generator as src/verify/stalls.ts and hw/cocotb/bnhw_tb.py.
struct XorShift32 {
  uint32_t s;
  explicit XorShift32(uint32_t seed) : s(seed ? seed : 0x9e3779b9u) {}
  uint32_t next() {
    s ^= s << 13;
    s ^= s >> 17;
    s ^= s << 5;
    return s;
  }
  bool percent(uint32_t p) { return (next() % 100u) < p; }
};

bool readVectors(const char* path, std::vector<Token>& out) {
  std::ifstream f(path);
  if (!f) return false;
  std::string line;
  if (!std::getline(f, line) || line.rfind("bnhw-vectors 1", 0) != 0) return false;
  Token cur{};
  size_t n = 0, m = 0;
  while (std::getline(f, line)) {
    if (line.empty()) continue;
    std::istringstream is(line);
    char tag = 0;
    is >> tag;
    if (tag == 'T') {
      is >> cur.layer >> n >> m;
      cur.x.clear();
      cur.y.clear();
    } else if (tag == 'X' || tag == 'Y') {
      std::string w;
      auto& dst = tag == 'X' ? cur.x : cur.y;
      while (is >> w) dst.push_back(static_cast<uint32_t>(std::strtoul(w.c_str(), nullptr, 16)));
      if (tag == 'Y') {
        if (cur.x.size() != n || cur.y.size() != m) return false;
        out.push_back(cur);
      }
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: %s vectors seed in_stall_pct out_stall_pct [max_tokens]\n", argv[0]);
    return 2;
  }
  std::vector<Token> tokens;
  if (!readVectors(argv[1], tokens)) {
    std::fprintf(stderr, "cannot read vectors from %s\n", argv[1]);
    return 2;
  }
  const uint32_t seed = static_cast<uint32_t>(std::strtoul(argv[2], nullptr, 10));
  const uint32_t inStall = static_cast<uint32_t>(std::atoi(argv[3]));
  const uint32_t outStall = static_cast<uint32_t>(std::atoi(argv[4]));
  if (argc > 5) {
    size_t maxTokens = static_cast<size_t>(std::atol(argv[5]));
    if (tokens.size() > maxTokens) tokens.resize(maxTokens);
  }

  auto ctx = std::make_unique<VerilatedContext>();
  auto top = std::make_unique<Vbnhw_engine>(ctx.get());
  XorShift32 rng(seed);

  auto tick = [&]() {
    top->clk = 1;
    top->eval();
    top->clk = 0;
    top->eval();
  };
  top->clk = 0;
  top->rst = 1;
  top->s_valid = 0;
  top->m_ready = 0;
  top->eval();
  tick();
  tick();
  top->rst = 0;

  size_t inTok = 0, inIdx = 0, outTok = 0, outIdx = 0;
  uint64_t cycle = 0, lastProgress = 0, mismatches = 0;
  std::vector<uint64_t> start(tokens.size(), 0), finish(tokens.size(), 0);
  std::string firstMismatch;
  while (outTok < tokens.size()) {
    // Drive inputs for this cycle (decided before the rising edge).
    bool offer = inTok < tokens.size() && !rng.percent(inStall);
    top->s_valid = offer ? 1 : 0;
    if (inTok < tokens.size()) {
      top->s_data = tokens[inTok].x[inIdx];
      top->s_layer = tokens[inTok].layer;
    }
    bool ready = !rng.percent(outStall);
    top->m_ready = ready ? 1 : 0;
    top->eval();
    const bool inFire = top->s_valid && top->s_ready;
    const bool outFire = top->m_valid && top->m_ready;
    if (outFire) {
      const Token& t = tokens[outTok];
      const uint32_t got = top->m_data;
      const uint32_t want = t.y[outIdx];
      const bool lastWant = outIdx + 1 == t.y.size();
      if (got != want || (top->m_last != 0) != lastWant) {
        if (mismatches == 0) {
          char buf[200];
          std::snprintf(buf, sizeof buf, "{\"token\": %zu, \"row\": %zu, \"got\": \"%08x\", \"want\": \"%08x\", \"last\": %d}", outTok, outIdx, got, want, top->m_last);
          firstMismatch = buf;
        }
        mismatches++;
      }
      if (++outIdx == t.y.size()) {
        finish[outTok] = cycle;
        outIdx = 0;
        outTok++;
      }
      lastProgress = cycle;
    }
    if (inFire) {
      if (inIdx == 0) start[inTok] = cycle;
      if (++inIdx == tokens[inTok].x.size()) {
        inIdx = 0;
        inTok++;
      }
      lastProgress = cycle;
    }
    tick();
    cycle++;
    if (cycle - lastProgress > 2000000) {
      std::printf("{\"error\": \"deadlock\", \"cycle\": %llu, \"tokens_in\": %zu, \"tokens_out\": %zu}\n", (unsigned long long)cycle, inTok, outTok);
      return 1;
    }
  }
  std::printf("{\"vectors\": %zu, \"mismatches\": %llu, \"cycles\": %llu, \"c_error\": %d, \"first_mismatch\": %s, \"tokens\": [",
              tokens.size(), (unsigned long long)mismatches, (unsigned long long)cycle, top->c_error, firstMismatch.empty() ? "null" : firstMismatch.c_str());
  const size_t shown = tokens.size() < 4096 ? tokens.size() : 4096;
  for (size_t i = 0; i < shown; i++) {
    std::printf("%s[%u, %llu, %llu]", i ? ", " : "", tokens[i].layer, (unsigned long long)start[i], (unsigned long long)finish[i]);
  }
  std::printf("]}\n");
  top->final();
  return mismatches ? 1 : 0;
}
