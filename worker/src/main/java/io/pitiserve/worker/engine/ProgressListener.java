package io.pitiserve.worker.engine;

/** Told after every denoising step of a job. Called on the engine's thread: keep it cheap. */
@FunctionalInterface
public interface ProgressListener {

    /** {@code step} of {@code of} steps of {@code stage} are done (1-based). */
    void onStep(StageKind stage, int step, int of);

    ProgressListener NONE = (stage, step, of) -> { };
}
