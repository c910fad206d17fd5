"""cocotb bench for the whole BitLinear engine (bnhw_engine).

Driver:  streams each token's binary32 activations with seeded random input stalls.
Monitor: collects output beats under seeded random back-pressure (m_ready low).
Model:   the TypeScript reference's expected outputs from the vector file.
Checker: every output word bit-exact, m_last on each token's last row, no extra beats.

Environment: BNHW_VECTORS (file), BNHW_SEED, BNHW_IN_STALL, BNHW_OUT_STALL, BNHW_MAX_TOKENS,
BNHW_FIRST_TOKEN (rerun from a token), BNHW_SERIAL (one token in flight), BNHW_RESULT (a JSON
result file: tokens checked, cycles, mismatches per layer, the first mismatches, the token log).
"""
import json
import os

import cocotb
from cocotb.triggers import RisingEdge, ReadOnly

from bnhw_tb import XorShift32, env_int, read_engine_vectors, start_clock_and_reset

RESET_CYCLES = 3
CLOCK_NS = 10


def resolved(sig):
    """The signal's integer value, or None when any bit is X or Z (4-state simulators)."""
    v = sig.value
    return int(v) if v.is_resolvable else None


@cocotb.test()
async def engine_matches_reference(dut):
    seed = env_int("BNHW_SEED", 1)
    in_stall = env_int("BNHW_IN_STALL", 25)
    out_stall = env_int("BNHW_OUT_STALL", 25)
    first = env_int("BNHW_FIRST_TOKEN", 0)
    serial = env_int("BNHW_SERIAL", 0) != 0
    tokens = read_engine_vectors(os.environ["BNHW_VECTORS"], first + env_int("BNHW_MAX_TOKENS", 1 << 30))[first:]
    dut._log.info("seed=%d in_stall=%d%% out_stall=%d%% tokens=%d first=%d", seed, in_stall, out_stall, len(tokens), first)
    rng = XorShift32(seed)
    dut.s_valid.value = 0
    dut.m_ready.value = 0
    dut.s_data.value = 0
    dut.s_layer.value = 0
    await start_clock_and_reset(dut)

    in_tok = in_idx = out_tok = out_idx = 0
    mismatches = 0
    per_layer = {}
    firsts = []
    starts = []
    log = []
    cycles = 0
    last_progress = 0
    error = None
    while out_tok < len(tokens):
        # Driver and back-pressure for this cycle.
        offer = in_tok < len(tokens) and (not serial or in_tok == out_tok) and not rng.percent(in_stall)
        dut.s_valid.value = 1 if offer else 0
        if in_tok < len(tokens):
            dut.s_data.value = tokens[in_tok][1][in_idx]
            dut.s_layer.value = tokens[in_tok][0]
        dut.m_ready.value = 0 if rng.percent(out_stall) else 1
        await ReadOnly()
        # An X or Z on a handshake is a protocol failure: treat it as a beat that carries X data.
        s_ready = resolved(dut.s_ready)
        m_valid = resolved(dut.m_valid)
        in_fire = offer and s_ready == 1
        out_fire = int(dut.m_ready.value) and m_valid != 0
        if out_fire:  # monitor + checker
            layer, _, want_rows = tokens[out_tok]
            got = resolved(dut.m_data) if m_valid == 1 else None
            last = resolved(dut.m_last)
            last_want = int(out_idx == len(want_rows) - 1)
            if got is None or got != want_rows[out_idx] or last != last_want:
                per_layer[layer] = per_layer.get(layer, 0) + 1
                if len(firsts) < 8:
                    firsts.append(dict(token=first + out_tok, layer=layer, row=out_idx, cycle=cycles,
                                       token_start_cycle=starts[0] if starts else 0,
                                       got="xxxxxxxx" if got is None else f"{got:08x}", want=f"{want_rows[out_idx]:08x}",
                                       last_got=-1 if last is None else last, last_want=last_want))
                mismatches += 1
            out_idx += 1
            if out_idx == len(want_rows):
                log.append([layer, starts.pop(0) if starts else 0, cycles])
                out_idx = 0
                out_tok += 1
        if in_fire:
            if in_idx == 0:
                starts.append(cycles)
            in_idx += 1
            if in_idx == len(tokens[in_tok][1]):
                in_idx = 0
                in_tok += 1
        if in_fire or out_fire:
            last_progress = cycles
        await RisingEdge(dut.clk)
        cycles += 1
        if cycles - last_progress > 200_000:
            error = f"deadlock: no input or output beat for 200,000 cycles (cycle {cycles}, {in_tok} tokens in, {out_tok} out)"
            break
    dut._log.info("checked %d tokens in %d cycles, %d mismatches", len(tokens), cycles, mismatches)
    result = os.environ.get("BNHW_RESULT")
    if result:
        n_layers = max([t[0] for t in tokens] + [-1]) + 1
        with open(result, "w") as f:
            json.dump(dict(**({"error": error} if error else {}), vectors=out_tok, mismatches=mismatches, cycles=cycles, c_error=1 if resolved(dut.c_error) != 0 else 0,
                           first_mismatches=firsts, per_layer_mismatches=[per_layer.get(i, 0) for i in range(n_layers)],
                           tokens=log[:4096], reset_cycles=RESET_CYCLES, clock_ns=CLOCK_NS), f)
    assert error is None, error
    assert mismatches == 0, f"{mismatches} mismatching outputs, first {firsts[:1]}"
    assert resolved(dut.c_error) == 0
