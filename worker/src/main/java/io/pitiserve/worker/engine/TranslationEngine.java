package io.pitiserve.worker.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.pitiserve.common.npy.NpyArray;
import io.pitiserve.worker.engine.noise.FileNoise;
import io.pitiserve.worker.engine.noise.NoiseSource;
import io.pitiserve.worker.engine.noise.SeededNoise;
import io.pitiserve.worker.engine.schedule.RespacedSchedule;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Runs one job through both stages of a {@link PitiModel}: encode once, guided base sampling,
 * the reference's quantisation, unguided upsampling. The samples of the job form one group, so
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
        ModelManifest.Input input = model.manifest().input();
        if (request.channels() != input.channels() || request.size() != input.size()) {
            throw new IllegalArgumentException("model " + model.manifest().name() + " takes " + input.channels()
                    + " x " + input.size() + " x " + input.size() + " inputs, got " + request.channels() + " x "
                    + request.size() + " x " + request.size());
        }
        Stage base = model.base();
        Stage upsampler = model.upsampler();
        RespacedSchedule baseSchedule = base.schedule(orDefault(request.baseRespacing(), base));
        RespacedSchedule srSchedule = upsampler.schedule(orDefault(request.srRespacing(), upsampler));
        checkRecordedNoise(request, StageKind.BASE, base, baseSchedule);
        checkRecordedNoise(request, StageKind.UPSAMPLER, upsampler, srSchedule);

        try (NDManager job = NDManager.newBaseManager(model.device())) {
            long started = System.nanoTime();
            NDArray ref = job.create(request.ref(), new Shape(1, request.channels(), request.size(), request.size()));
            Guidance baseGuidance = base.spec().guided() ? request.guidance() : Guidance.NONE;
            Encoding baseConditional = base.encode(ref);
            Encoding baseUnconditional = baseGuidance.needsUnconditional() ? base.unconditional(job) : null;
            Encoding srConditional = upsampler.encode(ref);
            double encodeMs = millisSince(started);

            long baseStarted = System.nanoTime();
            List<Trajectory> baseGroup = new ArrayList<>();
            for (int s = 0; s < request.numSamples(); s++) {
                baseGroup.add(Trajectory.start(base, baseSchedule, request.sampler(), baseGuidance, baseConditional,
                        baseUnconditional, null, noise(request, StageKind.BASE, s)));
            }
            long forwardNanos = runToEnd(base, baseGroup, job, progress, cancelled);
            int baseSize = base.resolution();
            List<float[]> baseImages = new ArrayList<>();
            List<NDArray> lowRes = new ArrayList<>();
            for (Trajectory trajectory : baseGroup) {
                float[] quantised = quantise(trajectory.latent());
                baseImages.add(quantised);
                lowRes.add(job.create(quantised, new Shape(1, 3, baseSize, baseSize)));
            }
            double baseMs = millisSince(baseStarted);

            long srStarted = System.nanoTime();
            List<Trajectory> srGroup = new ArrayList<>();
            for (int s = 0; s < request.numSamples(); s++) {
                srGroup.add(Trajectory.start(upsampler, srSchedule, request.sampler(), Guidance.NONE, srConditional,
                        null, lowRes.get(s), noise(request, StageKind.UPSAMPLER, s)));
            }
            forwardNanos += runToEnd(upsampler, srGroup, job, progress, cancelled);
            List<float[]> images = new ArrayList<>();
            for (Trajectory trajectory : srGroup) {
                images.add(trajectory.latent());
            }
            double srMs = millisSince(srStarted);

            return new TranslationResult(images, upsampler.resolution(),
                    request.keepBaseImages() ? baseImages : List.of(), base.resolution(),
                    new TranslationResult.Timings(encodeMs, baseMs, srMs, baseSchedule.length(), srSchedule.length(),
                            forwardNanos / 1e6));
        }
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

    private static long runToEnd(Stage stage, List<Trajectory> group, NDManager job, ProgressListener progress,
                                 BooleanSupplier cancelled) {
        long forwardNanos = 0;
        int total = group.get(0).totalSteps();
        while (!group.get(0).finished()) {
            if (cancelled.getAsBoolean()) {
                throw new TranslationCancelledException("cancelled during the " + stage.kind().label() + " stage at step "
                        + group.get(0).stepsTaken() + " of " + total);
            }
            forwardNanos += DenoisingStep.run(stage, group, job).forwardNanos();
            progress.onStep(stage.kind(), group.get(0).stepsTaken(), total);
        }
        return forwardNanos;
    }

    private static String orDefault(String respacing, Stage stage) {
        return respacing == null || respacing.isBlank() ? stage.spec().respacing() : respacing;
    }

    private static NoiseSource noise(TranslationRequest request, StageKind stage, int sample) {
        if (request.noise() != null && request.noise().forStage(stage) != null) {
            return new FileNoise(request.noise().forStage(stage), sample);
        }
        return new SeededNoise(request.seed(), stage.ordinal(), sample);
    }

    private static void checkRecordedNoise(TranslationRequest request, StageKind kind, Stage stage,
                                           RespacedSchedule schedule) {
        if (request.noise() == null || request.noise().forStage(kind) == null) {
            return;
        }
        NpyArray array = request.noise().forStage(kind);
        long[] shape = array.shape();
        int size = stage.resolution();
        long[] expected = {schedule.length() + 1, request.numSamples(), 3, size, size};
        boolean fits = shape.length == 5 && shape[0] >= expected[0] && shape[1] >= expected[1]
                && shape[2] == 3 && shape[3] == size && shape[4] == size;
        if (!fits) {
            throw new IllegalArgumentException(kind.label() + " noise has shape " + java.util.Arrays.toString(shape)
                    + ", this job needs " + java.util.Arrays.toString(expected)
                    + " (draws = steps + 1, samples, 3, H, W)");
        }
    }

    private static double millisSince(long started) {
        return (System.nanoTime() - started) / 1e6;
    }
}
