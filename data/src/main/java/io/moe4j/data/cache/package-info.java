/**
 * The tokenize-once cache: {@link io.moe4j.data.cache.Prepare} writes flat uint16/uint32 token
 * files, document offsets and a {@code manifest.json}; {@link io.moe4j.data.cache.TokenCache}
 * memory-maps them for training.
 */
package io.moe4j.data.cache;
