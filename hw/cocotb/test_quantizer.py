"""cocotb bench for the element quantizer (bnhw_qelem), one int8 code per cycle.

Driver:  elements (x, the token scale s, rounding rule, padding flag) with seeded random idle
         cycles; each carries its index in in_tag.
Monitor: every out_v beat: the code and the tag it came back with.
Model:   src/numerics quantizeElementBits, through the vector file TypeScript wrote (captured
         activations with their token scales, random elements, exact ties, edge values).
Checker: every code bit-exact, in order, none lost or duplicated.
"""
import os
import struct

import cocotb
from cocotb.triggers import ReadOnly, RisingEdge

from bnhw_tb import XorShift32, env_int, start_clock_and_reset


def read_qelem_vectors(path):
    with open(path, "rb") as f:
        if f.read(8) != b"BNHWQE01":
            raise ValueError(f"{path}: not a BNHWQE01 vector file")
        data = f.read()
    return [struct.unpack_from("<IIIi", data, 16 * i) for i in range(len(data) // 16)]


@cocotb.test()
async def quantizer_matches_reference(dut):
    seed = env_int("BNHW_SEED", 1)
    stall = env_int("BNHW_IN_STALL", 25)
    vecs = read_qelem_vectors(os.environ["BNHW_QVECTORS"])
    tag_bits = len(dut.in_tag)
    dut._log.info("seed=%d stall=%d%% elements=%d", seed, stall, len(vecs))
    rng = XorShift32(seed)
    for sig in (dut.in_v, dut.in_x, dut.in_s, dut.in_ha, dut.in_pad, dut.in_tag):
        sig.value = 0
    await start_clock_and_reset(dut)
    sent = got = 0
    cycles = 0
    while got < len(vecs):
        if sent < len(vecs) and not rng.percent(stall):
            x, s, flags, _ = vecs[sent]
            dut.in_v.value = 1
            dut.in_x.value = x
            dut.in_s.value = s & 0x7FFFFFFF
            dut.in_ha.value = flags & 1
            dut.in_pad.value = (flags >> 1) & 1
            dut.in_tag.value = sent % (1 << tag_bits)
            sent += 1
        else:
            dut.in_v.value = 0
        await ReadOnly()
        if int(dut.out_v.value):
            x, s, flags, want = vecs[got]
            q = int(dut.out_q.value)
            q = q - 256 if q >= 128 else q
            tag = int(dut.out_tag.value)
            assert tag == got % (1 << tag_bits), f"element {got}: tag {tag} out of order"
            assert q == want, f"element {got}: x=0x{x:08x} s=0x{s:08x} flags={flags}: code {q}, expected {want}"
            got += 1
        await RisingEdge(dut.clk)
        cycles += 1
        assert cycles < 10_000_000, "quantizer made no progress"
    dut._log.info("checked %d elements", got)
