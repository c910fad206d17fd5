"""cocotb bench for the whole-model accelerator's scratchpad units (bnhw_unit_tb, written by
src/verify/vec.ts): the vector unit bnhw_vec on the scratchpad bnhw_spad and the parameter memory
bnhw_pmem, the special-function unit bnhw_sfu (rsqrt), the head unit bnhw_head (embed, head,
argmax, on its table), or the KV unit bnhw_kvw with the attention unit bnhw_attn on the KV cache
(bnhw_kmem, bnhw_vmem), on the scratchpad.

Driver:  per case, the lines of its operands (and junk in its destination's lines) and the
         run's token ids (the head unit) and KV cache lines (attention) loaded through the host
         port while the unit is idle, then one instruction issued (issue with
         its fields, and the run's rows); between cases seeded random idle cycles.
Monitor: the top's log of done (how many cycles it was high in, the last of them), read once the
         contract's cycles and a few more have passed.
Model:   src/numerics through the vector file TypeScript wrote (src/verify/vec-vectors.ts): every
         element-wise result one fp32 rounding, every sum in sumF32's order, vmean a division by
         n; act (relu2-gated) max(gate, 0)^2 * up; rope the numerics' ropeHw with ropeRow's table of each row's position; rsqrt 1 / sqrt(a / n + eps); embed the table row;
         head dotF32 with every table row; argmax the reference's; NaN 0x7FC00000.
Checker: done high exactly in the contract's last cycle (src/ir/units.ts cycles) and in no other;
         the unit's action counters moved by exactly the simulator's counts for the instruction;
         argmax's token (or `none` when every word is NaN) as the reference's;
         then every word of the destination's lines (and of the KV cache's lines a kvw writes)
         read back bit-exact, the words the instruction must not write unchanged. Mismatches are counted and the first ones named
         (case, op, rows, n, line, word, expected, got; or the cycles) in BNHW_RESULT.

Environment: BNHW_VECVECTORS (file), BNHW_SEED, BNHW_RESULT, BNHW_KVBITS (the KV cache's word bits).
"""
import os
import struct

import cocotb
from cocotb.triggers import ClockCycles, FallingEdge, ReadOnly, RisingEdge

from bnhw_tb import XorShift32, env_int, fail_fast, reset, resolved, write_result

# the units' action counters, in the vector file's order (src/sim/unit-actions.ts)
ACTIONS = ["mul", "add", "div", "sqrt", "table", "mac", "cmp", "exp", "kvr", "kvw"]
OPS = {1: "embed", 3: "vmul", 4: "vadd", 5: "vsumsq", 6: "vmean", 7: "vsubs", 8: "rsqrt", 9: "rope", 10: "kvw", 11: "attn", 12: "act", 13: "head", 14: "argmax"}
TOKEN_UNCHECKED, TOKEN_NONE = 0xFFFFFFFF, 0xFFFFFFFE


def read_vec_vectors(path):
    with open(path, "rb") as f:
        if f.read(8) != b"BNHWVC06":
            raise ValueError(f"{path}: not a BNHWVC06 vector file")
        data = f.read()
    lanes, kvlanes, count = struct.unpack_from("<3I", data, 0)
    o = 12
    cases = []
    for _ in range(count):
        op, flags, dst, a, b, n, imm, pos, rows, cycles = struct.unpack_from("<10I", data, o)
        actions = list(struct.unpack_from("<10I", data, o + 40))
        token, ntok, nl, npl, nc, nkl, nvl, nkc, nvc = struct.unpack_from("<9I", data, o + 80)
        o += 116
        tokens = list(struct.unpack_from(f"<{ntok}I", data, o))
        o += 4 * ntok

        def lines(k, width):
            nonlocal o
            out = []
            for _ in range(k):
                line = struct.unpack_from("<I", data, o)[0]
                words = struct.unpack_from(f"<{width}I", data, o + 4)
                o += 4 + 4 * width
                out.append((line, words))
            return out

        load, pload, check = lines(nl, lanes), lines(npl, lanes), lines(nc, lanes)
        kload, vload, kcheck, vcheck = lines(nkl, kvlanes), lines(nvl, kvlanes), lines(nkc, kvlanes), lines(nvc, kvlanes)
        cases.append(dict(op=op, flags=flags, dst=dst, a=a, b=b, n=n, imm=imm, pos=pos, rows=rows, actions=actions, cycles=cycles, token=token, tokens=tokens, load=load, pload=pload, check=check, kload=kload, vload=vload, kcheck=kcheck, vcheck=vcheck))
    return lanes, kvlanes, cases


def pack(words, bits=32):
    v = 0
    for i, w in enumerate(words):
        v |= w << (bits * i)
    return v


@cocotb.test()
async def vector_unit_matches_numerics(dut):
    seed = env_int("BNHW_SEED", 1)
    lanes, kvlanes, cases = read_vec_vectors(os.environ["BNHW_VECVECTORS"])
    kvbits = env_int("BNHW_KVBITS", 32)
    # cycles from a memory read's address to its data (2 with the reads registered)
    read_latency = env_int("BNHW_READLAT", 1)
    dut._log.info("seed=%d lanes=%d kv lanes=%d cases=%d", seed, lanes, kvlanes, len(cases))
    stop_at_first = fail_fast()
    rng = XorShift32(seed)
    for s in ("issue", "busy", "host_we", "host_pwe", "host_twe", "host_kwe", "host_vwe"):
        getattr(dut, s).value = 0
    for s in ("issue_op", "issue_flags", "issue_dst", "issue_a", "issue_b", "issue_n", "issue_imm", "host_line", "host_wdata", "host_trow", "host_tid", "host_kline", "host_kvdata"):
        getattr(dut, s).value = 0
    dut.rows.value, dut.pos.value = 1, 0
    await reset(dut)
    checked, mismatches, first = 0, 0, []

    def fail(what):
        nonlocal mismatches
        mismatches += 1
        if len(first) < 8:
            first.append(what)

    for k, c in enumerate(cases):
        name = OPS.get(c["op"], str(c["op"]))
        where = {"case": k, "op": name, "flags": c["flags"], "rows": c["rows"], "pos": c["pos"], "n": c["n"], "dst": c["dst"], "a": c["a"], "b": c["b"]}
        # load: scratchpad lines, then parameter lines
        for line, words in c["load"]:
            dut.host_we.value, dut.host_line.value, dut.host_wdata.value = 1, line, pack(words)
            await RisingEdge(dut.clk)
        dut.host_we.value = 0
        for line, words in c["pload"]:
            dut.host_pwe.value, dut.host_line.value, dut.host_wdata.value = 1, line, pack(words)
            await RisingEdge(dut.clk)
        dut.host_pwe.value = 0
        for sig, kv in (("host_kwe", c["kload"]), ("host_vwe", c["vload"])):
            for line, words in kv:
                getattr(dut, sig).value, dut.host_kline.value, dut.host_kvdata.value = 1, line, pack(words, kvbits)
                await RisingEdge(dut.clk)
            getattr(dut, sig).value = 0
        for r, t in enumerate(c["tokens"]):
            dut.host_twe.value, dut.host_trow.value, dut.host_tid.value = 1, r, t
            await RisingEdge(dut.clk)
        dut.host_twe.value = 0
        for _ in range(rng.next() % 3):
            await RisingEdge(dut.clk)
        # issue
        await ReadOnly()
        n0 = resolved(dut.n_done)
        a0 = [resolved(getattr(dut, f"act_{x}")) for x in ACTIONS]
        await FallingEdge(dut.clk)
        dut.busy.value = 1
        dut.issue.value, dut.issue_op.value, dut.issue_flags.value = 1, c["op"], c["flags"]
        dut.issue_dst.value, dut.issue_a.value, dut.issue_b.value, dut.issue_n.value = c["dst"], c["a"], c["b"], c["n"]
        dut.issue_imm.value = c["imm"]
        dut.rows.value, dut.pos.value = c["rows"], c["pos"]
        await ReadOnly()
        t0 = resolved(dut.cyc)
        due = t0 + c["cycles"] - 1
        await RisingEdge(dut.clk)
        dut.issue.value = 0
        # other operands on the wires while not issuing
        dut.issue_op.value, dut.issue_dst.value, dut.issue_imm.value = rng.next() & 0xFF, 0, rng.next()
        await ClockCycles(dut.clk, c["cycles"] + 3)
        await ReadOnly()
        n_done, last = resolved(dut.n_done) - n0, resolved(dut.last_done)
        moved = [resolved(getattr(dut, f"act_{x}")) - v for x, v in zip(ACTIONS, a0)]
        token, none = resolved(dut.token), resolved(dut.token_none)
        dones = [last] if n_done == 1 else [f"{n_done} cycles, the last {last}"]
        await RisingEdge(dut.clk)
        dut.busy.value = 0
        if dones != [due]:
            fail({**where, "issue_cycle": t0, "due_cycle": due, "done_cycles": dones[:4]})
        if moved != c["actions"]:
            fail({**where, "actions": dict(zip(ACTIONS, moved)), "simulator": dict(zip(ACTIONS, c["actions"]))})
        if c["token"] != TOKEN_UNCHECKED:
            got_token = TOKEN_NONE if none == 1 else token
            if got_token != c["token"] or none is None:
                fail({**where, "token": got_token, "expected_token": "none (every word NaN)" if c["token"] == TOKEN_NONE else c["token"]})
        # read back the destination's lines: an address in a cycle, its line read_latency later
        got = []
        for line, _ in c["check"]:
            dut.host_line.value = line
            await ClockCycles(dut.clk, read_latency)
            await ReadOnly()
            got.append(resolved(dut.host_rdata))
            await FallingEdge(dut.clk)
        await RisingEdge(dut.clk)
        # the KV cache's lines, a line per cycle from each memory
        kv_got = []
        for which, kv in (("host_krdata", c["kcheck"]), ("host_vrdata", c["vcheck"])):
            for line, words in kv:
                dut.host_kline.value = line
                await ClockCycles(dut.clk, read_latency)
                await ReadOnly()
                kv_got.append((which, line, words, resolved(getattr(dut, which))))
                await FallingEdge(dut.clk)
        checked += 1
        mask = (1 << kvbits) - 1
        for which, line, words, g in kv_got:
            for w, want in enumerate(words):
                v = None if g is None else (g >> (kvbits * w)) & mask
                if v != want:
                    fail({**where, "cache": "K" if which == "host_krdata" else "V", "line": line, "bank": w, "expected": f"0x{want:0{kvbits // 4}x}", "got": "X" if v is None else f"0x{v:0{kvbits // 4}x}"})
        for (line, words), g in zip(c["check"], got):
            for w, want in enumerate(words):
                v = None if g is None else (g >> (32 * w)) & 0xFFFFFFFF
                if v != want:
                    fail({**where, "line": line, "word": line * lanes + w, "expected": f"0x{want:08x}", "got": "X" if v is None else f"0x{v:08x}"})
        if stop_at_first and mismatches:
            break
    write_result({"seed": seed, "cases": len(cases), "checked": checked, "mismatches": mismatches, "first_mismatches": first})
    dut._log.info("%d cases checked, %d mismatches", checked, mismatches)
    assert mismatches == 0, f"vector unit differs from the numerics: {first[:3]}"
