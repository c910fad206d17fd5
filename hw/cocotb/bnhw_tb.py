"""Shared cocotb verification components for bitnet-hw: vector reader, seeded stall generator,
clock/reset, stream driver and monitor. Benches are driver -> DUT -> monitor -> checker, with the
expected values (the model) coming from the TypeScript reference through vector files."""
import json
import os
import struct

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import ReadOnly, RisingEdge
from cocotb.utils import get_sim_time

# The benches' clock period: rising edges at CLOCK_NS, 2 CLOCK_NS, ... (made by cocotb or in Verilog).
CLOCK_NS = 10


def now():
    """The current clock cycle (rising edges every CLOCK_NS from time 0)."""
    return int(get_sim_time("ns")) // CLOCK_NS


def resolved(sig):
    """A signal's value as an integer, or None while it holds X or Z bits."""
    v = sig.value
    return int(v) if v.is_resolvable else None


class XorShift32:
    """The same generator as hw/harness/engine_harness.cpp and src/verify/stalls.ts."""

    def __init__(self, seed):
        self.s = (seed & 0xFFFFFFFF) or 0x9E3779B9

    def next(self):
        s = self.s
        s ^= (s << 13) & 0xFFFFFFFF
        s ^= s >> 17
        s ^= (s << 5) & 0xFFFFFFFF
        self.s = s
        return s

    def percent(self, p):
        return (self.next() % 100) < p


def read_engine_vectors(path, limit=None):
    """Binary 'BNHWVEC1' file: per token layer, n, out, n input words, out expected words."""
    tokens = []
    with open(path, "rb") as f:
        if f.read(8) != b"BNHWVEC1":
            raise ValueError(f"{path}: not a BNHWVEC1 vector file")
        while limit is None or len(tokens) < limit:
            hdr = f.read(12)
            if len(hdr) < 12:
                break
            layer, n, out = struct.unpack("<3I", hdr)
            x = list(struct.unpack(f"<{n}I", f.read(4 * n)))
            y = list(struct.unpack(f"<{out}I", f.read(4 * out)))
            tokens.append((layer, x, y))
    return tokens


def read_quant_vectors(path):
    """Binary 'BNHWQV01' file: per token n, chunks, qscale, half_away, eps, a, ea, x[n], q[chunks*S]."""
    out = []
    with open(path, "rb") as f:
        if f.read(8) != b"BNHWQV01":
            raise ValueError(f"{path}: not a BNHWQV01 vector file")
        (s,) = struct.unpack("<I", f.read(4))
        while True:
            hdr = f.read(28)
            if len(hdr) < 28:
                break
            n, chunks, qscale, half_away, eps, a, ea = struct.unpack("<7I", hdr)
            x = list(struct.unpack(f"<{n}I", f.read(4 * n)))
            q = list(struct.unpack(f"<{chunks * s}b", f.read(chunks * s)))
            out.append(dict(n=n, chunks=chunks, qscale=qscale, half_away=half_away, eps=eps, a=a, ea=ea, x=x, q=q, s=s))
    return out


def write_result(doc):
    """The bench's result document for the TypeScript side, where BNHW_RESULT names a file."""
    path = os.environ.get("BNHW_RESULT")
    if path:
        with open(path, "w") as f:
            json.dump(doc, f, indent=1)


def env_int(name, default):
    return int(os.environ.get(name, str(default)))


def fail_fast():
    """A mutation run (BNHW_FAIL_FAST) needs one difference: the bench stops at the first."""
    return env_int("BNHW_FAIL_FAST", 0) != 0


async def reset(dut):
    """Reset held for three rising edges of a running clock."""
    dut.rst.value = 1
    for _ in range(3):
        await RisingEdge(dut.clk)
    dut.rst.value = 0


async def start_clock_and_reset(dut):
    cocotb.start_soon(Clock(dut.clk, 10, units="ns").start())
    await reset(dut)


async def sample(dut):
    """Wait until the values of the current cycle have settled (just before the next edge)."""
    await ReadOnly()
