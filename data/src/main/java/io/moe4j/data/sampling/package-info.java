/**
 * Continual pre-training batches (METHOD.md §5.1–5.3): domain weights and their presets
 * ({@link io.moe4j.data.sampling.DomainWeights}), the per-block domain draw and the dynamic
 * Sheared-LLaMA update ({@link io.moe4j.data.sampling.DomainSampler}), per-domain packing with the
 * 200-document shuffle buffer ({@link io.moe4j.data.sampling.PackedStream}), and the resumable
 * {@link io.moe4j.data.sampling.BatchLoader}. Validation blocks for per-domain loss come from
 * {@link io.moe4j.data.sampling.ValidationStream}.
 */
package io.moe4j.data.sampling;
