package io.moe4j.eval.harness;

/** An aggregated metric and its standard error (NaN when undefined, e.g. one item). */
public record MetricValue(double value, double stderr) {}
