// Verilator C++ harness for the generated BitLinear engine: long randomized runs from the same
// vector files the cocotb benches read. Drives tokens with seeded random input stalls and output
// back-pressure, checks every output bit-exactly, and reports cycles per token.
//
// usage: engine_harness --vectors F --seed N --in-stall P --out-stall P [--max-tokens N]
//          [--first-token N] [--serial] [--weights F (load-port and DRAM designs)] [--report K]
//          [--dram-latency N --dram-interval N (DRAM designs: the memory's timing, dram_model.h)]
//          [--trace F --trace-from C --trace-to C (builds with -DBNHW_TRACE)]
// Prints one JSON document on stdout. A mismatch names the token (index in the vector file), its
// layer, the output row, the cycle of the output beat and of the token's first input beat.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "Vbnhw_engine.h"
#include "dram_model.h"
#include "verilated.h"
#ifdef BNHW_TRACE
#include "verilated_fst_c.h"
#endif

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
    if (hdr[1] > (1u << 24) || hdr[2] > (1u << 24)) return false;
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

// xorshift32: the same generator as src/sim/stream.ts and hw/cocotb/bnhw_tb.py.
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


struct Options {
  const char* vectors = nullptr;
  uint32_t seed = 1, inStall = 0, outStall = 0;
  uint64_t maxTokens = UINT64_MAX, firstToken = 0;
  bool serial = false;
  const char* weights = nullptr;
  const char* trace = nullptr;
  uint64_t traceFrom = 0, traceTo = 0;
  uint64_t report = 8;
  uint64_t progress = 0;  // > 0: draw vectors done/total with an ETA on stderr (a terminal)
  const char* dump = nullptr;  // write every output beat (u32 little-endian, in order) to this file
  uint64_t dramLatency = 0, dramInterval = 0;
};

// Progress on stderr at most four times a second: vectors done of the total, rate and ETA.
class Progress {
 public:
  explicit Progress(uint64_t total) : total_(total), t0_(std::chrono::steady_clock::now()), last_(t0_) {}
  void update(uint64_t done) {
    if (!total_) return;
    const auto now = std::chrono::steady_clock::now();
    if (done < total_ && now - last_ < std::chrono::milliseconds(250)) return;
    last_ = now;
    const double s = std::chrono::duration<double>(now - t0_).count();
    const double eta = done ? s * static_cast<double>(total_ - done) / static_cast<double>(done) : 0.0;
    std::fprintf(stderr, "\rverilator: %llu/%llu token vectors (%3.0f%%), %.0f s elapsed, ETA %.0f s   ", (unsigned long long)done,
                 (unsigned long long)total_, 100.0 * static_cast<double>(done) / static_cast<double>(total_), s, eta);
    if (done >= total_) std::fprintf(stderr, "\n");
    std::fflush(stderr);
  }
 private:
  uint64_t total_;
  std::chrono::steady_clock::time_point t0_, last_;
};

bool parse(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; i++) {
    const std::string a = argv[i];
    auto val = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    const char* v = nullptr;
    if (a == "--serial") { o.serial = true; continue; }
    if (!(v = val())) return false;
    if (a == "--vectors") o.vectors = v;
    else if (a == "--seed") o.seed = static_cast<uint32_t>(std::strtoul(v, nullptr, 10));
    else if (a == "--in-stall") o.inStall = static_cast<uint32_t>(std::atoi(v));
    else if (a == "--out-stall") o.outStall = static_cast<uint32_t>(std::atoi(v));
    else if (a == "--max-tokens") o.maxTokens = std::strtoull(v, nullptr, 10);
    else if (a == "--first-token") o.firstToken = std::strtoull(v, nullptr, 10);
    else if (a == "--weights") o.weights = v;
    else if (a == "--trace") o.trace = v;
    else if (a == "--trace-from") o.traceFrom = std::strtoull(v, nullptr, 10);
    else if (a == "--trace-to") o.traceTo = std::strtoull(v, nullptr, 10);
    else if (a == "--report") o.report = std::strtoull(v, nullptr, 10);
    else if (a == "--progress") o.progress = std::strtoull(v, nullptr, 10);
    else if (a == "--dump") o.dump = v;
    else if (a == "--dram-latency") o.dramLatency = std::strtoull(v, nullptr, 10);
    else if (a == "--dram-interval") o.dramInterval = std::strtoull(v, nullptr, 10);
    else return false;
  }
  return o.vectors != nullptr;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse(argc, argv, o)) {
    std::fprintf(stderr, "usage: %s --vectors F --seed N --in-stall P --out-stall P [--max-tokens N] [--first-token N] [--serial] [--weights F] [--trace F --trace-from C --trace-to C] [--report K] [--progress TOTAL] [--dump F]\n", argv[0]);
    return 2;
  }
  VectorReader inFile(o.vectors), outFile(o.vectors);
  if (!inFile.ok() || !outFile.ok()) {
    std::printf("{\"error\": \"cannot read vectors from the vector file\"}\n");
    return 2;
  }

  auto ctx = std::make_unique<VerilatedContext>();
  auto top = std::make_unique<Vbnhw_engine>(ctx.get());
  XorShift32 rng(o.seed);
#ifdef BNHW_TRACE
  std::unique_ptr<VerilatedFstC> tfp;
  if (o.trace) {
    ctx->traceEverOn(true);
    tfp = std::make_unique<VerilatedFstC>();
    top->trace(tfp.get(), 99);
    tfp->open(o.trace);
  }
#else
  if (o.trace) {
    std::printf("{\"error\": \"this harness was built without tracing\"}\n");
    return 2;
  }
#endif
  uint64_t cycle = 0;
  auto tick = [&]() {
    top->clk = 1;
    top->eval();
#ifdef BNHW_TRACE
    if (tfp && cycle >= o.traceFrom && cycle <= o.traceTo) tfp->dump(2 * cycle + 1);
#endif
    top->clk = 0;
    top->eval();
#ifdef BNHW_TRACE
    if (tfp && cycle + 1 >= o.traceFrom && cycle + 1 <= o.traceTo) tfp->dump(2 * cycle + 2);
#endif
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
  if (!o.weights) {
    std::printf("{\"error\": \"load-port design: pass --weights with the weights hex file\"}\n");
    return 2;
  }
  const auto image = readHex(o.weights);
  for (std::size_t a = 0; a < image.size(); a++) {
    top->w_we = 1;
    top->w_addr = static_cast<uint32_t>(a);
    setWord(top->w_data, image[a]);
    tick();
  }
  top->w_we = 0;
#endif
#ifdef BNHW_DRAM
  // DRAM designs: the weight image is the memory behind the port.
  if (!o.weights || !o.dramLatency || !o.dramInterval) {
    std::printf("{\"error\": \"DRAM design: pass --weights, --dram-latency and --dram-interval\"}\n");
    return 2;
  }
  const auto image = readHex(o.weights);
  DramModel dram(o.dramLatency, o.dramInterval);
  top->w_ar_ready = 1;
#endif

  Token inT, outT;
  // Skip to the first token to run (a rerun of one failing token).
  for (uint64_t s = 0; s < o.firstToken; s++) {
    if (!inFile.next(inT) || !outFile.next(outT)) {
      std::printf("{\"error\": \"the vector file has only %llu tokens\"}\n", (unsigned long long)s);
      return 2;
    }
  }
  bool inHave = o.maxTokens > 0 && inFile.next(inT);
  bool outHave = o.maxTokens > 0 && outFile.next(outT);
  uint64_t inTok = 0, outTok = 0;
  size_t inIdx = 0, outIdx = 0;
  uint64_t lastProgress = 0, mismatches = 0;
  std::string firsts;
  std::vector<uint64_t> perLayer;
  std::vector<uint64_t> starts;  // first-beat cycle of tokens in flight, in order
  std::string tokenLog;
  const uint64_t logLimit = 4096;
  // Cycles count from the end of reset (and of the weight load), as the simulator's do.
  cycle = 0;
  Progress progress(o.progress);
  std::vector<uint32_t> dumped;
  while (outHave) {
    const bool offer = inHave && (!o.serial || inTok == outTok) && !rng.percent(o.inStall);
    top->s_valid = offer ? 1 : 0;
    if (inHave) {
      top->s_data = inT.x[inIdx];
      top->s_layer = inT.layer;
    }
    top->m_ready = rng.percent(o.outStall) ? 0 : 1;
#ifdef BNHW_DRAM
    const bool rValid = dram.valid(cycle);
    top->w_r_valid = rValid ? 1 : 0;
    if (rValid) {
      if (dram.addr() >= image.size()) {
        std::printf("{\"error\": \"the engine requested weight word %llu past the image's %zu words\", \"cycle\": %llu}\n", (unsigned long long)dram.addr(), image.size(), (unsigned long long)cycle);
        return 1;
      }
      setWord(top->w_r_data, image[dram.addr()]);
    }
#endif
    top->eval();
#ifdef BNHW_DRAM
    dram.step(cycle, rValid && top->w_r_ready, top->w_ar_valid != 0, top->w_ar_addr, top->w_ar_len);
#endif
    const bool inFire = top->s_valid && top->s_ready;
    const bool outFire = top->m_valid && top->m_ready;
    if (outFire) {
      const uint32_t got = top->m_data;
      if (o.dump) dumped.push_back(got);
      const uint32_t want = outT.y[outIdx];
      const bool lastWant = outIdx + 1 == outT.y.size();
      if (got != want || (top->m_last != 0) != lastWant) {
        if (perLayer.size() <= outT.layer) perLayer.resize(outT.layer + 1, 0);
        perLayer[outT.layer]++;
        if (mismatches < o.report) {
          char buf[320];
          std::snprintf(buf, sizeof buf,
                        "%s{\"token\": %llu, \"layer\": %u, \"row\": %zu, \"cycle\": %llu, \"token_start_cycle\": %llu, \"got\": \"%08x\", \"want\": \"%08x\", \"last_got\": %d, \"last_want\": %d}",
                        mismatches ? ", " : "", (unsigned long long)(o.firstToken + outTok), outT.layer, outIdx,
                        (unsigned long long)cycle, (unsigned long long)(starts.empty() ? 0 : starts.front()), got, want,
                        top->m_last ? 1 : 0, lastWant ? 1 : 0);
          firsts += buf;
        }
        mismatches++;
      }
      if (++outIdx == outT.y.size()) {
        if (outTok < logLimit) {
          char buf[96];
          std::snprintf(buf, sizeof buf, "%s[%u, %llu, %llu]", outTok ? ", " : "", outT.layer, (unsigned long long)(starts.empty() ? 0 : starts.front()), (unsigned long long)cycle);
          tokenLog += buf;
        }
        if (!starts.empty()) starts.erase(starts.begin());
        outIdx = 0;
        outTok++;
        progress.update(outTok);
        outHave = outTok < o.maxTokens && outFile.next(outT);
      }
      lastProgress = cycle;
    }
    if (inFire) {
      if (inIdx == 0) starts.push_back(cycle);
      if (++inIdx == inT.x.size()) {
        inIdx = 0;
        inTok++;
        inHave = inTok < o.maxTokens && inFile.next(inT);
      }
      lastProgress = cycle;
    }
    tick();
    cycle++;
    if (cycle - lastProgress > 2000000) {
      std::printf("{\"error\": \"deadlock: no input or output beat for 2,000,000 cycles\", \"cycle\": %llu, \"tokens_in\": %llu, \"tokens_out\": %llu}\n",
                  (unsigned long long)cycle, (unsigned long long)inTok, (unsigned long long)outTok);
      return 1;
    }
  }
  if (o.dump) {
    std::ofstream df(o.dump, std::ios::binary);
    for (const uint32_t w : dumped) {
      const unsigned char b[4] = {static_cast<unsigned char>(w), static_cast<unsigned char>(w >> 8), static_cast<unsigned char>(w >> 16), static_cast<unsigned char>(w >> 24)};
      df.write(reinterpret_cast<const char*>(b), 4);
    }
    if (!df) {
      std::printf("{\"error\": \"cannot write the output dump\"}\n");
      return 2;
    }
  }
  std::string perLayerJson;
  for (std::size_t i = 0; i < perLayer.size(); i++) perLayerJson += (i ? ", " : "") + std::to_string(perLayer[i]);
  std::printf("{\"vectors\": %llu, \"mismatches\": %llu, \"cycles\": %llu, \"c_error\": %d, \"first_mismatches\": [%s], \"per_layer_mismatches\": [%s], \"tokens\": [%s]}\n",
              (unsigned long long)outTok, (unsigned long long)mismatches, (unsigned long long)cycle, top->c_error,
              firsts.c_str(), perLayerJson.c_str(), tokenLog.c_str());
#ifdef BNHW_TRACE
  if (tfp) tfp->close();
#endif
  top->final();
  return mismatches ? 1 : 0;
}
