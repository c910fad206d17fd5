"""cocotb bench for the fp32 units of the whole-model accelerator (bnhw_fpu_tb: bnhw_fadd,
bnhw_fmul, bnhw_fdiv and bnhw_fsqrt side by side, all four driven at once; bnhw_fexp_tb: the exp).
The vector file names the units present in the top.

Driver:  the adder, multiplier and exp take operands in any cycle (seeded random idle cycles);
         the divider and square root one per operation, in the cycle their contract frees them or
         after seeded random idle cycles; while one works, the driver often holds in_v high with
         random operands, which the unit must ignore.
Monitor: every out_v beat with the cycle it came in.
Model:   src/numerics fpUnitBits (IEEE binary32, round to nearest even, subnormals kept, NaN
         0x7FC00000; the exp is expHw, arguments <= 0), through the vector file TypeScript wrote: edge operand pairs, then seeded
         random pairs aimed at every path.
Checker: every result bit-exact and exactly on its contract cycle (latency for the pipelines,
         occupancy for the iterative units: out_v low the cycle before, busy while working),
         none lost or extra. Mismatches are counted per unit and the first ones named (index,
         operands, result, expected) in the BNHW_RESULT document.

Environment: BNHW_FPVECTORS (file), BNHW_SEED, BNHW_STALL (percent), BNHW_RESULT.
"""
import os
import struct
from collections import deque

import cocotb
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge, Timer

from bnhw_tb import CLOCK_NS, XorShift32, env_int, fail_fast, now, reset, resolved, write_result

OPS = ["add", "mul", "div", "sqrt", "exp"]
ONE_OPERAND = ("sqrt", "exp")


def read_fp_vectors(path):
    with open(path, "rb") as f:
        if f.read(8) != b"BNHWFP01":
            raise ValueError(f"{path}: not a BNHWFP01 vector file")
        data = f.read()
    units, o = {}, 0
    while o < len(data):
        op, cycles, n = struct.unpack_from("<3I", data, o)
        o += 12
        triples = [struct.unpack_from("<3I", data, o + 12 * i) for i in range(n)]
        o += 12 * n
        units[OPS[op]] = (cycles, triples)
    return units




class Checker:
    def __init__(self, unit, stop_at_first=False):
        self.unit, self.checked, self.mismatches, self.first = unit, 0, 0, []
        self.stop_at_first = stop_at_first

    @property
    def stop(self):
        """A mutation run (fail_fast) needs one difference: the driver stops at the first."""
        return self.stop_at_first and self.mismatches > 0

    def check(self, index, a, b, want, got, cycle, due):
        self.checked += 1
        if got != want or cycle != due:
            self.mismatches += 1
            if len(self.first) < 8:
                self.first.append({
                    "unit": self.unit, "index": index, "a": f"0x{a:08x}", "b": f"0x{b:08x}",
                    "expected": f"0x{want:08x}", "got": "X" if got is None else f"0x{got:08x}",
                    "cycle": cycle, "due_cycle": due,
                })


async def pipelined(dut, unit, latency, vecs, rng, stall, chk):
    """Operands in any cycle; each result exactly `latency` cycles later, in order."""
    in_v, in_a = getattr(dut, f"{unit}_in_v"), getattr(dut, f"{unit}_a")
    in_b = None if unit in ONE_OPERAND else getattr(dut, f"{unit}_b")
    out_v, out_y = getattr(dut, f"{unit}_out_v"), getattr(dut, f"{unit}_y")
    queue, sent = deque(), 0
    while (sent < len(vecs) or queue) and not chk.stop:
        if sent < len(vecs) and not rng.percent(stall):
            a, b, _ = vecs[sent]
            in_v.value, in_a.value = 1, a
            if in_b is not None:
                in_b.value = b
            queue.append((now() + latency, sent))
            sent += 1
        else:
            in_v.value = 0
        await ReadOnly()
        t = now()
        valid = resolved(out_v)
        if valid:
            if not queue:
                chk.check(-1, 0, 0, 0, resolved(out_y), t, -1)
            else:
                due, i = queue.popleft()
                a, b, want = vecs[i]
                chk.check(i, a, b, want, resolved(out_y), t, due)
        elif queue and queue[0][0] <= t:
            due, i = queue.popleft()
            a, b, want = vecs[i]
            chk.check(i, a, b, want, None, t, due)
        await RisingEdge(dut.clk)
    in_v.value = 0


async def iterative(dut, unit, cycles, vecs, rng, stall, chk, has_b):
    """One operation at a time: issued while idle, result exactly `cycles` cycles after issue,
    the next one issued in that cycle or after idle cycles."""
    in_v, in_a = getattr(dut, f"{unit}_in_v"), getattr(dut, f"{unit}_a")
    in_b = getattr(dut, f"{unit}_b") if has_b else None
    busy, out_v, out_y = getattr(dut, f"{unit}_busy"), getattr(dut, f"{unit}_out_v"), getattr(dut, f"{unit}_y")
    pending = None

    async def settle_pending():
        nonlocal pending
        await ReadOnly()
        if pending is not None:
            i, a, b, want, due = pending
            got = resolved(out_y) if resolved(out_v) else None
            chk.check(i, a, b, want, got, now() if got is not None else -1, due)
            pending = None

    for i, (a, b, want) in enumerate(vecs):
        if chk.stop:
            break
        gap = rng.next() % 4 if rng.percent(stall) else 0
        for _ in range(gap):
            in_v.value = 0
            await settle_pending()
            await RisingEdge(dut.clk)
        in_v.value, in_a.value = 1, a
        if in_b is not None:
            in_b.value = b
        issue = now()
        await settle_pending()
        if resolved(busy) != 0:
            chk.check(i, a, b, want, None, now(), -2)  # busy in its own free cycle
        await RisingEdge(dut.clk)
        # the cycle after the issue: busy already (an input register holds the operation)
        await ReadOnly()
        if resolved(busy) != 1:
            chk.check(i, a, b, want, None, now(), -4)
        await FallingEdge(dut.clk)
        if rng.percent(50):
            # operands offered while busy: the contract says they are ignored
            in_v.value, in_a.value = 1, rng.next()
            if in_b is not None:
                in_b.value = rng.next()
        else:
            in_v.value = 0
        # the middle of the cycle before the result: out_v still low, the unit still busy
        await Timer(CLOCK_NS * (cycles - 2), units="ns")
        if resolved(out_v) != 0 or resolved(busy) != 1:
            chk.check(i, a, b, want, None, now(), -3)
        await RisingEdge(dut.clk)
        pending = (i, a, b, want, issue + cycles)
    in_v.value = 0
    await settle_pending()


@cocotb.test()
async def fp_units_match_numerics(dut):
    seed = env_int("BNHW_SEED", 1)
    stall = env_int("BNHW_STALL", 20)
    units = read_fp_vectors(os.environ["BNHW_FPVECTORS"])
    dut._log.info("seed=%d stall=%d%% %s", seed, stall, " ".join(f"{u}:{len(v[1])}@{v[0]}" for u, v in units.items()))
    for u in units:
        getattr(dut, f"{u}_in_v").value = 0
        getattr(dut, f"{u}_a").value = 0
        if u not in ONE_OPERAND:
            getattr(dut, f"{u}_b").value = 0
    await reset(dut)  # the clock runs inside bnhw_fpu_tb
    start = now()
    checkers, tasks = {}, []
    for k, u in enumerate(OPS):
        if u not in units:
            continue
        cycles, vecs = units[u]
        chk = checkers[u] = Checker(u, fail_fast())
        rng = XorShift32(seed + 7919 * (k + 1))
        if u in ("add", "mul", "exp"):
            tasks.append(cocotb.start_soon(pipelined(dut, u, cycles, vecs, rng, stall, chk)))
        else:
            tasks.append(cocotb.start_soon(iterative(dut, u, cycles, vecs, rng, stall, chk, u == "div")))
    for t in tasks:
        await t
    doc = {
        "seed": seed,
        "stall_percent": stall,
        "cycles": now() - start,
        "units": {u: {"checked": c.checked, "mismatches": c.mismatches, "contract_cycles": units[u][0]} for u, c in checkers.items()},
        "first_mismatches": [m for c in checkers.values() for m in c.first],
    }
    write_result(doc)
    for u, c in checkers.items():
        dut._log.info("%s: %d checked, %d mismatches", u, c.checked, c.mismatches)
    bad = [m for c in checkers.values() for m in c.first]
    assert not bad, f"fp units differ from the numerics: {bad[:3]}"
    for u, c in checkers.items():
        assert c.checked == len(units[u][1]), f"{u}: checked {c.checked} of {len(units[u][1])}"
