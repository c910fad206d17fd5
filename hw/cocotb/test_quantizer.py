"""cocotb bench for the activation quantizer (bnhw_quantizer).

Driver:  streams binary32 activations with seeded random stalls; toggles buf_free randomly so
         the quantizer must wait for the activation buffer.
Monitor: captures the int8 code words written to the buffer port and the token scale (A, ea).
Model:   src/numerics quantizeHw via the TypeScript-written vector file.
Checker: every code, A and the exponent bit-exact.
"""
import os

import cocotb
from cocotb.triggers import ReadOnly, RisingEdge

from bnhw_tb import XorShift32, env_int, read_quant_vectors, start_clock_and_reset


@cocotb.test()
async def quantizer_matches_reference(dut):
    seed = env_int("BNHW_SEED", 1)
    stall = env_int("BNHW_IN_STALL", 25)
    vecs = read_quant_vectors(os.environ["BNHW_QVECTORS"])
    dut._log.info("seed=%d stall=%d%% tokens=%d", seed, stall, len(vecs))
    rng = XorShift32(seed)
    for sig in (dut.s_valid, dut.s_data, dut.buf_free, dut.cfg_n, dut.cfg_chunks, dut.cfg_qscale,
                dut.cfg_half_away, dut.cfg_eps, dut.cfg_layer):
        sig.value = 0
    await start_clock_and_reset(dut)
    S = vecs[0]["s"] if vecs else 1
    for ti, v in enumerate(vecs):
        words = {}
        idx = 0
        done = False
        cycles = 0
        while not done:
            offer = idx < v["n"] and not rng.percent(stall)
            dut.s_valid.value = 1 if offer else 0
            dut.s_data.value = v["x"][idx] if idx < v["n"] else 0
            dut.cfg_n.value = v["n"]
            dut.cfg_chunks.value = v["chunks"]
            dut.cfg_qscale.value = v["qscale"]
            dut.cfg_half_away.value = v["half_away"]
            dut.cfg_eps.value = v["eps"] & 0x7FFFFFFF
            dut.cfg_layer.value = 0
            dut.buf_free.value = 0 if rng.percent(30) else 1
            await ReadOnly()
            if int(dut.s_valid.value) and int(dut.s_ready.value):
                idx += 1
            if int(dut.q_we.value):
                words[int(dut.q_waddr.value)] = int(dut.q_wdata.value)
            if int(dut.done.value):
                done = True
                assert int(dut.a_out.value) == v["a"], f"token {ti}: A {int(dut.a_out.value)} != {v['a']}"
                assert int(dut.ea_out.value) == v["ea"], f"token {ti}: ea {int(dut.ea_out.value)} != {v['ea']}"
            await RisingEdge(dut.clk)
            cycles += 1
            assert cycles < 1_000_000, "quantizer made no progress"
        for c in range(v["chunks"]):
            w = words.get(c)
            assert w is not None, f"token {ti}: word {c} never written"
            for s in range(S):
                b = (w >> (8 * s)) & 0xFF
                got = b - 256 if b >= 128 else b
                want = v["q"][c * S + s]
                assert got == want, f"token {ti}: code {c * S + s} = {got}, expected {want}"
    dut._log.info("checked %d tokens", len(vecs))
