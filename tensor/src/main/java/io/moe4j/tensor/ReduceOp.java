package io.moe4j.tensor;

/** Reductions along one axis. */
public enum ReduceOp { SUM, MEAN, MAX, MIN }
