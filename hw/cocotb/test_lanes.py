"""cocotb bench for the reduction lanes of the whole-model accelerator (bnhw_lanes_tb: bnhw_fsum,
the fixed-order sum, and bnhw_fdot, the product-sum lane, side by side and driven at once).

Driver:  one reduction after another; a term is offered with in_v and counts as taken in a cycle
         where in_ready is high. Reductions marked tight are offered back to back from their
         first term; the others with seeded random idle cycles (in_v low) and idle gaps between
         reductions. While in_ready is low the driver often holds in_v high with random
         operands, which the lane must ignore.
Monitor: every out_v beat with the cycle it came in.
Model:   src/numerics sumF32 / dotF32 (four interleaved fp32 partial sums, (p0 + p1) + (p2 + p3);
         NaN 0x7FC00000), through the vector file TypeScript wrote.
Checker: every result bit-exact and exactly on its contract cycle (a fixed number of cycles after
         the cycle the last term was taken), none lost or extra; in tight reductions every term
         taken exactly on its contract cycle (src/ir/units.ts sumTermCycle); in_ready in every
         cycle exactly as the contract says (no sooner, no later). Mismatches are
         counted per lane and the first ones named (reduction, length, result, expected, cycles)
         in the BNHW_RESULT document.

Environment: BNHW_LANEVECTORS (file), BNHW_SEED, BNHW_STALL (percent), BNHW_RESULT.
"""
import os
import struct
from collections import deque

import cocotb
from cocotb.triggers import ReadOnly, RisingEdge

from bnhw_tb import XorShift32, env_int, fail_fast, now, reset, resolved, write_result

LANES = ["sum", "dot"]
PARTIALS = 4


def read_lane_vectors(path):
    with open(path, "rb") as f:
        if f.read(8) != b"BNHWLN01":
            raise ValueError(f"{path}: not a BNHWLN01 vector file")
        data = f.read()
    lanes, o = {}, 0
    while o < len(data):
        lane, after_last, add_latency, count = struct.unpack_from("<4I", data, o)
        o += 16
        reds = []
        for _ in range(count):
            n, tight, want = struct.unpack_from("<3I", data, o)
            o += 12
            ab = struct.unpack_from(f"<{2 * n}I", data, o)
            o += 8 * n
            reds.append((n, bool(tight), want, ab))
        lanes[LANES[lane]] = (after_last, add_latency, reds)
    return lanes




def term_cycle(i, add_latency):
    """src/ir/units.ts sumTermCycle."""
    return (i // PARTIALS) * max(PARTIALS, add_latency) + i % PARTIALS


class Checker:
    def __init__(self, lane, stop_at_first=False):
        self.lane, self.checked, self.mismatches, self.first = lane, 0, 0, []
        self.stop_at_first = stop_at_first

    @property
    def stop(self):
        """A mutation run (fail_fast) needs one difference: the driver stops at the first."""
        return self.stop_at_first and self.mismatches > 0

    def fail(self, what):
        self.mismatches += 1
        if len(self.first) < 8:
            self.first.append({"lane": self.lane, **what})

    def check(self, index, n, want, got, cycle, due):
        self.checked += 1
        if got != want or cycle != due:
            self.fail({"reduction": index, "n": n, "expected": f"0x{want:08x}",
                       "got": "X" if got is None else f"0x{got:08x}", "cycle": cycle, "due_cycle": due})


async def lane(dut, name, after_last, add_latency, reds, rng, stall, chk):
    in_v, in_a, last = getattr(dut, f"{name}_in_v"), getattr(dut, f"{name}_a"), getattr(dut, f"{name}_last")
    in_b = getattr(dut, f"{name}_b") if name == "dot" else None
    ready, out_v, out_y = getattr(dut, f"{name}_ready"), getattr(dut, f"{name}_out_v"), getattr(dut, f"{name}_y")
    pending = deque()
    r, i, first = 0, 0, None
    # the contract's in_ready: a sum's first term from 3 La + 1 cycles after the last one's, a
    # term of partial j from La cycles after that partial's previous term
    block = 1 + 3 * add_latency
    start_from, taken = 0, []
    while (r < len(reds) or pending) and not chk.stop:
        offered = False
        if r < len(reds):
            n, tight, want, ab = reds[r]
            if (tight and i > 0) or not rng.percent(stall):
                in_v.value, in_a.value, last.value = 1, ab[2 * i], int(i == n - 1)
                if in_b is not None:
                    in_b.value = ab[2 * i + 1]
                offered = True
            elif rng.percent(30):
                # not a term: in_v low with other operands on the wires
                in_v.value, in_a.value, last.value = 0, rng.next(), rng.next() & 1
            else:
                in_v.value = 0
        else:
            in_v.value = 0
        await ReadOnly()
        t = now()
        if r < len(reds):
            want_ready = int(t >= start_from and (i < PARTIALS or t >= taken[i - PARTIALS] + add_latency))
            if resolved(ready) != want_ready:
                chk.fail({"reduction": r, "term": i, "cycle": t, "in_ready": resolved(ready), "contract": want_ready})
        if offered and resolved(ready) == 1:
            if i == 0:
                first, taken = t, []
            taken.append(t)
            if tight and t != first + term_cycle(i, add_latency):
                chk.fail({"reduction": r, "n": n, "term": i, "taken_cycle": t, "due_cycle": first + term_cycle(i, add_latency)})
            i += 1
            if i == n:
                pending.append((t + after_last, r, n, want))
                r, i, start_from = r + 1, 0, t + block
        if resolved(out_v):
            if not pending:
                chk.check(-1, 0, 0, resolved(out_y), t, -1)
            else:
                due, k, n_k, want_k = pending.popleft()
                chk.check(k, n_k, want_k, resolved(out_y), t, due)
        elif pending and pending[0][0] <= t:
            due, k, n_k, want_k = pending.popleft()
            chk.check(k, n_k, want_k, None, t, due)
        await RisingEdge(dut.clk)
    in_v.value = 0


@cocotb.test()
async def lanes_match_numerics(dut):
    seed = env_int("BNHW_SEED", 1)
    stall = env_int("BNHW_STALL", 20)
    lanes = read_lane_vectors(os.environ["BNHW_LANEVECTORS"])
    dut._log.info("seed=%d stall=%d%% %s", seed, stall,
                  " ".join(f"{u}:{len(v[2])} sums, {sum(x[0] for x in v[2])} terms, result {v[0]} after the last" for u, v in lanes.items()))
    for u in LANES:
        getattr(dut, f"{u}_in_v").value = 0
        getattr(dut, f"{u}_a").value = 0
        getattr(dut, f"{u}_last").value = 0
    dut.dot_b.value = 0
    await reset(dut)
    start = now()
    checkers, tasks = {}, []
    for k, u in enumerate(LANES):
        if u not in lanes:
            continue
        after_last, add_latency, reds = lanes[u]
        chk = checkers[u] = Checker(u, fail_fast())
        tasks.append(cocotb.start_soon(lane(dut, u, after_last, add_latency, reds, XorShift32(seed + 104729 * (k + 1)), stall, chk)))
    for t in tasks:
        await t
    doc = {
        "seed": seed,
        "stall_percent": stall,
        "cycles": now() - start,
        "lanes": {u: {"checked": c.checked, "mismatches": c.mismatches, "after_last": lanes[u][0],
                      "terms": sum(x[0] for x in lanes[u][2])} for u, c in checkers.items()},
        "first_mismatches": [m for c in checkers.values() for m in c.first],
    }
    write_result(doc)
    for u, c in checkers.items():
        dut._log.info("%s: %d sums checked, %d mismatches", u, c.checked, c.mismatches)
    bad = [m for c in checkers.values() for m in c.first]
    assert not bad, f"reduction lanes differ from the numerics: {bad[:3]}"
    for u, c in checkers.items():
        assert c.checked == len(lanes[u][2]), f"{u}: checked {c.checked} of {len(lanes[u][2])}"
