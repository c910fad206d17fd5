"""cocotb bench for the whole-model accelerator's sequencer (bnhw_seq_tb: bnhw_seq with its program
memory).

Driver:  starts each run of the program (a block of prompt rows, or one decoded token) with `run`
         and the run's logits flag, as the host does; the run's cycle 0 is the vector file's
         start cycles after the cycle `run` is high in.
Model:   one model per unit, timed by the simulator: when the sequencer issues an instruction to a
         unit, the unit raises done in the instruction's last cycle, as many cycles after its
         issue as the simulator (src/sim/machine.ts) took from issue to finish for the same
         instruction of the same run (the units' contracts, the engine's exact segments).
Monitor: every issue: the cycle, the program counter, the unit pulse, the opcode.
Checker: every instruction issues in order on exactly the simulator's cycle (relative to the
         run's first cycle), to its own unit (none for `end`, and none for `head`/`argmax` of a run
         whose logits are not read), with its opcode; `done` with `end`, and no issue after it
         until the next run; no unit finishes two instructions in one cycle. The first mismatches name the run, the instruction and the
         cycles, in the BNHW_RESULT document.

Environment: BNHW_SEQVECTORS (file), BNHW_RESULT.
"""
import os
import struct

import cocotb
from cocotb.triggers import ReadOnly, RisingEdge
from cocotb.utils import get_sim_time

from bnhw_tb import now, reset, write_result

UNITS = ["engine", "vector", "sfu", "attention", "head", "kv"]
NO_UNIT = len(UNITS)


def read_seq_vectors(path):
    with open(path, "rb") as f:
        if f.read(8) != b"BNHWSQ01":
            raise ValueError(f"{path}: not a BNHWSQ01 vector file")
        data = f.read()
    (start_cycles, count), o, runs = struct.unpack_from("<2I", data, 0), 8, []
    for _ in range(count):
        rows, logits, pos, n = struct.unpack_from("<4I", data, o)
        o += 16
        entries = [struct.unpack_from("<4I", data, o + 16 * i) for i in range(n)]
        o += 16 * n
        runs.append({"rows": rows, "logits": logits, "pos": pos, "entries": entries})
    return start_cycles, runs



class Checker:
    def __init__(self):
        self.checked, self.mismatches, self.first = 0, 0, []

    def fail(self, what):
        self.mismatches += 1
        if len(self.first) < 8:
            self.first.append({**what, "time_ns": int(get_sim_time("ns"))})


async def one_run(dut, k, run, start_cycles, chk):
    entries = run["entries"]
    dut.logits.value = run["logits"]
    dut.run.value = 1
    await RisingEdge(dut.clk)
    dut.run.value = 0
    start = now() - 1 + start_cycles  # the first cycle an instruction can issue: the simulator's cycle 0
    limit = start + max(e[0] + e[1] for e in entries) + 64
    due, high, expected = {}, set(), 0
    while True:
        t = now()
        want = due.pop(t, set())
        for u in want ^ high:
            getattr(dut, f"{u}_done").value = 1 if u in want else 0
        high = want
        await ReadOnly()
        if int(dut.issue_v.value):
            pc = int(dut.issue_pc.value)
            issue, dur, unit, code = entries[pc] if pc < len(entries) else (0, 0, NO_UNIT, 0)
            pulses = [u for u in UNITS if int(getattr(dut, f"{u}_issue").value)]
            dispatched = unit != NO_UNIT and dur > 0
            where = {"run": k, "pc": pc, "cycle": t - start}
            if pc != expected:
                chk.fail({**where, "what": f"issued out of order (expected pc {expected})"})
            elif t - start != issue:
                chk.fail({**where, "what": "issue cycle", "simulator": issue})
            elif pulses != ([UNITS[unit]] if dispatched else []):
                chk.fail({**where, "what": "unit pulses", "got": pulses, "expected": [UNITS[unit]] if dispatched else []})
            elif int(dut.issue_word.value) & 0xFF != code:
                chk.fail({**where, "what": "opcode", "got": int(dut.issue_word.value) & 0xFF, "expected": code})
            chk.checked += 1
            if dispatched:
                # the unit's last cycle: dur - 1 cycles after its issue (every unit takes >= 2)
                at = t + dur - 1
                u = UNITS[unit]
                if dur < 2 or u in due.get(at, set()):
                    chk.fail({**where, "what": f"{u} cannot finish at cycle {at - start} (duration {dur})"})
                due.setdefault(at, set()).add(u)
            expected = pc + 1
            if int(dut.done.value):
                if pc != len(entries) - 1:
                    chk.fail({**where, "what": "done before the last instruction"})
                break
        if t > limit:
            chk.fail({"run": k, "pc": expected, "cycle": t - start, "what": "no issue: the sequencer waits past the simulator's last finish"})
            break
        await RisingEdge(dut.clk)
    await RisingEdge(dut.clk)
    for u in high:
        getattr(dut, f"{u}_done").value = 0
    # after `end`, nothing issues until the next run starts
    for _ in range(3):
        await ReadOnly()
        if int(dut.issue_v.value) or int(dut.running.value):
            chk.fail({"run": k, "cycle": now() - start, "what": "an issue or running after end"})
        await RisingEdge(dut.clk)
    if expected != len(entries):
        chk.fail({"run": k, "what": f"{expected} of {len(entries)} instructions issued"})


@cocotb.test()
async def sequencer_matches_simulator(dut):
    start_cycles, runs = read_seq_vectors(os.environ["BNHW_SEQVECTORS"])
    dut._log.info("%d runs: %s", len(runs), ", ".join(f"{r['rows']} rows at {r['pos']}{'' if r['logits'] else ' (no logits)'}" for r in runs))
    dut.run.value = 0
    dut.logits.value = 0
    for u in UNITS:
        getattr(dut, f"{u}_done").value = 0
    await reset(dut)
    chk = Checker()
    for k, run in enumerate(runs):
        await one_run(dut, k, run, start_cycles, chk)
    doc = {"runs": len(runs), "checked": chk.checked, "mismatches": chk.mismatches, "first_mismatches": chk.first}
    write_result(doc)
    dut._log.info("%d instructions checked, %d mismatches", chk.checked, chk.mismatches)
    assert not chk.first, f"the sequencer differs from the simulator: {chk.first[:3]}"
