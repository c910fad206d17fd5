"""A small decoder-only transformer in the BitNet b1.58 2B4T layout, with BitLinear as the papers
define it (shared/bitnet-spec.md sections 1-2):

- ternary (b1.58): s_w = 1/max(mean|W|, 1e-5), T = clamp(round(W s_w), -1, 1), W ~ T / s_w
- binary (BitNet, W1A8): alpha = mean(W), W~ = Sign(W - alpha) with Sign(0) = -1, beta = mean|W|
- activations: per-token absmax int8, s = Qb / max(max|x|, 1e-5) with Qb = 127 (ternary, as the
  released checkpoints) or 128 (binary, the paper's 2^(b-1)), round half to even, clamp [-128, 127]
- straight-through estimator through Sign/round and clip; latent weights, gradients and optimizer
  state stay fp32; SubLN: an RMSNorm right before the quantizer of o_proj and down_proj, and the
  pre-norms before q/k/v and gate/up.
`fp` mode is the full-precision baseline of the same shape.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def ste(x, q):
    """Forward q, backward identity (straight-through)."""
    return x + (q - x).detach()


def quant_act(x, qb):
    s = qb / x.abs().amax(dim=-1, keepdim=True).clamp(min=1e-5)
    q = torch.round(x * s).clamp(-128, 127)
    return q, s


class BitLinear(nn.Linear):
    def __init__(self, in_f, out_f, mode):
        super().__init__(in_f, out_f, bias=False)
        self.mode = mode
        nn.init.normal_(self.weight, std=1.0 / math.sqrt(in_f))

    def quantized_weight(self):
        """(integer weights, multiplier) with W ~ multiplier * integer weights."""
        w = self.weight
        if self.mode == "ternary":
            s = 1.0 / w.abs().mean().clamp(min=1e-5)
            t = torch.round(w * s).clamp(-1, 1)
            return t, 1.0 / s
        alpha = w.mean()
        t = torch.where(w - alpha > 0, torch.ones_like(w), -torch.ones_like(w))
        return t, w.abs().mean()

    def forward(self, x):
        if self.mode == "fp":
            return F.linear(x, self.weight)
        qb = 127.0 if self.mode == "ternary" else 128.0
        q, s = quant_act(x, qb)
        xq = ste(x, q / s)
        t, mult = self.quantized_weight()
        wq = ste(self.weight, t * mult)
        return F.linear(xq, wq)


class RMSNorm(nn.Module):
    def __init__(self, dim, eps=1e-5):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x):
        x32 = x.float()
        return self.weight * (x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + self.eps))


def rope(x, theta):
    # x: [B, H, T, D]; Llama rotate-half.
    d = x.shape[-1]
    inv = 1.0 / (theta ** (torch.arange(0, d, 2, dtype=torch.float32, device=x.device) / d))
    pos = torch.arange(x.shape[-2], dtype=torch.float32, device=x.device)
    ang = torch.outer(pos, inv)
    cos = torch.cat([ang.cos(), ang.cos()], -1)
    sin = torch.cat([ang.sin(), ang.sin()], -1)
    x1, x2 = x[..., : d // 2], x[..., d // 2 :]
    return x * cos + torch.cat([-x2, x1], -1) * sin


class Block(nn.Module):
    def __init__(self, cfg, mode):
        super().__init__()
        h, f = cfg["hidden"], cfg["ffn"]
        self.heads = cfg["heads"]
        self.theta = cfg["rope_theta"]
        self.input_layernorm = RMSNorm(h)
        self.q = BitLinear(h, h, mode)
        self.k = BitLinear(h, h, mode)
        self.v = BitLinear(h, h, mode)
        self.attn_sub_norm = RMSNorm(h)
        self.o = BitLinear(h, h, mode)
        self.post_attention_layernorm = RMSNorm(h)
        self.gate = BitLinear(h, f, mode)
        self.up = BitLinear(h, f, mode)
        self.ffn_sub_norm = RMSNorm(f)
        self.down = BitLinear(f, h, mode)

    def forward(self, x):
        B, T, H = x.shape
        hd = H // self.heads
        n = self.input_layernorm(x)
        split = lambda t: t.view(B, T, self.heads, hd).transpose(1, 2)
        q, k, v = split(self.q(n)), split(self.k(n)), split(self.v(n))
        q, k = rope(q, self.theta), rope(k, self.theta)
        a = F.scaled_dot_product_attention(q, k, v, is_causal=True).transpose(1, 2).reshape(B, T, H)
        x = x + self.o(self.attn_sub_norm(a))
        n = self.post_attention_layernorm(x)
        m = F.relu(self.gate(n)).pow(2) * self.up(n)
        return x + self.down(self.ffn_sub_norm(m))


class TinyLM(nn.Module):
    def __init__(self, cfg, mode):
        super().__init__()
        self.cfg = cfg
        self.mode = mode
        self.embed = nn.Embedding(cfg["vocab"], cfg["hidden"])
        nn.init.normal_(self.embed.weight, std=0.5)
        self.blocks = nn.ModuleList(Block(cfg, mode) for _ in range(cfg["layers"]))
        self.norm = RMSNorm(cfg["hidden"])

    def forward(self, idx):
        x = self.embed(idx)
        for b in self.blocks:
            x = b(x)
        # Tied, full-precision head (as 2B4T).
        return F.linear(self.norm(x), self.embed.weight)
