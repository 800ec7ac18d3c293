package io.pitiserve.worker.engine;

import ai.djl.ndarray.NDManager;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Runs one job through both stages of a {@link PitiModel}: encode once, guided base sampling,
 * the reference's quantisation, unguided upsampling (a single-pass model: its one generator forward). The samples of the job form one group, so
 * this is the continuous batcher's code path with a batch made of one job.
 */
public final class TranslationEngine {

    private final PitiModel model;

    public TranslationEngine(PitiModel model) {
        this.model = model;
    }

    public PitiModel model() {
        return model;
    }

    /** Runs {@code request} to the end; see {@link #translate(TranslationRequest, ProgressListener, BooleanSupplier)}. */
    public TranslationResult translate(TranslationRequest request) {
        return translate(request, ProgressListener.NONE, () -> false);
    }

    /**
     * Runs {@code request}, telling {@code progress} after every step and checking
     * {@code cancelled} between steps.
     *
     * @throws IllegalArgumentException           when the request does not fit the model
     * @throws TranslationCancelledException when {@code cancelled} became true
     */
    public TranslationResult translate(TranslationRequest request, ProgressListener progress, BooleanSupplier cancelled) {
        return translate(request, progress, cancelled, CallShape.ONE_CALL);
    }

    /** As {@link #translate(TranslationRequest, ProgressListener, BooleanSupplier)}, decoder calls cut as {@code shape} says. */
    public TranslationResult translate(TranslationRequest request, ProgressListener progress, BooleanSupplier cancelled,
                                       CallShape shape) {
        if (model.singlePass()) {
            if (cancelled.getAsBoolean()) {
                throw new TranslationCancelledException("cancelled before it started");
            }
            TranslationResult result = model.generator().generate(request);
            progress.onStep(StageKind.BASE, 1, 1);
            return result;
        }
        try (EngineJob job = EngineJob.prepare(model, request)) {
            List<Trajectory> base = job.startBase();
            long forwardNanos = runToEnd(model.base(), base, progress, cancelled, shape);
            List<Trajectory> upsampler = job.startUpsampler(base);
            forwardNanos += runToEnd(model.upsampler(), upsampler, progress, cancelled, shape);
            return job.finish(upsampler, forwardNanos);
        }
    }

    /**
     * Request-level batching: the requests run as one fixed group through the base stage, then
     * through the upsampler, and all results come back when the last of them is done. A sample
     * leaves the group when its own schedule ends, but no request joins a running group.
     */
    public List<TranslationResult> translateTogether(List<TranslationRequest> requests, CallShape baseShape,
                                                     CallShape upsamplerShape) {
        List<EngineJob> jobs = new ArrayList<>();
        try {
            for (TranslationRequest request : requests) {
                jobs.add(EngineJob.prepare(model, request));
            }
            List<List<Trajectory>> base = new ArrayList<>();
            for (EngineJob job : jobs) {
                base.add(job.startBase());
            }
            long forwardNanos = runTogether(model.base(), base, baseShape);
            List<List<Trajectory>> upsampler = new ArrayList<>();
            for (int k = 0; k < jobs.size(); k++) {
                upsampler.add(jobs.get(k).startUpsampler(base.get(k)));
            }
            forwardNanos += runTogether(model.upsampler(), upsampler, upsamplerShape);
            List<TranslationResult> results = new ArrayList<>();
            for (int k = 0; k < jobs.size(); k++) {
                results.add(jobs.get(k).finish(upsampler.get(k), forwardNanos));
            }
            return results;
        } finally {
            jobs.forEach(EngineJob::close);
        }
    }

    private long runTogether(Stage stage, List<List<Trajectory>> groups, CallShape shape) {
        List<Trajectory> running = new ArrayList<>();
        groups.forEach(running::addAll);
        long forwardNanos = 0;
        try (NDManager steps = NDManager.newBaseManager(model.device())) {
            while (!running.isEmpty()) {
                forwardNanos += DenoisingStep.run(stage, running, steps, shape).forwardNanos();
                running.removeIf(Trajectory::finished);
            }
        } finally {
            DenoisingStep.releaseWorkspace();
        }
        return forwardNanos;
    }

    /**
     * The reference's hand-off between stages: clamp to [-1, 1], truncate to 8-bit levels, back
     * to [-1, 1].
     */
    static float[] quantise(float[] image) {
        float[] levels = new float[image.length];
        for (int k = 0; k < image.length; k++) {
            float clipped = Math.min(1f, Math.max(-1f, image[k]));
            levels[k] = (float) Math.floor(127.5f * (clipped + 1f)) / 127.5f - 1f;
        }
        return levels;
    }

    private long runToEnd(Stage stage, List<Trajectory> group, ProgressListener progress, BooleanSupplier cancelled,
                          CallShape shape) {
        long forwardNanos = 0;
        int total = group.get(0).totalSteps();
        try (NDManager steps = NDManager.newBaseManager(model.device())) {
            while (!group.get(0).finished()) {
                if (cancelled.getAsBoolean()) {
                    throw new TranslationCancelledException("cancelled during the " + stage.kind().label()
                            + " stage at step " + group.get(0).stepsTaken() + " of " + total);
                }
                forwardNanos += DenoisingStep.run(stage, group, steps, shape).forwardNanos();
                progress.onStep(stage.kind(), group.get(0).stepsTaken(), total);
            }
        } finally {
            DenoisingStep.releaseWorkspace();
        }
        return forwardNanos;
    }
}
