"""PyTorch reference inference for exported bitnet-hw checkpoints (packed b1.58 and paper-binary),
independent of the TypeScript code. The BitLinear product is an exact integer matrix product of
int8 activations and {-1,0,+1} (or {-1,+1}) weights, computed in float64 (every partial sum is an
integer below 2^53, so it is exact on CPU and CUDA alike). Numerics follow the `float` semantics
of the released checkpoints: fp32 activation scale, round half to even, y = (T.q) / s * w_scale.

usage: python -m bitnet_train.reference --model DIR --tokens 1,2,3 [--device cpu|cuda] [--generate N] [--json]
"""
import argparse
import json
import os
import time

import numpy as np
import torch

from . import st


def unpack_hf(packed, out):
    q = out // 4
    rows = [((packed >> (2 * i)) & 3).astype(np.int8) - 1 for i in range(4)]
    return np.concatenate(rows, 0)[:out]


class Reference:
    def __init__(self, path, device="cpu"):
        with open(os.path.join(path, "config.json")) as f:
            self.cfg = json.load(f)
        t = st.load(os.path.join(path, "model.safetensors"))
        c = self.cfg
        qc = c.get("quantization_config", {})
        self.binary = qc.get("weight_kind") == "binary"
        self.qb = 128.0 if qc.get("activation_scale", "pow2" if self.binary else "qmax") == "pow2" else 127.0
        self.device = device
        self.h, self.heads = c["hidden_size"], c["num_attention_heads"]
        self.kv = c.get("num_key_value_heads", self.heads)
        self.eps = c.get("rms_norm_eps", 1e-6)
        self.theta = c.get("rope_theta", 10000.0)
        dev = lambda a, dt=torch.float32: torch.tensor(np.array(a), dtype=dt, device=device)
        self.emb = dev(t["model.embed_tokens.weight"])
        self.norm = dev(t["model.norm.weight"])
        self.layers = []
        names = ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"]
        for i in range(c["num_hidden_layers"]):
            p = f"model.layers.{i}"
            L = {n: dev(t[f"{p}.{n}.weight"]) for n in ("input_layernorm", "post_attention_layernorm", "self_attn.attn_sub_norm", "mlp.ffn_sub_norm")}
            for n in names:
                w = t[f"{p}.{n}.weight"]
                if w.dtype == np.uint8:
                    ws = t[f"{p}.{n}.weight_scale"].astype(np.float32).reshape(-1)
                    out = w.shape[0] * 4
                    T = unpack_hf(w, out).astype(np.float64)
                    scale = float(ws[0]) if qc.get("linear_class", "autobitlinear") == "autobitlinear" else 1.0 / float(ws[0])
                elif self.binary:
                    w32 = w.astype(np.float32)
                    alpha = np.float32(w32.astype(np.float64).mean())
                    T = np.where((w32 - alpha).astype(np.float32) > 0, 1.0, -1.0)
                    scale = float(np.float32(np.abs(w32).astype(np.float64).mean()))
                else:
                    w32 = w.astype(np.float32)
                    mean = np.float32(np.abs(w32).astype(np.float64).mean())
                    s = np.float32(1.0) / np.maximum(mean, np.float32(1e-5))
                    T = np.clip(np.round((w32 * s).astype(np.float32)), -1, 1).astype(np.float64)
                    scale = float(np.float32(np.float32(1.0) / s))
                L[n] = (dev(T, torch.float64), scale)
            self.layers.append(L)

    def rms(self, x, w):
        return w * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps))

    def bitlinear(self, x, wt):
        T, scale = wt
        s = (self.qb / x.abs().amax(-1, keepdim=True).clamp(min=1e-5)).float()
        q = torch.round(x * s).clamp(-128, 127)
        acc = q.double() @ T.t()  # exact: integers below 2^53
        return (acc / s.double() * scale).float()

    def rope(self, x, pos):
        d = x.shape[-1]
        inv = 1.0 / (self.theta ** (torch.arange(0, d, 2, dtype=torch.float32, device=x.device) / d))
        ang = pos[:, None].float() * inv[None, :]
        cos, sin = torch.cat([ang.cos(), ang.cos()], -1), torch.cat([ang.sin(), ang.sin()], -1)
        return x * cos + torch.cat([-x[..., d // 2 :], x[..., : d // 2]], -1) * sin

    @torch.no_grad()
    def logits(self, tokens):
        idx = torch.tensor(tokens, device=self.device)
        x = self.emb[idx]
        T = len(tokens)
        hd = self.h // self.heads
        pos = torch.arange(T, device=self.device)
        mask = torch.full((T, T), float("-inf"), device=self.device).triu(1)
        for L in self.layers:
            n = self.rms(x, L["input_layernorm"])
            q = self.bitlinear(n, L["self_attn.q_proj"]).view(T, self.heads, hd).transpose(0, 1)
            k = self.bitlinear(n, L["self_attn.k_proj"]).view(T, self.kv, hd).transpose(0, 1)
            v = self.bitlinear(n, L["self_attn.v_proj"]).view(T, self.kv, hd).transpose(0, 1)
            q, k = self.rope(q, pos), self.rope(k, pos)
            rep = self.heads // self.kv
            k, v = k.repeat_interleave(rep, 0), v.repeat_interleave(rep, 0)
            att = torch.softmax(q @ k.transpose(1, 2) / hd**0.5 + mask, -1) @ v
            att = att.transpose(0, 1).reshape(T, self.h)
            x = x + self.bitlinear(self.rms(att, L["self_attn.attn_sub_norm"]), L["self_attn.o_proj"])
            n = self.rms(x, L["post_attention_layernorm"])
            m = torch.relu(self.bitlinear(n, L["mlp.gate_proj"])).pow(2) * self.bitlinear(n, L["mlp.up_proj"])
            x = x + self.bitlinear(self.rms(m, L["mlp.ffn_sub_norm"]), L["mlp.down_proj"])
        return self.rms(x, self.norm) @ self.emb.t()

    def generate(self, tokens, n):
        out = list(tokens)
        for _ in range(n):
            out.append(int(self.logits(out)[-1].argmax()))
        return out[len(tokens) :]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--tokens", required=True)
    ap.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    ap.add_argument("--generate", type=int, default=0)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    torch.set_num_threads(min(2, os.cpu_count() or 1))
    ref = Reference(a.model, a.device)
    toks = [int(t) for t in a.tokens.split(",")]
    lg = ref.logits(toks)
    doc = {"tokens": toks, "logits": lg.cpu().tolist(), "argmax": lg.argmax(-1).cpu().tolist(), "device": a.device}
    if a.generate:
        t0 = time.time()
        doc["generated"] = ref.generate(toks, a.generate)
        doc["tokens_per_second"] = a.generate / (time.time() - t0)
    print(json.dumps(doc))


if __name__ == "__main__":
    main()
