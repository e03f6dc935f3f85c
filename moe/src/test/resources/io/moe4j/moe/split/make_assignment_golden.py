"""Golden file for BalancedAssignmentGoldenTest (external oracle: scipy.optimize.linear_sum_assignment).

Cost matrix: Euclidean distances between the L2-normalised rows of layer-0 up_proj (w3) of Karpathy's
stories260K (llama2.c legacy format, dim 64, hidden 172) and 8 centroids (means of 8 fixed interleaved
groups of those rows). Capacities follow moe4j's remainder rule: 172 = 8*21 + 4 -> [22]*4 + [21]*4.
scipy solves the same problem exactly as an assignment with each centroid column repeated capacity times.

Run: python3 make_assignment_golden.py /work/shared/data/models/llama2c/stories260K.bin > assignment_golden.txt
"""
import struct
import sys

import numpy as np
from scipy.optimize import linear_sum_assignment

path = sys.argv[1]
with open(path, "rb") as f:
    dim, hidden, layers, heads, kv_heads, vocab, seq = struct.unpack("<7i", f.read(28))
    data = np.frombuffer(f.read(), dtype="<f4")
kv_dim = dim * kv_heads // heads
off = abs(vocab) * dim + layers * dim  # tok_embeddings, rms_att
off += layers * dim * dim + 2 * layers * kv_dim * dim + layers * dim * dim  # wq, wk, wv, wo
off += layers * dim  # rms_ffn
off += layers * hidden * dim + layers * dim * hidden  # w1, w2
w3 = data[off:off + hidden * dim].reshape(hidden, dim).astype(np.float64)  # layer 0 up_proj [I, C]

n = 8
x = w3 / np.linalg.norm(w3, axis=1, keepdims=True)
groups = np.arange(hidden) % n
cent = np.stack([x[groups == j].mean(axis=0) for j in range(n)])
cost = np.sqrt(np.maximum(((x[:, None, :] - cent[None, :, :]) ** 2).sum(-1), 0))
caps = [hidden // n + (1 if j < hidden % n else 0) for j in range(n)]
cols = np.concatenate([[j] * caps[j] for j in range(n)])
rows, picked = linear_sum_assignment(cost[:, cols])
optimum = cost[rows, cols[picked]].sum()

print(hidden, n)
print(" ".join(str(c) for c in caps))
for i in range(hidden):
    print(" ".join(repr(float(v)) for v in cost[i]))
print(repr(float(optimum)))
