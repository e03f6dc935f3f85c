/**
 * Streaming readers for SlimPajama-style JSONL corpora (plain, gzip, zstd), in a per-domain folder
 * layout or SlimPajama's flat train/validation layout, with counted or fatal handling of malformed lines.
 */
package io.moe4j.data.corpus;
