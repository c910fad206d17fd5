"""cocotb bench for the adder-tree MAC array (bnhw_mac_array).

Driver:  random int8 activation words and weight-code words, framed into dot products of random
         length (first/last), frames back to back as the issuer sends tiles, with random idle
         cycles; worst-case frames (all activations -128 with every weight -1, or +127 with +1;
         all zero weights).
Monitor: every out_last cycle: the lanes' finished sums.
Model:   an integer dot product per lane (independent of the RTL's sign-folding trick).
Checker: every frame's sums bit-exact and in order, within the derived width.
"""
import cocotb
from cocotb.triggers import ReadOnly, RisingEdge

from bnhw_tb import XorShift32, env_int, start_clock_and_reset


def weight_value(code, ternary):
    if ternary:
        return {0: -1, 1: 0, 2: 1}[code]
    return 1 if code else -1


@cocotb.test()
async def mac_array_matches_model(dut):
    P = env_int("BNHW_P", 4)
    S = env_int("BNHW_S", 8)
    ternary = env_int("BNHW_TERNARY", 1) == 1
    acc_w = env_int("BNHW_ACCW", 20)
    frames = env_int("BNHW_FRAMES", 200)
    seed = env_int("BNHW_SEED", 1)
    cb = 2 if ternary else 1
    rng = XorShift32(seed)
    dut._log.info("seed=%d P=%d S=%d ternary=%s frames=%d", seed, P, S, ternary, frames)
    dut.in_valid.value = 0
    dut.in_first.value = 0
    dut.in_last.value = 0
    dut.in_act.value = 0
    dut.in_w.value = 0
    await start_clock_and_reset(dut)

    def rand_code():
        if ternary:
            return rng.next() % 3
        return rng.next() & 1

    expected = []
    results = []

    async def monitor():
        while True:
            await ReadOnly()
            if int(dut.out_last.value):
                bus = int(dut.out_acc.value)
                got = []
                for p in range(P):
                    v = (bus >> (p * acc_w)) & ((1 << acc_w) - 1)
                    got.append(v - (1 << acc_w) if v >> (acc_w - 1) else v)
                results.append(got)
            await RisingEdge(dut.clk)

    cocotb.start_soon(monitor())
    for f in range(frames):
        kind = f % 10
        chunks = 1 + rng.next() % 9
        sums = [0] * P
        for k in range(chunks):
            acts = []
            codes = []
            for s in range(S):
                if kind == 0:
                    a = -128
                elif kind == 1:
                    a = 127
                else:
                    a = (rng.next() % 256) - 128
                acts.append(a)
            for p in range(P):
                for s in range(S):
                    if kind == 0:
                        c = 0  # -1 with -128: the largest positive sum
                    elif kind == 1:
                        c = 2 if ternary else 1
                    elif kind == 2 and ternary:
                        c = 1  # all zero weights
                    else:
                        c = rand_code()
                    codes.append(c)
                    sums[p] += weight_value(c, ternary) * acts[s]
            act_word = 0
            for s, a in enumerate(acts):
                act_word |= (a & 0xFF) << (8 * s)
            w_word = 0
            for i, c in enumerate(codes):
                w_word |= c << (cb * i)
            while rng.percent(20):  # idle cycles between chunks
                dut.in_valid.value = 0
                await RisingEdge(dut.clk)
            dut.in_valid.value = 1
            dut.in_first.value = 1 if k == 0 else 0
            dut.in_last.value = 1 if k == chunks - 1 else 0
            dut.in_act.value = act_word
            dut.in_w.value = w_word
            await RisingEdge(dut.clk)
        expected.append(sums)
    dut.in_valid.value = 0
    for _ in range(64):
        await RisingEdge(dut.clk)
    assert len(results) == len(expected), f"{len(results)} results for {len(expected)} frames"
    for f, (got, want) in enumerate(zip(results, expected)):
        assert got == want, f"frame {f}: accumulators {got} != model {want}"
    dut._log.info("checked %d frames", frames)
