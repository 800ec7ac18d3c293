package io.pitiserve.worker.engine;

import ai.djl.ndarray.NDArray;

/**
 * The condition encoder's output for one input: {@code xfProj} [1, W] and {@code xfOut} [1, W, T].
 * Computed once per job and fed to every step.
 */
public record Encoding(NDArray xfProj, NDArray xfOut) {
}
