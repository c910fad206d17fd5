"""Train the three models (binary W1A8, ternary W1.58A8, full-precision baseline) of one shape on
the Jargon File (public domain, Debian package jargon-text), export them, and write the model card.

usage: python -m bitnet_train.train --out models [--steps 1500] [--modes ternary,binary,fp]
       python -m bitnet_train.train --smoke   (a few steps on the shipped held-out text; CI)
Uses CUDA when available, else the CPU (2 threads).
"""
import argparse
import gzip
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

from . import st
from .model import TinyLM

CORPUS = "/usr/share/doc/jargon-text/jargon.txt.gz"
CFG = {"vocab": 258, "hidden": 128, "layers": 4, "heads": 4, "ffn": 384, "rope_theta": 10000.0, "seq": 128}
BOS, EOS = 256, 257
HELDOUT_FRACTION = 0.05


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


def train(mode, train_data, steps, device, seed, log):
    torch.manual_seed(seed)
    model = TinyLM(CFG, mode).to(device)
    lr = 3e-3 if mode != "fp" else 1e-3  # BitNet trains with a larger learning rate than FP16
    opt = torch.optim.AdamW(model.parameters(), lr=lr, betas=(0.9, 0.95), weight_decay=0.05)
    warm = max(1, steps // 15)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / warm) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(s, steps) / steps))))
    gen = torch.Generator().manual_seed(seed)
    it = batches(train_data, 32, CFG["seq"], gen, device)
    losses = []
    t0 = time.time()
    for step in range(steps):
        x, y = next(it)
        loss = F.cross_entropy(model(x).view(-1, CFG["vocab"]), y.view(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        losses.append(loss.item())
        if step % 100 == 0 or step == steps - 1:
            el = time.time() - t0
            eta = el / (step + 1) * (steps - step - 1)
            log(f"[{mode}] step {step + 1}/{steps} loss {loss.item():.4f} ({el:.0f} s elapsed, ETA {eta:.0f} s)")
    return model, losses, steps * 32 * CFG["seq"]


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
    c = CFG
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="models")
    ap.add_argument("--steps", type=int, default=800)
    ap.add_argument("--modes", default="ternary,binary,fp")
    ap.add_argument("--corpus", default=CORPUS)
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--seed", type=int, default=1234)
    a = ap.parse_args()
    torch.set_num_threads(min(2, os.cpu_count() or 1))
    device = "cuda" if torch.cuda.is_available() else "cpu"
    if a.smoke:
        here = os.path.dirname(os.path.abspath(__file__))
        text = open(os.path.join(here, "..", "..", "models", "heldout.txt"), "rb").read()
        data = np.frombuffer(text, dtype=np.uint8).astype(np.int64)
        model, losses, _ = train("ternary", data, 30, device, a.seed, lambda s: None)
        first, last = sum(losses[:5]) / 5, sum(losses[-5:]) / 5
        print(json.dumps({"steps": 30, "first_loss": first, "last_loss": last, "decreased": last < first}))
        return
    train_data, held = load_corpus(a.corpus)
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "heldout.txt"), "wb") as f:
        f.write(bytes(held[:4096].astype(np.uint8)))
    results = {}
    for mode in a.modes.split(","):
        t0 = time.time()
        # Progress to stderr, so stdout stays the JSON results.
        model, losses, tokens = train(mode, train_data, a.steps, device, a.seed, lambda m: print(m, file=sys.stderr, flush=True))
        bpb, ppl, n = bits_per_byte(model, held, CFG["seq"], device)
        name = {"ternary": "bitnet-b158", "binary": "bitnet-binary", "fp": "fp-baseline"}[mode]
        export(model, mode, os.path.join(a.out, name))
        results[mode] = {"model": name, "train_tokens": tokens, "heldout_bytes": n, "bits_per_byte": bpb, "perplexity": ppl, "seconds": time.time() - t0, "device": device}
        print(json.dumps(results[mode]))
    with open(os.path.join(a.out, "training-results.json"), "w") as f:
        json.dump({"config": CFG, "steps": a.steps, "seed": a.seed, "corpus": "Jargon File 4.4.7 (Debian jargon-text), public domain", "results": results}, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
