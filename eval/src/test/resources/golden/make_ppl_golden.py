#!/usr/bin/python3
"""Independent perplexity oracle for moe4j's `Perplexity` (eval module).

Writes, next to this script:
  TinyStories/validation_first50.jsonl  the first 50 records of shared/data/corpus/TinyStories/validation.jsonl.gz
                                 (verbatim lines; TinyStories is CDLA-Sharing-1.0)
  stories260K_ppl_golden.json    token ids of every document, and for each (seq_len, stride) the
                                 NLL sum (nats), the number of scored tokens, the perplexity, the UTF-8
                                 byte count and bits per byte

Nothing here comes from moe4j: the llama2.c checkpoint is parsed with numpy, the tokenizer is
llama2.c's encode() (dummy-prefix space, per-code-point lookup with byte fallback, repeatedly
merge the best-scoring adjacent pair), and the forward pass is written out in float64 numpy.

Scoring rule (the one moe4j documents): a document is [BOS] + encode(text), L tokens; targets are
positions 1..L-1 (the first text token is predicted from BOS). Windows start at b = 0, S, 2S, ...;
a window feeds ids[b:e] with e = min(b + T, L - 1) and predicts ids[b+1 : e+1]; only targets after
the previous window's last target are scored, so every target is scored exactly once. The loop
stops when target L-1 has been scored. Perplexity = exp(total NLL / scored tokens); bits per byte
= total NLL / ln 2 / UTF-8 bytes of the texts.

Run: /usr/bin/python3 make_ppl_golden.py [SHARED_DIR]   (default /work/shared)
"""
import gzip
import json
import math
import os
import struct
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = sys.argv[1] if len(sys.argv) > 1 else "/work/shared"
MODEL = os.path.join(SHARED, "data/models/llama2c/stories260K.bin")
TOKENIZER = os.path.join(SHARED, "data/models/llama2c/tok512.bin")
DATA = os.path.join(SHARED, "data/corpus/TinyStories/validation.jsonl.gz")
N_DOCS = 50
CONFIGS = [(256, 256), (256, 128), (64, 48)]
BOS = 1


# ------------------------------------------------------------------ checkpoint (llama2.c legacy)

def load_llama2c(path):
    with open(path, "rb") as f:
        raw = f.read()
    dim, hidden, layers, heads, kv_heads, vocab, seq_len = struct.unpack("<7i", raw[:28])
    shared = vocab > 0
    vocab = abs(vocab)
    data = np.frombuffer(raw, dtype="<f4", offset=28).astype(np.float64)
    head = dim // heads
    kv = kv_heads * head
    at = [0]

    def take(*shape):
        n = int(np.prod(shape))
        out = data[at[0]:at[0] + n].reshape(shape)
        at[0] += n
        return out

    w = {"emb": take(vocab, dim), "rms_att": take(layers, dim), "wq": take(layers, dim, dim),
         "wk": take(layers, kv, dim), "wv": take(layers, kv, dim), "wo": take(layers, dim, dim),
         "rms_ffn": take(layers, dim), "w1": take(layers, hidden, dim), "w2": take(layers, dim, hidden),
         "w3": take(layers, hidden, dim), "rms_final": take(dim)}
    take(seq_len, head // 2)  # freq_cis_real (recomputed below)
    take(seq_len, head // 2)  # freq_cis_imag
    w["cls"] = w["emb"] if shared else take(vocab, dim)
    assert at[0] == data.size, "file size does not match the header"
    cfg = dict(dim=dim, hidden=hidden, layers=layers, heads=heads, kv_heads=kv_heads, vocab=vocab,
               seq_len=seq_len, head=head)
    return cfg, w


def rmsnorm(x, g):
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + 1e-5) * g


def rope(x, n_heads, head):
    """llama2.c RoPE: pairs (2i, 2i+1) inside each head rotated by pos / 10000^(2i/head). x [T, n_heads*head]."""
    t = x.shape[0]
    pos = np.arange(t, dtype=np.float64)[:, None]
    freq = 1.0 / np.power(10000.0, np.arange(0, head, 2, dtype=np.float64) / head)  # [head/2]
    ang = pos * freq[None, :]  # [T, head/2]
    c, s = np.cos(ang), np.sin(ang)
    xr = x.reshape(t, n_heads, head // 2, 2)
    x0, x1 = xr[..., 0], xr[..., 1]
    out = np.empty_like(xr)
    out[..., 0] = x0 * c[:, None, :] - x1 * s[:, None, :]
    out[..., 1] = x0 * s[:, None, :] + x1 * c[:, None, :]
    return out.reshape(t, n_heads * head)


def forward(cfg, w, ids):
    """Logits [T, V] (float64) of a token sequence fed from position 0."""
    t, h, kvh, d = len(ids), cfg["heads"], cfg["kv_heads"], cfg["head"]
    x = w["emb"][np.asarray(ids)]
    mask = np.triu(np.full((t, t), -np.inf), k=1)
    for l in range(cfg["layers"]):
        xn = rmsnorm(x, w["rms_att"][l])
        q = rope(xn @ w["wq"][l].T, h, d).reshape(t, h, d)
        k = rope(xn @ w["wk"][l].T, kvh, d).reshape(t, kvh, d)
        v = (xn @ w["wv"][l].T).reshape(t, kvh, d)
        rep = h // kvh
        att_out = np.empty((t, h, d))
        for hh in range(h):
            s = q[:, hh, :] @ k[:, hh // rep, :].T / math.sqrt(d) + mask
            s = np.exp(s - s.max(axis=1, keepdims=True))
            s /= s.sum(axis=1, keepdims=True)
            att_out[:, hh, :] = s @ v[:, hh // rep, :]
        x = x + att_out.reshape(t, h * d) @ w["wo"][l].T
        xn = rmsnorm(x, w["rms_ffn"][l])
        a = xn @ w["w1"][l].T
        x = x + ((a / (1 + np.exp(-a))) * (xn @ w["w3"][l].T)) @ w["w2"][l].T
    return rmsnorm(x, w["rms_final"]) @ w["cls"].T


# ------------------------------------------------------------------ tokenizer (llama2.c encode)

def load_tokenizer(path):
    with open(path, "rb") as f:
        raw = f.read()
    (max_len,) = struct.unpack("<i", raw[:4])
    at, pieces, scores = 4, [], []
    while at < len(raw):
        score, n = struct.unpack("<fi", raw[at:at + 8])
        pieces.append(raw[at + 8:at + 8 + n])
        scores.append(score)
        at += 8 + n
    return pieces, scores


def encode(text, pieces, scores, index):
    tokens = []
    if text:
        tokens.append(index[b" "])
    for ch in text:
        b = ch.encode("utf-8")
        if b in index:
            tokens.append(index[b])
        else:
            tokens.extend(x + 3 for x in b)
    while True:
        best, best_id, best_at = -1e10, -1, -1
        for i in range(len(tokens) - 1):
            j = index.get(pieces[tokens[i]] + pieces[tokens[i + 1]], -1)
            if j != -1 and scores[j] > best:
                best, best_id, best_at = scores[j], j, i
        if best_at == -1:
            return tokens
        tokens[best_at:best_at + 2] = [best_id]


# ------------------------------------------------------------------ strided perplexity

def log_softmax_at(logits, targets):
    m = logits.max(axis=1, keepdims=True)
    lse = m[:, 0] + np.log(np.exp(logits - m).sum(axis=1))
    return logits[np.arange(len(targets)), targets] - lse


def doc_nll(cfg, w, ids, seq_len, stride):
    last = len(ids) - 1
    nll, scored, prev, b = 0.0, 0, 0, 0
    while prev < last:
        e = min(b + seq_len, last)
        logits = forward(cfg, w, ids[b:e])  # row r predicts ids[b + r + 1]
        first = prev + 1  # first target this window scores
        rows = np.arange(first - 1 - b, e - b)
        lp = log_softmax_at(logits[rows], np.asarray(ids[first:e + 1]))
        nll -= float(lp.sum())
        scored += e - prev
        prev = e
        b += stride
    return nll, scored


def main():
    with gzip.open(DATA, "rt", encoding="utf-8") as f:
        lines = [f.readline() for _ in range(N_DOCS)]
    os.makedirs(os.path.join(HERE, "TinyStories"), exist_ok=True)
    with open(os.path.join(HERE, "TinyStories", "validation_first50.jsonl"), "w", encoding="utf-8", newline="\n") as f:
        f.writelines(lines)
    texts = [json.loads(l)["text"] for l in lines]
    pieces, scores = load_tokenizer(TOKENIZER)
    index = {}
    for i, p in enumerate(pieces):
        index.setdefault(p, i)
    ids = [[BOS] + encode(t, pieces, scores, index) for t in texts]
    cfg, w = load_llama2c(MODEL)
    n_bytes = sum(len(t.encode("utf-8")) for t in texts)
    results = []
    for seq_len, stride in CONFIGS:
        total, count = 0.0, 0
        for doc in ids:
            n, c = doc_nll(cfg, w, doc, seq_len, stride)
            total += n
            count += c
        results.append({"seq_len": seq_len, "stride": stride, "nll_sum": total, "tokens": count,
                        "mean_nll": total / count, "perplexity": math.exp(total / count), "bytes": n_bytes,
                        "bits_per_byte": total / math.log(2) / n_bytes})
        print(results[-1], flush=True)
    out = {"model": "stories260K.bin", "tokenizer": "tok512.bin",
           "data": "TinyStories/validation.jsonl.gz, first %d records (TinyStories/validation_first50.jsonl)" % N_DOCS,
           "generator": "make_ppl_golden.py (numpy float64 forward, llama2.c encode)",
           "results": results, "token_ids": ids}
    with open(os.path.join(HERE, "stories260K_ppl_golden.json"), "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
