#!/usr/bin/python3
"""Writes adamw_golden.json: parameters after each of three torch.optim.AdamW steps.

Oracle for io.moe4j.train.optim.AdamW (AdamWGoldenTest). Run with Debian's interpreter, which has torch:
    /usr/bin/python3 make_adamw_golden.py        (from this folder)

The problem is fixed and tiny: a rank-2 [3, 4] weight that is decayed (weight_decay 0.1) and a rank-1 [4]
bias that is not, put in two param groups exactly as a "decay only rank >= 2" rule would. Initial values and
the three gradients are closed-form expressions (no RNG), so the file can be rebuilt and checked by reading.
Gradients include one exact zero and mixed magnitudes so eps and the bias correction both matter.
"""
import json
import math
import os

import torch

LR = 1e-2
BETAS = (0.9, 0.95)
EPS = 1e-8
WEIGHT_DECAY = 0.1
STEPS = 3


def initial_values():
    w = torch.tensor([[0.5 - 0.1 * (4 * r + c) for c in range(4)] for r in range(3)], dtype=torch.float32)
    b = torch.tensor([0.25, -0.125, 1.5, -2.0], dtype=torch.float32)
    return w, b


def gradient(step, shape, salt):
    """Deterministic gradient for step 0, 1, 2: sin-based, with magnitudes spanning 1e-6 .. 1 (so eps matters)."""
    n = 1
    for s in shape:
        n *= s
    vals = []
    for i in range(n):
        x = math.sin(1.7 * i + 0.9 * step + salt) * (10.0 ** (-2 * (i % 4)))
        vals.append(0.0 if (i == 2 and step == 1) else x)
    return torch.tensor(vals, dtype=torch.float32).reshape(shape)


def main():
    w0, b0 = initial_values()
    w = torch.nn.Parameter(w0.clone())
    b = torch.nn.Parameter(b0.clone())
    opt = torch.optim.AdamW(
        [{"params": [w], "weight_decay": WEIGHT_DECAY}, {"params": [b], "weight_decay": 0.0}],
        lr=LR, betas=BETAS, eps=EPS, foreach=False)
    record = {
        "torch_version": torch.__version__,
        "settings": {"lr": LR, "beta1": BETAS[0], "beta2": BETAS[1], "eps": EPS, "weight_decay": WEIGHT_DECAY},
        "params": [
            {"name": "w", "shape": list(w.shape), "decay": True, "initial": w0.flatten().tolist()},
            {"name": "b", "shape": list(b.shape), "decay": False, "initial": b0.flatten().tolist()},
        ],
        "steps": [],
    }
    for step in range(STEPS):
        gw = gradient(step, w.shape, 0.3)
        gb = gradient(step, b.shape, 1.1)
        w.grad = gw.clone()
        b.grad = gb.clone()
        opt.step()
        record["steps"].append({
            "grads": {"w": gw.flatten().tolist(), "b": gb.flatten().tolist()},
            "after": {"w": w.detach().flatten().tolist(), "b": b.detach().flatten().tolist()},
        })
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "adamw_golden.json")
    with open(out, "w") as f:
        # float32 values widened to Python floats: repr gives the shortest round-trip form, i.e. full precision.
        json.dump(record, f, indent=1)
        f.write("\n")
    print("wrote", out)


if __name__ == "__main__":
    main()
