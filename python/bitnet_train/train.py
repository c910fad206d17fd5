"""Train BitNet b1.58 (ternary W1.58A8), binary BitNet (W1A8) and the full-precision baseline on
the Jargon File (public domain, Debian package jargon-text) and export them as checkpoints the
bitnet-hw importers read.

usage: python -m bitnet_train.train --study --out models       every run of the model card (STUDY)
       python -m bitnet_train.train --out DIR [--modes ternary,binary,fp] [--lr R] [--hidden H]
                                    [--steps N] [--seed S]      one run per mode
       python -m bitnet_train.train --smoke                    a few steps on the shipped held-out text (CI)
Every run is seeded and cached by its settings (in $BITNET_HW_CACHE_DIR/train, else
~/.cache/bitnet-hw/train), so an interrupted study resumes where it stopped. Uses CUDA when
available, else the CPU (2 threads).
"""
import argparse
import gzip
import json
import math
import os
import sys
import shutil
import time

import numpy as np
import torch
import torch.nn.functional as F

from . import st
from .model import TinyLM

CORPUS = "/usr/share/doc/jargon-text/jargon.txt.gz"
BOS, EOS = 256, 257
HELDOUT_FRACTION = 0.05
NAMES = {"ternary": "bitnet-b158", "binary": "bitnet-binary", "fp": "fp-baseline"}


def shape(hidden):
    """The model family: byte vocabulary, 4 layers, 4 heads, gated FFN of 3 x hidden."""
    return {"vocab": 258, "hidden": hidden, "layers": 4, "heads": 4, "ffn": 3 * hidden, "rope_theta": 10000.0, "seq": 128}


SHIPPED_HIDDEN = 128
# BitNet trains with a larger learning rate than FP16 (the papers); these were the rates of the
# first shipped models and stay the defaults of a single run.
DEFAULT_LR = {"ternary": 3e-3, "binary": 3e-3, "fp": 1e-3}

# Every run behind the model card. The learning-rate sweep is at the shipped shape and one token
# budget; the scaling runs use each mode's best rate from that sweep.
STUDY = {
    "steps": 800,
    "seed": 1234,
    # Each grid grows by a factor of 2 past whichever end holds the best run (up to two more
    # rates), so the best rate of every mode is bracketed by a worse one on each side.
    "lr_sweep": {"hidden": SHIPPED_HIDDEN, "rates": {"fp": [1e-3, 2e-3, 3e-3, 6e-3], "ternary": [1.5e-3, 3e-3, 6e-3], "binary": [1.5e-3, 3e-3, 6e-3]}, "extend": 2},
    "scaling": {"hiddens": [32, 64, 128], "modes": ["fp", "ternary"]},
}


def load_corpus(path):
    with gzip.open(path, "rb") as f:
        data = np.frombuffer(f.read(), dtype=np.uint8).astype(np.int64)
    cut = int(len(data) * (1 - HELDOUT_FRACTION))
    return data[:cut], data[cut:]


def batches(data, bsz, seq, gen, device):
    while True:
        ix = torch.randint(0, len(data) - seq - 1, (bsz,), generator=gen)
        x = torch.stack([torch.from_numpy(data[i : i + seq]) for i in ix.tolist()])
        y = torch.stack([torch.from_numpy(data[i + 1 : i + seq + 1]) for i in ix.tolist()])
        yield x.to(device), y.to(device)


@torch.no_grad()
def bits_per_byte(model, data, seq, device, max_windows=400):
    model.eval()
    nll, count = 0.0, 0
    windows = min(max_windows, (len(data) - 1) // seq)
    for w in range(windows):
        x = torch.from_numpy(data[w * seq : w * seq + seq]).unsqueeze(0).to(device)
        y = torch.from_numpy(data[w * seq + 1 : w * seq + seq + 1]).unsqueeze(0).to(device)
        logits = model(x).float()
        nll += F.cross_entropy(logits.view(-1, logits.shape[-1]), y.view(-1), reduction="sum").item()
        count += y.numel()
    model.train()
    bpb = nll / count / math.log(2)
    return bpb, math.exp(nll / count), count


def train(mode, cfg, lr, train_data, steps, device, seed, log):
    torch.manual_seed(seed)
    model = TinyLM(cfg, mode).to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, betas=(0.9, 0.95), weight_decay=0.05)
    warm = max(1, steps // 15)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / warm) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(s, steps) / steps))))
    gen = torch.Generator().manual_seed(seed)
    it = batches(train_data, 32, cfg["seq"], gen, device)
    losses = []
    t0 = time.time()
    for step in range(steps):
        x, y = next(it)
        loss = F.cross_entropy(model(x).view(-1, cfg["vocab"]), y.view(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        losses.append(loss.item())
        if step % 100 == 0 or step == steps - 1:
            el = time.time() - t0
            eta = el / (step + 1) * (steps - step - 1)
            log(f"[{mode} h{cfg['hidden']} lr {lr:g}] step {step + 1}/{steps} loss {loss.item():.4f} ({el:.0f} s elapsed, ETA {eta:.0f} s)")
    return model, losses, steps * 32 * cfg["seq"]


def hf_pack(t):
    """Ternary [out, in] in {-1,0,1} -> uint8 [out/4, in]: row i*(out/4)+j in packed row j, bits 2i."""
    out, inn = t.shape
    q = out // 4
    codes = (t + 1).astype(np.uint8).reshape(4, q, inn)
    packed = np.zeros((q, inn), dtype=np.uint8)
    for i in range(4):
        packed |= codes[i] << (2 * i)
    return packed


def export(model, mode, path):
    os.makedirs(path, exist_ok=True)
    c = model.cfg
    tensors = {"model.embed_tokens.weight": model.embed.weight.detach().cpu().float().numpy(), "model.norm.weight": model.norm.weight.detach().cpu().numpy()}
    names = {"q": "self_attn.q_proj", "k": "self_attn.k_proj", "v": "self_attn.v_proj", "o": "self_attn.o_proj", "gate": "mlp.gate_proj", "up": "mlp.up_proj", "down": "mlp.down_proj"}
    for i, b in enumerate(model.blocks):
        p = f"model.layers.{i}"
        for n in ("input_layernorm", "post_attention_layernorm"):
            tensors[f"{p}.{n}.weight"] = getattr(b, n).weight.detach().cpu().numpy()
        tensors[f"{p}.self_attn.attn_sub_norm.weight"] = b.attn_sub_norm.weight.detach().cpu().numpy()
        tensors[f"{p}.mlp.ffn_sub_norm.weight"] = b.ffn_sub_norm.weight.detach().cpu().numpy()
        for short, full in names.items():
            lin = getattr(b, short)
            if mode == "ternary":
                t, mult = lin.quantized_weight()
                tensors[f"{p}.{full}.weight"] = hf_pack(t.detach().cpu().numpy().astype(np.int8))
                tensors[f"{p}.{full}.weight_scale"] = np.array([float(mult)], dtype=np.float32)
            else:
                tensors[f"{p}.{full}.weight"] = lin.weight.detach().cpu().numpy()
    cfg = {
        "architectures": ["BitNetForCausalLM"],
        "model_type": "bitnet" if mode != "fp" else "bitnet-fp-baseline",
        "hidden_size": c["hidden"], "intermediate_size": c["ffn"], "num_hidden_layers": c["layers"],
        "num_attention_heads": c["heads"], "num_key_value_heads": c["heads"], "vocab_size": c["vocab"],
        "max_position_embeddings": 1024, "hidden_act": "relu2", "rms_norm_eps": 1e-5, "rope_theta": c["rope_theta"],
        "tie_word_embeddings": True, "bos_token_id": BOS, "eos_token_id": EOS, "torch_dtype": "float32",
    }
    if mode == "ternary":
        cfg["quantization_config"] = {"quant_method": "bitnet", "linear_class": "autobitlinear", "quantization_mode": "offline"}
    elif mode == "binary":
        cfg["quantization_config"] = {"quant_method": "bitnet", "weight_kind": "binary", "quantization_mode": "online", "groups": 1, "activation_scale": "pow2"}
    with open(os.path.join(path, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
        f.write("\n")
    st.save(os.path.join(path, "model.safetensors"), tensors)



def cache_root():
    base = os.environ.get("BITNET_HW_CACHE_DIR") or os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "bitnet-hw")
    return os.path.join(base, "train")


def run_key(mode, hidden, lr, steps, seed):
    return f"{mode}-h{hidden}-lr{lr:g}-s{steps}-seed{seed}"


def count_params(model):
    total = sum(p.numel() for p in model.parameters())
    return total, total - model.embed.weight.numel()


def curve(losses, every=50):
    return [round(sum(losses[i : i + every]) / len(losses[i : i + every]), 4) for i in range(0, len(losses), every)]


def run(mode, hidden, lr, steps, seed, data, device, log):
    """One seeded run, cached by its settings: (result, folder with the exported checkpoint)."""
    key = run_key(mode, hidden, lr, steps, seed)
    folder = os.path.join(cache_root(), key)
    done = os.path.join(folder, "result.json")
    if os.path.exists(done):
        with open(done) as f:
            log(f"[{key}] cached")
            return json.load(f), folder
    train_data, held = data
    cfg = shape(hidden)
    t0 = time.time()
    model, losses, tokens = train(mode, cfg, lr, train_data, steps, device, seed, log)
    bpb, ppl, n = bits_per_byte(model, held, cfg["seq"], device)
    params, non_embedding = count_params(model)
    result = {
        "run": key, "mode": mode, "hidden": hidden, "config": cfg, "lr": lr, "steps": steps, "seed": seed,
        "params": params, "non_embedding_params": non_embedding, "train_tokens": tokens, "heldout_bytes": n,
        "bits_per_byte": bpb, "perplexity": ppl, "train_loss_every_50_steps": curve(losses),
        "seconds": time.time() - t0, "device": device,
        # CPU training is not bitwise reproducible across PyTorch builds: record the one used
        "torch": torch.__version__, "threads": torch.get_num_threads(),
    }
    # Built under a temporary name and renamed, so an interrupted run leaves no half entry.
    tmp = f"{folder}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    export(model, mode, tmp)
    with open(os.path.join(tmp, "result.json"), "w") as f:
        json.dump(result, f, indent=2)
        f.write("\n")
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(os.path.dirname(folder), exist_ok=True)
    os.rename(tmp, folder)
    log(f"[{key}] {bpb:.4f} bits/byte in {result['seconds']:.0f} s")
    return result, folder


def ship(folder, dest):
    """Copy a cached run's checkpoint into the models folder, with its result as the folder's
    provenance (training-run.json: settings, held-out bits/byte, PyTorch build)."""
    os.makedirs(dest, exist_ok=True)
    for name in ("config.json", "model.safetensors"):
        shutil.copyfile(os.path.join(folder, name), os.path.join(dest, name))
    shutil.copyfile(os.path.join(folder, "result.json"), os.path.join(dest, "training-run.json"))


def study(out, data, device, log, ship_modes):
    steps, seed = STUDY["steps"], STUDY["seed"]
    runs, best = [], {}
    sweep = STUDY["lr_sweep"]
    for mode, grid in sweep["rates"].items():
        rates = list(grid)
        done = set()
        for _ in range(sweep["extend"] + 1):
            for lr in rates:
                if lr in done:
                    continue
                done.add(lr)
                r, folder = run(mode, sweep["hidden"], lr, steps, seed, data, device, log)
                runs.append({**r, "part": "lr_sweep"})
                if mode not in best or r["bits_per_byte"] < best[mode][0]["bits_per_byte"]:
                    best[mode] = (r, folder)
            top = best[mode][0]["lr"]
            if top == max(rates):
                rates.append(float(f"{top * 2:.6g}"))
            elif top == min(rates):
                rates.append(float(f"{top / 2:.6g}"))
            else:
                break
    sc = STUDY["scaling"]
    for mode in sc["modes"]:
        lr = best[mode][0]["lr"]
        for hidden in sc["hiddens"]:
            if hidden == sweep["hidden"]:
                continue  # the sweep's best run is this point
            r, _ = run(mode, hidden, lr, steps, seed, data, device, log)
            runs.append({**r, "part": "scaling"})
    for mode, (r, folder) in best.items():
        if mode in ship_modes:
            ship(folder, os.path.join(out, NAMES[mode]))
    doc = {
        "schema": "bitnet-hw/training-runs/1",
        "corpus": "Jargon File 4.4.7 (Debian jargon-text), public domain",
        "heldout": f"last {HELDOUT_FRACTION:.0%} of the corpus; bits/byte over its first 400 windows of 128 bytes",
        "study": STUDY,
        "best": {NAMES[m]: r["run"] for m, (r, _) in best.items()},
        # The folders this study wrote; the others keep the weights they had.
        "shipped": {NAMES[m]: r["run"] for m, (r, _) in best.items() if m in ship_modes},
        "runs": runs,
    }
    with open(os.path.join(out, "training-runs.json"), "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    return doc


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="models")
    ap.add_argument("--study", action="store_true", help="every run of the model card (STUDY), resumable")
    ap.add_argument("--ship", default="ternary,binary,fp", help="modes whose best run replaces the model folder (default: all)")
    ap.add_argument("--steps", type=int, default=STUDY["steps"])
    ap.add_argument("--modes", default="ternary,binary,fp")
    ap.add_argument("--lr", type=float, help="learning rate of every mode (default: per mode, DEFAULT_LR)")
    ap.add_argument("--hidden", type=int, default=SHIPPED_HIDDEN)
    ap.add_argument("--corpus", default=CORPUS)
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--seed", type=int, default=STUDY["seed"])
    a = ap.parse_args()
    torch.set_num_threads(min(2, os.cpu_count() or 1))
    device = "cuda" if torch.cuda.is_available() else "cpu"
    log = lambda m: print(m, file=sys.stderr, flush=True)  # progress to stderr; stdout stays JSON
    if a.smoke:
        here = os.path.dirname(os.path.abspath(__file__))
        text = open(os.path.join(here, "..", "..", "models", "heldout.txt"), "rb").read()
        data = np.frombuffer(text, dtype=np.uint8).astype(np.int64)
        model, losses, _ = train("ternary", shape(SHIPPED_HIDDEN), DEFAULT_LR["ternary"], data, 30, device, a.seed, lambda s: None)
        first, last = sum(losses[:5]) / 5, sum(losses[-5:]) / 5
        print(json.dumps({"steps": 30, "first_loss": first, "last_loss": last, "decreased": last < first}))
        return
    modes = a.modes.split(",")
    for m in modes:
        if m not in NAMES:
            ap.error(f"unknown mode {m!r}: expected some of {','.join(NAMES)}")
    data = load_corpus(a.corpus)
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "heldout.txt"), "wb") as f:
        f.write(bytes(data[1][:4096].astype(np.uint8)))
    if a.study:
        ship_modes = [m for m in a.ship.split(",") if m]
        for m in ship_modes:
            if m not in NAMES:
                ap.error(f"unknown mode {m!r} in --ship: expected some of {','.join(NAMES)}")
        doc = study(a.out, data, device, log, ship_modes)
        print(json.dumps({"runs": len(doc["runs"]), "shipped": doc["shipped"]}))
        return
    for mode in modes:
        r, folder = run(mode, a.hidden, a.lr if a.lr is not None else DEFAULT_LR[mode], a.steps, a.seed, data, device, log)
        ship(folder, os.path.join(a.out, NAMES[mode]))
        print(json.dumps({k: v for k, v in r.items() if k != "train_loss_every_50_steps"}))


if __name__ == "__main__":
    main()
