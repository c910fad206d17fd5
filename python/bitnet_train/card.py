"""Write models/README.md (the model card) from models/training-results.json."""
import json
import os
import sys


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "../models"
    with open(os.path.join(out, "training-results.json")) as f:
        r = json.load(f)
    c = r["config"]
    res = r["results"]
    fp = res.get("fp", {}).get("perplexity")
    lines = [
        "# Models trained here",
        "",
        f"Trained by `npm run train` (python/bitnet_train, seed {r['seed']}, {r['steps']} steps of 32 x {c['seq']} bytes, AdamW,",
        "cosine schedule; BitNet at learning rate 3e-3, the baseline at 1e-3) on the Jargon File 4.4.7",
        "(Debian package `jargon-text`, public domain: derived weights are freely redistributable). The",
        "last 5% of the corpus is held out; `heldout.txt` is its first 4096 bytes (what `bitnet-hw eval` reads).",
        "",
        f"Shape (all three): byte-level vocabulary {c['vocab']} (256 bytes + BOS, EOS), hidden {c['hidden']}, {c['layers']} layers,",
        f"{c['heads']} heads, gated ReLU^2 FFN of {c['ffn']}, RMSNorm with SubLN, RoPE (theta {c['rope_theta']:g}), tied embeddings.",
        "",
        "| model | folder | weights | training bytes | held-out bits/byte | held-out perplexity (per byte) | vs FP |",
        "|---|---|---|---|---|---|---|",
    ]
    kinds = {"ternary": "BitNet b1.58, ternary W1.58A8, packed 2B4T layout (default model)", "binary": "BitNet, binary W1A8 (paper), latent fp32 weights, `weight_kind: binary`", "fp": "full-precision baseline (not a BitNet; `bitnet-hw` does not import it)"}
    for mode in ("ternary", "binary", "fp"):
        if mode not in res:
            continue
        x = res[mode]
        rel = f"{(x['perplexity'] / fp - 1) * 100:+.1f}%" if fp else "-"
        lines.append(f"| {kinds[mode]} | `{x['model']}` | {mode} | {x['train_tokens']:,} | {x['bits_per_byte']:.4f} | {x['perplexity']:.3f} | {rel} |")
    lines += [
        "",
        f"Held-out figures are over {res.get('ternary', {}).get('heldout_bytes', 0):,} held-out bytes (400 windows of {c['seq']}), measured by the",
        "training script in PyTorch. The paper's claim (BitNet within 15% of the FP16 baseline's perplexity) is",
        "checked in the last column at this tiny scale and training budget.",
        "",
    ]
    with open(os.path.join(out, "README.md"), "w") as f:
        f.write("\n".join(lines))


if __name__ == "__main__":
    main()
