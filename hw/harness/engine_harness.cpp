// Verilator C++ harness for the generated BitLinear engine: long randomized runs from the same
// vector files the cocotb benches read. Drives tokens with seeded random input stalls and output
// back-pressure, checks every output bit-exactly, and reports cycles per token.
//
// usage: engine_harness <vectors.bin> <seed> <in_stall_percent> <out_stall_percent> [max_tokens [serial [weights.hex]]]
// (the weights file is required by load-port designs, built with -DBNHW_LOAD_PORT)
// prints one JSON document on stdout.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "Vbnhw_engine.h"
#include "verilated.h"

namespace {

struct Token {
  uint32_t layer = 0;
  std::vector<uint32_t> x;
  std::vector<uint32_t> y;
};

// Binary vector file (little-endian u32): magic "BNHWVEC1", then per token: layer, n, out,
// n input words, out expected output words. Read as a stream: constant memory for any length.
class VectorReader {
 public:
  explicit VectorReader(const char* path) : f_(path, std::ios::binary) {
    char magic[8] = {0};
    f_.read(magic, 8);
    ok_ = f_.good() && std::string(magic, 8) == "BNHWVEC1";
  }
  bool ok() const { return ok_; }
  bool next(Token& t) {
    uint32_t hdr[3];
    if (!f_.read(reinterpret_cast<char*>(hdr), sizeof hdr)) return false;
    t.layer = hdr[0];
    t.x.resize(hdr[1]);
    t.y.resize(hdr[2]);
    f_.read(reinterpret_cast<char*>(t.x.data()), 4 * static_cast<std::streamsize>(hdr[1]));
    f_.read(reinterpret_cast<char*>(t.y.data()), 4 * static_cast<std::streamsize>(hdr[2]));
    return static_cast<bool>(f_);
  }
 private:
  std::ifstream f_;
  bool ok_ = false;
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

#ifdef BNHW_LOAD_PORT
// Wide-port setters: Verilator maps a port to CData/SData/IData/QData or VlWide<N> by width.
void setWord(CData& d, const std::vector<uint32_t>& w) { d = static_cast<CData>(w[0]); }
void setWord(SData& d, const std::vector<uint32_t>& w) { d = static_cast<SData>(w[0]); }
void setWord(IData& d, const std::vector<uint32_t>& w) { d = w[0]; }
void setWord(QData& d, const std::vector<uint32_t>& w) { d = w[0] | (static_cast<QData>(w.size() > 1 ? w[1] : 0) << 32); }
template <std::size_t N>
void setWord(VlWide<N>& d, const std::vector<uint32_t>& w) {
  for (std::size_t i = 0; i < N; i++) d[i] = i < w.size() ? w[i] : 0;
}

// Hex image (one word per line, most significant digit first) -> 32-bit little-endian limbs.
std::vector<std::vector<uint32_t>> readHex(const char* path) {
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
#endif

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: %s vectors seed in_stall_pct out_stall_pct [max_tokens]\n", argv[0]);
    return 2;
  }
  VectorReader inFile(argv[1]), outFile(argv[1]);
  if (!inFile.ok() || !outFile.ok()) {
    std::fprintf(stderr, "cannot read vectors from %s\n", argv[1]);
    return 2;
  }
  const uint32_t seed = static_cast<uint32_t>(std::strtoul(argv[2], nullptr, 10));
  const uint32_t inStall = static_cast<uint32_t>(std::atoi(argv[3]));
  const uint32_t outStall = static_cast<uint32_t>(std::atoi(argv[4]));
  const uint64_t maxTokens = argc > 5 ? std::strtoull(argv[5], nullptr, 10) : UINT64_MAX;
  // serial: offer a token only after every output of the previous one left (isolated latency).
  const bool serial = argc > 6 && std::atoi(argv[6]) != 0;

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
#ifdef BNHW_LOAD_PORT
  // Load-port designs: the host writes the weight memory through w_we/w_addr/w_data first.
  if (argc < 8) {
    std::fprintf(stderr, "load-port design: pass the weights hex file as the 7th argument\n");
    return 2;
  }
  const auto image = readHex(argv[7]);
  for (std::size_t a = 0; a < image.size(); a++) {
    top->w_we = 1;
    top->w_addr = static_cast<uint32_t>(a);
    setWord(top->w_data, image[a]);
    tick();
  }
  top->w_we = 0;
#endif

  Token inT, outT;
  bool inHave = maxTokens > 0 && inFile.next(inT);
  bool outHave = maxTokens > 0 && outFile.next(outT);
  uint64_t inTok = 0, outTok = 0;
  size_t inIdx = 0, outIdx = 0;
  uint64_t cycle = 0, lastProgress = 0, mismatches = 0;
  std::string firstMismatch;
  std::vector<uint64_t> starts;  // first-beat cycle of tokens in flight, in order
  std::string tokenLog;
  const uint64_t logLimit = 4096;
  while (outHave) {
    const bool offer = inHave && (!serial || inTok == outTok) && !rng.percent(inStall);
    top->s_valid = offer ? 1 : 0;
    if (inHave) {
      top->s_data = inT.x[inIdx];
      top->s_layer = inT.layer;
    }
    top->m_ready = rng.percent(outStall) ? 0 : 1;
    top->eval();
    const bool inFire = top->s_valid && top->s_ready;
    const bool outFire = top->m_valid && top->m_ready;
    if (outFire) {
      const uint32_t got = top->m_data;
      const uint32_t want = outT.y[outIdx];
      const bool lastWant = outIdx + 1 == outT.y.size();
      if (got != want || (top->m_last != 0) != lastWant) {
        if (mismatches == 0) {
          char buf[200];
          std::snprintf(buf, sizeof buf, "{\"token\": %llu, \"row\": %zu, \"got\": \"%08x\", \"want\": \"%08x\", \"last\": %d}",
                        (unsigned long long)outTok, outIdx, got, want, top->m_last);
          firstMismatch = buf;
        }
        mismatches++;
      }
      if (++outIdx == outT.y.size()) {
        if (outTok < logLimit) {
          char buf[96];
          std::snprintf(buf, sizeof buf, "%s[%u, %llu, %llu]", outTok ? ", " : "", outT.layer, (unsigned long long)starts.front(), (unsigned long long)cycle);
          tokenLog += buf;
        }
        starts.erase(starts.begin());
        outIdx = 0;
        outTok++;
        outHave = outTok < maxTokens && outFile.next(outT);
      }
      lastProgress = cycle;
    }
    if (inFire) {
      if (inIdx == 0) starts.push_back(cycle);
      if (++inIdx == inT.x.size()) {
        inIdx = 0;
        inTok++;
        inHave = inTok < maxTokens && inFile.next(inT);
      }
      lastProgress = cycle;
    }
    tick();
    cycle++;
    if (cycle - lastProgress > 2000000) {
      std::printf("{\"error\": \"deadlock\", \"cycle\": %llu, \"tokens_in\": %llu, \"tokens_out\": %llu}\n",
                  (unsigned long long)cycle, (unsigned long long)inTok, (unsigned long long)outTok);
      return 1;
    }
  }
  std::printf("{\"vectors\": %llu, \"mismatches\": %llu, \"cycles\": %llu, \"c_error\": %d, \"first_mismatch\": %s, \"tokens\": [%s]}\n",
              (unsigned long long)outTok, (unsigned long long)mismatches, (unsigned long long)cycle, top->c_error,
              firstMismatch.empty() ? "null" : firstMismatch.c_str(), tokenLog.c_str());
  top->final();
  return mismatches ? 1 : 0;
}
