"""cocotb bench for the whole BitLinear engine (bnhw_engine).

Driver:  streams each token's binary32 activations with seeded random input stalls.
Monitor: collects output beats under seeded random back-pressure (m_ready low).
Model:   the TypeScript reference's expected outputs from the vector file.
Checker: every output word bit-exact, m_last on each token's last row, no extra beats.
"""
import os

import cocotb
from cocotb.triggers import RisingEdge, ReadOnly

from bnhw_tb import XorShift32, env_int, read_engine_vectors, start_clock_and_reset


@cocotb.test()
async def engine_matches_reference(dut):
    seed = env_int("BNHW_SEED", 1)
    in_stall = env_int("BNHW_IN_STALL", 25)
    out_stall = env_int("BNHW_OUT_STALL", 25)
    tokens = read_engine_vectors(os.environ["BNHW_VECTORS"], env_int("BNHW_MAX_TOKENS", 1 << 30))
    dut._log.info("seed=%d in_stall=%d%% out_stall=%d%% tokens=%d", seed, in_stall, out_stall, len(tokens))
    rng = XorShift32(seed)
    dut.s_valid.value = 0
    dut.m_ready.value = 0
    dut.s_data.value = 0
    dut.s_layer.value = 0
    await start_clock_and_reset(dut)

    expected = [(t[0], t[2]) for t in tokens]
    in_tok = in_idx = out_tok = out_idx = 0
    mismatches = 0
    first_bad = None
    cycles = 0
    while out_tok < len(tokens):
        # Driver and back-pressure for this cycle.
        offer = in_tok < len(tokens) and not rng.percent(in_stall)
        dut.s_valid.value = 1 if offer else 0
        if in_tok < len(tokens):
            dut.s_data.value = tokens[in_tok][1][in_idx]
            dut.s_layer.value = tokens[in_tok][0]
        dut.m_ready.value = 0 if rng.percent(out_stall) else 1
        await ReadOnly()
        in_fire = int(dut.s_valid.value) and int(dut.s_ready.value)
        out_fire = int(dut.m_valid.value) and int(dut.m_ready.value)
        if out_fire:  # monitor + checker
            want_rows = expected[out_tok][1]
            got = int(dut.m_data.value)
            last = int(dut.m_last.value)
            if got != want_rows[out_idx] or last != (out_idx == len(want_rows) - 1):
                mismatches += 1
                if first_bad is None:
                    first_bad = (out_tok, out_idx, hex(got), hex(want_rows[out_idx]), last)
            out_idx += 1
            if out_idx == len(want_rows):
                out_idx = 0
                out_tok += 1
        if in_fire:
            in_idx += 1
            if in_idx == len(tokens[in_tok][1]):
                in_idx = 0
                in_tok += 1
        await RisingEdge(dut.clk)
        cycles += 1
        assert cycles < 50_000_000, "engine made no progress"
    dut._log.info("checked %d tokens in %d cycles, %d mismatches", len(tokens), cycles, mismatches)
    assert mismatches == 0, f"{mismatches} mismatching outputs, first (token, row, got, want, last) = {first_bad}"
    assert int(dut.c_error.value) == 0
