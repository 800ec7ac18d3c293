package io.pitiserve.worker.engine.noise;

/**
 * The standard-normal draws of one sample in one stage.
 *
 * <p>Draw 0 is the initial latent (before the stage's noise scale), draw {@code j >= 1} the noise of
 * the j-th step taken. A source depends only on its own identity (job seed, stage, sample), never on
 * which other samples share a batch, so a job's result does not depend on its neighbours.
 */
public interface NoiseSource {

    /**
     * Writes draw {@code index} ({@code 0} = initial latent, {@code j} = j-th step) into {@code target}
     * starting at {@code offset}; {@code length} values.
     */
    void fill(int index, float[] target, int offset, int length);
}
