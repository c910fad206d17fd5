// Verilator C++ harness for the whole-model accelerator (bnhw_top, built with its action
// counters): runs blocks of tokens through the host interface with seeded random input stalls and
// output back-pressure, and checks each run against the simulator's record of it, written by
// src/verify/whole.ts: the logits bit for bit, the argmax, the run's cycles, the cycle every
// instruction issued in, and every action counter's change.
//
// usage: whole_harness --vectors F --seed N --in-stall P --out-stall P [--wlog F]
//          [--trace F --trace-from C --trace-to C (builds with -DBNHW_TRACE)] [--report K]
// Prints one JSON document on stdout. A mismatch names the run, its first position, what
// differed (issue, cycles, logit, token, action), the instruction (pc) where that is known and
// the harness cycle, so that a waveform of the window can be asked for. --wlog writes every
// scratchpad write (run, cycle of the run, last issued pc, word address, data: u32 each), from
// which the TS side finds the first instruction whose results differ.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "Vbnhw_top.h"
#include "dram_model.h"
#include "verilated.h"
#ifdef BNHW_TRACE
#include "verilated_fst_c.h"
#endif

namespace {

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

struct Run {
  uint32_t rows = 0, flags = 0, cycles = 0, token = 0, position = 0;
  std::vector<uint32_t> tokens, logits, issue;
  std::vector<uint64_t> acts;
};

// Vector file (little-endian u32): magic "BNWHVEC2"; vocab, counters, instructions, runs, lanes,
// line bits, KV cache banks, K and V address bits, KV element bits; then per run: rows, flags (bit 0 clear, bit 1 logits), position, cycles, token
// (0xffffffff: not checked), the tokens, the logits (vocab words, with logits), the counters'
// changes (u64 as lo, hi), each instruction's issue cycle.
struct Header {
  uint32_t vocab = 0, counters = 0, instructions = 0, runs = 0, lanes = 0, lineBits = 0;
  uint32_t kvBanks = 0, kAddrBits = 0, vAddrBits = 0, kvBits = 0;
};

bool readRun(std::ifstream& f, const Header& h, Run& r) {
  uint32_t w[5];
  if (!f.read(reinterpret_cast<char*>(w), sizeof w)) return false;
  r.rows = w[0];
  r.flags = w[1];
  r.position = w[2];
  r.cycles = w[3];
  r.token = w[4];
  if (r.rows < 1 || r.rows > 4096) return false;
  r.tokens.resize(r.rows);
  f.read(reinterpret_cast<char*>(r.tokens.data()), 4 * static_cast<std::streamsize>(r.rows));
  r.logits.resize((r.flags & 2u) ? h.vocab : 0);
  f.read(reinterpret_cast<char*>(r.logits.data()), 4 * static_cast<std::streamsize>(r.logits.size()));
  r.acts.resize(h.counters);
  for (auto& a : r.acts) {
    uint32_t lohi[2];
    f.read(reinterpret_cast<char*>(lohi), sizeof lohi);
    a = lohi[0] | (static_cast<uint64_t>(lohi[1]) << 32);
  }
  r.issue.resize(h.instructions);
  f.read(reinterpret_cast<char*>(r.issue.data()), 4 * static_cast<std::streamsize>(h.instructions));
  return static_cast<bool>(f);
}

// Bits of a wide port: Verilator maps a port to IData/QData or VlWide<N> by width.
template <typename T>
uint64_t bitsOf(const T& d, unsigned lo, unsigned w) {
  const uint64_t x = static_cast<uint64_t>(d) >> lo;
  return w >= 64 ? x : (x & ((1ull << w) - 1));
}
template <std::size_t N>
uint64_t bitsOf(const VlWide<N>& d, unsigned lo, unsigned w) {
  uint64_t v = 0;
  for (unsigned i = 0; i < w; i++) {
    const unsigned b = lo + i;
    v |= static_cast<uint64_t>((d[b / 32] >> (b % 32)) & 1u) << i;
  }
  return v;
}

struct Options {
  const char* vectors = nullptr;
  const char* wlog = nullptr;
  const char* trace = nullptr;
  const char* serveIn = nullptr;
  const char* serveOut = nullptr;
  uint64_t traceFrom = 0, traceTo = 0;
  uint32_t seed = 1, inStall = 0, outStall = 0, report = 8;
  const char* dramImage = nullptr;
  uint64_t dramLatency = 0, dramInterval = 0;
  const char* tdramImage = nullptr;
  uint64_t tdramLatency = 0, tdramInterval = 0;
};

std::string jsonStr(const std::string& s) {
  std::string o = "\"";
  for (char c : s) o += (c == '"' || c == '\\') ? std::string("\\") + c : std::string(1, c);
  return o + "\"";
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    const char* v = argv[i + 1];
    if (a == "--vectors") o.vectors = v;
    else if (a == "--seed") o.seed = static_cast<uint32_t>(std::strtoul(v, nullptr, 10));
    else if (a == "--in-stall") o.inStall = static_cast<uint32_t>(std::strtoul(v, nullptr, 10));
    else if (a == "--out-stall") o.outStall = static_cast<uint32_t>(std::strtoul(v, nullptr, 10));
    else if (a == "--wlog") o.wlog = v;
    else if (a == "--trace") o.trace = v;
    else if (a == "--trace-from") o.traceFrom = std::strtoull(v, nullptr, 10);
    else if (a == "--trace-to") o.traceTo = std::strtoull(v, nullptr, 10);
    else if (a == "--report") o.report = static_cast<uint32_t>(std::strtoul(v, nullptr, 10));
    else if (a == "--dram-image") o.dramImage = v;
    else if (a == "--dram-latency") o.dramLatency = std::strtoull(v, nullptr, 10);
    else if (a == "--dram-interval") o.dramInterval = std::strtoull(v, nullptr, 10);
    else if (a == "--tdram-image") o.tdramImage = v;
    else if (a == "--tdram-latency") o.tdramLatency = std::strtoull(v, nullptr, 10);
    else if (a == "--tdram-interval") o.tdramInterval = std::strtoull(v, nullptr, 10);
    else if (a == "--serve" && i + 2 < argc) {
      o.serveIn = v;
      o.serveOut = argv[i + 2];
      i++;
    } else {
      std::printf("{\"error\": \"unknown argument %s\"}\n", a.c_str());
      return 2;
    }
  }
  if (!o.vectors && !o.serveIn) {
    std::fprintf(stderr, "usage: %s (--vectors F | --serve REQUESTS RESPONSES --instructions N) --seed N --in-stall P --out-stall P [--wlog F] [--trace F --trace-from C --trace-to C] [--report K]\n", argv[0]);
    return 2;
  }
  std::ifstream f;
  Header h;
  if (o.vectors) {
    f.open(o.vectors, std::ios::binary);
    char magic[8] = {0};
    f.read(magic, 8);
    if (!f || std::string(magic, 8) != "BNWHVEC2" || !f.read(reinterpret_cast<char*>(&h), sizeof h)) {
      std::printf("{\"error\": \"not a whole-model vector file: %s\"}\n", o.vectors);
      return 2;
    }
  }
  std::ofstream wlog;
  if (o.wlog) wlog.open(o.wlog, std::ios::binary);

  auto ctx = std::make_unique<VerilatedContext>();
  auto top = std::make_unique<Vbnhw_top>(ctx.get());
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
#ifdef BNHW_DRAM
  // The weights' external memory, stepped at every clock edge: its outputs for a cycle are set
  // when the previous one ends, and it sees what the design took and asked for (register outputs)
  // just before the edge.
  if (!o.dramImage || !o.dramLatency || !o.dramInterval || !o.tdramImage || !o.tdramLatency || !o.tdramInterval) {
    std::printf("{\"error\": \"weights in DRAM: pass --dram-image, --dram-latency, --dram-interval and the tables' --tdram-image, --tdram-latency, --tdram-interval\"}\n");
    return 2;
  }
  // two memories: the engine's weights (w_*) and the head unit's tables (t_*)
  const auto image = readHex(o.dramImage);
  const auto timage = readHex(o.tdramImage);
  DramModel dram(o.dramLatency, o.dramInterval);
  DramModel tdram(o.tdramLatency, o.tdramInterval);
  bool dramValid = false, tdramValid = false;
  top->w_ar_ready = 1;
  top->w_r_valid = 0;
  top->t_ar_ready = 1;
  top->t_r_valid = 0;
#endif
  auto tick = [&]() {
#ifdef BNHW_DRAM
    dram.step(cycle, dramValid && top->w_r_ready, top->w_ar_valid != 0, top->w_ar_addr, top->w_ar_len);
    tdram.step(cycle, tdramValid && top->t_r_ready, top->t_ar_valid != 0, top->t_ar_addr, top->t_ar_len);
#endif
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
    cycle++;
#ifdef BNHW_DRAM
    dramValid = dram.valid(cycle);
    if (dramValid && dram.addr() >= image.size()) {
      // a request past the weight image: the design is wrong, and nothing after it is meaningful
      std::printf("{\"error\": \"the engine read weight word %llu, past the image's %zu, on cycle %llu\"}\n", (unsigned long long)dram.addr(), image.size(), (unsigned long long)cycle);
      std::exit(1);
    }
    top->w_r_valid = dramValid ? 1 : 0;
    if (dramValid) setWord(top->w_r_data, image[dram.addr()]);
    tdramValid = tdram.valid(cycle);
    if (tdramValid && tdram.addr() >= timage.size()) {
      std::printf("{\"error\": \"the head unit read table line %llu, past the image's %zu, on cycle %llu\"}\n", (unsigned long long)tdram.addr(), timage.size(), (unsigned long long)cycle);
      std::exit(1);
    }
    top->t_r_valid = tdramValid ? 1 : 0;
    if (tdramValid) setWord(top->t_r_data, timage[tdram.addr()]);
#endif
  };
  top->clk = 0;
  top->rst = 1;
  top->in_valid = 0;
  top->out_ready = 0;
  top->eval();
  tick();
  tick();
  top->rst = 0;

  const unsigned K = h.counters;
  std::vector<uint64_t> prevActs(K, 0);
  auto actNow = [&](unsigned k) { return bitsOf(top->act, 48 * k, 48); };
  uint64_t mismatches = 0, checkedRuns = 0, logitsChecked = 0;
  std::string firsts;
  unsigned reported = 0;
  std::string cyclesLog;
  auto report = [&](uint32_t run, const Run& r, const char* kind, int64_t pc, uint64_t got, uint64_t want, uint64_t at, int64_t index) {
    mismatches++;
    if (reported >= o.report) return;
    reported++;
    char buf[400];
    std::snprintf(buf, sizeof buf, "%s{\"run\": %u, \"position\": %u, \"rows\": %u, \"kind\": %s, \"pc\": %lld, \"index\": %lld, \"got\": %llu, \"want\": %llu, \"cycle\": %llu}",
                  firsts.empty() ? "" : ", ", run, r.position, r.rows, jsonStr(kind).c_str(), static_cast<long long>(pc), static_cast<long long>(index),
                  static_cast<unsigned long long>(got), static_cast<unsigned long long>(want), static_cast<unsigned long long>(at));
    firsts += buf;
  };

  // One run through the host interface: the block's tokens with random input stalls, then its
  // result with random back-pressure; the cycle each instruction issued in (from the simulator's
  // cycle 0) when `issue` is sized.
  struct Outcome {
    std::vector<uint32_t> logits;
    bool outLogits = false, outError = false;
    uint32_t token = 0, none = 0;
    uint64_t start = 0;
  };
  // `limit`: the most cycles the run and its result may take before the harness gives up (a
  // design that waits for ever must not hold the check for hours).
  auto drive = [&](uint32_t run, const std::vector<uint32_t>& tokens, uint32_t flags, std::vector<uint32_t>& issue, Outcome& out, uint64_t limit) -> const char* {
    uint32_t sent = 0;
    uint64_t guard = cycle;
    while (sent < tokens.size()) {
      const bool offer = !rng.percent(o.inStall);
      top->in_valid = offer ? 1 : 0;
      top->in_token = tokens[sent];
      top->in_last = (sent + 1 == tokens.size()) ? 1 : 0;
      top->in_logits = (flags & 2u) ? 1 : 0;
      top->in_clear = (flags & 1u) ? 1 : 0;
      top->out_ready = 0;
      top->eval();
      if (offer && top->in_ready) {
        sent++;
        // the run starts in the next cycle; the simulator's cycle 0 is the start cycles after it
        if (sent == tokens.size()) out.start = cycle + 1 + 3;
      }
      tick();
      if (cycle - guard > 1000000) return "the top takes no tokens";
    }
    top->in_valid = 0;
    bool haveToken = false, ended = false;
    guard = cycle;
    uint32_t lastPc = 0;
    while (!ended) {
      top->out_ready = rng.percent(o.outStall) ? 0 : 1;
      top->eval();
      if (top->issue_v) {
        lastPc = top->issue_pc;
        if (lastPc < issue.size() && issue[lastPc] == 0xffffffffu) issue[lastPc] = static_cast<uint32_t>(cycle - out.start);
      }
      if (wlog.is_open()) {
        for (unsigned b = 0; b < h.lanes; b++) {
          if (!((bitsOf(top->dbg_w_en, b, 1)) & 1u)) continue;
          const uint32_t rec[5] = {run, static_cast<uint32_t>(cycle - out.start), lastPc,
                                   static_cast<uint32_t>(bitsOf(top->dbg_w_addr, b * h.lineBits, h.lineBits) * h.lanes + b),
                                   static_cast<uint32_t>(bitsOf(top->dbg_w_data, 32 * b, 32))};
          wlog.write(reinterpret_cast<const char*>(rec), sizeof rec);
        }
        // the KV cache's writes: bit 31 set, bit 30 for V, then line * banks + bank
        for (unsigned kv = 0; kv < 2; kv++) {
          for (unsigned b = 0; b < h.kvBanks; b++) {
            if (!((bitsOf(kv ? top->dbg_vw_en : top->dbg_kw_en, b, 1)) & 1u)) continue;
            const uint64_t line = kv ? bitsOf(top->dbg_vw_addr, 0, h.vAddrBits) : bitsOf(top->dbg_kw_addr, 0, h.kAddrBits);
            const uint32_t rec[5] = {run, static_cast<uint32_t>(cycle - out.start), lastPc,
                                     0x80000000u | (kv << 30) | static_cast<uint32_t>(line * h.kvBanks + b),
                                     static_cast<uint32_t>(bitsOf(kv ? top->dbg_vw_data : top->dbg_kw_data, h.kvBits * b, h.kvBits))};
            wlog.write(reinterpret_cast<const char*>(rec), sizeof rec);
          }
        }
      }
      if (top->out_valid && top->out_ready) {
        out.outLogits = top->out_logits;
        out.outError = top->out_error;
        if (out.outLogits) out.logits.push_back(top->out_data);
        if (!haveToken) {
          out.token = top->out_token;
          out.none = top->out_none;
          haveToken = true;
        }
        ended = top->out_last;
      }
      tick();
      if (cycle - guard > limit) {
        static std::string msg;
        msg = "no result within " + std::to_string(limit) + " cycles";
        return msg.c_str();
      }
    }
    return nullptr;
  };

  if (o.serveIn) {
    // Serve mode: requests (u32 rows, flags, the tokens; rows 0 or the end of the file ends it)
    // answered with u32 status (0, or 1: the block passed the KV cache), cycles, token, none,
    // logits count, the logits.
    FILE* req = std::fopen(o.serveIn, "rb");
    FILE* resp = std::fopen(o.serveOut, "wb");
    if (!req || !resp) return 2;
    for (uint32_t run = 0;; run++) {
      uint32_t hdr[2];
      if (std::fread(hdr, 4, 2, req) != 2 || hdr[0] == 0) break;
      std::vector<uint32_t> tokens(hdr[0]);
      if (std::fread(tokens.data(), 4, tokens.size(), req) != tokens.size()) break;
      std::vector<uint32_t> issue;
      Outcome out;
      if (const char* err = drive(run, tokens, hdr[1], issue, out, 2000000000ull)) {
        std::fprintf(stderr, "run %u: %s\n", run, err);
        return 1;
      }
      const uint32_t head[5] = {out.outError ? 1u : 0u, static_cast<uint32_t>(top->run_cycles), out.token, out.none, static_cast<uint32_t>(out.logits.size())};
      std::fwrite(head, 4, 5, resp);
      std::fwrite(out.logits.data(), 4, out.logits.size(), resp);
      std::fflush(resp);
    }
    std::fclose(resp);
    std::fclose(req);
    top->final();
    return 0;
  }

  Run r;
  for (uint32_t run = 0; run < h.runs; run++) {
    if (!readRun(f, h, r)) {
      std::printf("{\"error\": \"the vector file ends inside run %u\"}\n", run);
      return 2;
    }
    std::vector<uint32_t> issue(h.instructions, 0xffffffffu);
    Outcome out;
    if (const char* err = drive(run, r.tokens, r.flags, issue, out, 2ull * r.cycles + 1000000ull)) {
      std::printf("{\"error\": \"run %u: %s\"}\n", run, err);
      return 1;
    }
    const uint64_t start = out.start;
    const std::vector<uint32_t>& got = out.logits;
    const bool outLogits = out.outLogits, outError = out.outError;
    const uint32_t token = out.token, none = out.none;
    checkedRuns++;
    const uint32_t cycles = top->run_cycles;
    cyclesLog += (cyclesLog.empty() ? "" : ", ") + std::to_string(cycles);
    // ---- checks, timing first: the first instruction that issued on another cycle ----
    for (uint32_t pc = 0; pc < h.instructions; pc++) {
      if (issue[pc] != r.issue[pc]) {
        report(run, r, "issue", pc, issue[pc], r.issue[pc], start + r.issue[pc], -1);
        break;
      }
    }
    if (outError) report(run, r, "error", -1, 1, 0, cycle, -1);
    if (cycles != r.cycles) report(run, r, "cycles", -1, cycles, r.cycles, cycle, -1);
    if ((r.flags & 2u) != 0) {
      if (!outLogits || got.size() != r.logits.size()) report(run, r, "logits_count", -1, got.size(), r.logits.size(), cycle, -1);
      else {
        for (size_t i = 0; i < got.size(); i++) {
          if (got[i] != r.logits[i]) {
            report(run, r, "logit", -1, got[i], r.logits[i], cycle, static_cast<int64_t>(i));
            break;
          }
        }
        logitsChecked += got.size();
      }
      const uint32_t t = none ? 0xfffffffeu : token;
      if (r.token != 0xffffffffu && t != r.token) report(run, r, "token", -1, t, r.token, cycle, -1);
    } else if (outLogits) report(run, r, "logits_unasked", -1, 1, 0, cycle, -1);
    for (unsigned k = 0; k < K; k++) {
      const uint64_t now = actNow(k);
      const uint64_t d = (now - prevActs[k]) & ((1ull << 48) - 1);
      if (d != r.acts[k]) report(run, r, "action", k, d, r.acts[k], cycle, static_cast<int64_t>(k));
      prevActs[k] = now;
    }
    if (top->engine_error) report(run, r, "engine_error", -1, 1, 0, cycle, -1);
  }
  std::printf("{\"runs\": %llu, \"mismatches\": %llu, \"logits_checked\": %llu, \"cycles\": [%s], \"harness_cycles\": %llu, \"first_mismatches\": [%s]}\n",
              static_cast<unsigned long long>(checkedRuns), static_cast<unsigned long long>(mismatches), static_cast<unsigned long long>(logitsChecked), cyclesLog.c_str(),
              static_cast<unsigned long long>(cycle), firsts.c_str());
#ifdef BNHW_TRACE
  if (tfp) tfp->close();
#endif
  top->final();
  return mismatches == 0 ? 0 : 1;
}
