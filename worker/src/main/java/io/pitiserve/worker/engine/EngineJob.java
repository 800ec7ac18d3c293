package io.pitiserve.worker.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.pitiserve.common.npy.NpyArray;
import io.pitiserve.worker.engine.noise.FileNoise;
import io.pitiserve.worker.engine.noise.NoiseSource;
import io.pitiserve.worker.engine.noise.SeededNoise;
import io.pitiserve.worker.engine.schedule.RespacedSchedule;
import io.pitiserve.worker.engine.schedule.Spacing;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One job's state across both stages, whoever steps its trajectories: its schedules, its native
 * memory (encodings, low-res images) and its wall-clock phases. The single-job engine and the
 * step-level scheduler both go through it, so a job is set up, handed between stages and finished
 * the same way whether it runs alone or batched with others.
 */
public final class EngineJob implements AutoCloseable {

    private final PitiModel model;
    private final TranslationRequest request;
    private final RespacedSchedule baseSchedule;
    private final RespacedSchedule srSchedule;
    private final Guidance baseGuidance;
    private NDManager manager;
    private Encoding srConditional;
    private List<float[]> baseImages = List.of();
    private long encodeNanos;
    private long baseStarted;
    private long baseNanos;
    private long srStarted;

    private EngineJob(PitiModel model, TranslationRequest request, RespacedSchedule baseSchedule,
                      RespacedSchedule srSchedule) {
        this.model = model;
        this.request = request;
        this.baseSchedule = baseSchedule;
        this.srSchedule = srSchedule;
        this.baseGuidance = model.base().spec().guided() ? request.guidance() : Guidance.NONE;
    }

    /**
     * Checks {@code request} against {@code model} (input shape, respacings, recorded noise) without
     * touching native memory.
     *
     * @throws IllegalArgumentException when the request does not fit the model
     */
    public static EngineJob prepare(PitiModel model, TranslationRequest request) {
        ModelManifest.Input input = model.manifest().input();
        if (request.channels() != input.channels() || request.size() != input.size()) {
            throw new IllegalArgumentException("model " + model.manifest().name() + " takes " + input.channels()
                    + " x " + input.size() + " x " + input.size() + " inputs, got " + request.channels() + " x "
                    + request.size() + " x " + request.size());
        }
        Stage base = model.base();
        Stage upsampler = model.upsampler();
        Spacing spacing = request.sampler().spacing();
        RespacedSchedule baseSchedule = base.schedule(orDefault(request.baseRespacing(), base), spacing);
        RespacedSchedule srSchedule = upsampler.schedule(orDefault(request.srRespacing(), upsampler), spacing);
        checkRecordedNoise(request, StageKind.BASE, base, baseSchedule);
        checkRecordedNoise(request, StageKind.UPSAMPLER, upsampler, srSchedule);
        return new EngineJob(model, request, baseSchedule, srSchedule);
    }

    public PitiModel model() {
        return model;
    }

    public TranslationRequest request() {
        return request;
    }

    /** Decoder rows of this job in a base step: one per sample, two when guided. */
    public int baseRows() {
        return request.numSamples() * (baseGuidance.needsUnconditional() ? 2 : 1);
    }

    /** Decoder rows of this job in an upsampler step. */
    public int upsamplerRows() {
        return request.numSamples();
    }

    /** Decoder rows of this job in a step of {@code stage}. */
    public int rows(StageKind stage) {
        return stage == StageKind.BASE ? baseRows() : upsamplerRows();
    }

    public int baseSteps() {
        return baseSchedule.length();
    }

    public int upsamplerSteps() {
        return srSchedule.length();
    }

    /** Encodes the input for both stages (one encoder call each) and starts one base trajectory per sample. */
    public List<Trajectory> startBase() {
        if (manager != null) {
            throw new IllegalStateException("the base stage of this job was started already");
        }
        long started = System.nanoTime();
        manager = NDManager.newBaseManager(model.device());
        Stage base = model.base();
        NDArray ref = manager.create(request.ref(), new Shape(1, request.channels(), request.size(), request.size()));
        Encoding conditional = base.encode(ref);
        Encoding unconditional = baseGuidance.needsUnconditional() ? base.unconditional(manager) : null;
        srConditional = model.upsampler().encode(ref);
        encodeNanos = System.nanoTime() - started;
        baseStarted = System.nanoTime();
        List<Trajectory> group = new ArrayList<>();
        for (int s = 0; s < request.numSamples(); s++) {
            group.add(Trajectory.start(base, baseSchedule, request.sampler(), baseGuidance, conditional,
                    unconditional, null, noise(StageKind.BASE, s)));
        }
        return group;
    }

    /** Quantises the finished base trajectories and starts one upsampler trajectory per sample. */
    public List<Trajectory> startUpsampler(List<Trajectory> base) {
        baseNanos = System.nanoTime() - baseStarted;
        srStarted = System.nanoTime();
        Stage upsampler = model.upsampler();
        int baseSize = model.base().resolution();
        List<float[]> quantised = new ArrayList<>();
        List<Trajectory> group = new ArrayList<>();
        for (int s = 0; s < base.size(); s++) {
            Trajectory trajectory = base.get(s);
            if (!trajectory.finished()) {
                throw new IllegalStateException("sample " + s + " has not finished its base stage");
            }
            float[] levels = TranslationEngine.quantise(trajectory.latent());
            quantised.add(levels);
            NDArray lowRes = manager.create(levels, new Shape(1, 3, baseSize, baseSize));
            group.add(Trajectory.start(upsampler, srSchedule, request.sampler(), Guidance.NONE, srConditional, null,
                    lowRes, noise(StageKind.UPSAMPLER, s)));
        }
        baseImages = quantised;
        return group;
    }

    /** The result once every upsampler trajectory finished; {@code forwardNanos} is the decoder time spent on it. */
    public TranslationResult finish(List<Trajectory> upsampled, long forwardNanos) {
        double srMs = (System.nanoTime() - srStarted) / 1e6;
        List<float[]> images = new ArrayList<>();
        for (Trajectory trajectory : upsampled) {
            if (!trajectory.finished()) {
                throw new IllegalStateException("a sample has not finished its upsampler stage");
            }
            images.add(trajectory.latent());
        }
        return new TranslationResult(images, model.upsampler().resolution(),
                request.keepBaseImages() ? baseImages : List.of(), model.base().resolution(),
                new TranslationResult.Timings(encodeNanos / 1e6, baseNanos / 1e6, srMs, baseSchedule.length(),
                        srSchedule.length(), forwardNanos / 1e6));
    }

    /** Frees the job's native memory; safe to call more than once. */
    @Override
    public void close() {
        if (manager != null) {
            manager.close();
        }
    }

    private NoiseSource noise(StageKind stage, int sample) {
        if (request.noise() != null && request.noise().forStage(stage) != null) {
            return new FileNoise(request.noise().forStage(stage), sample);
        }
        return new SeededNoise(request.seed(), stage.ordinal(), sample);
    }

    private static String orDefault(String respacing, Stage stage) {
        return respacing == null || respacing.isBlank() ? stage.spec().respacing() : respacing;
    }

    private static void checkRecordedNoise(TranslationRequest request, StageKind kind, Stage stage,
                                           RespacedSchedule schedule) {
        if (request.noise() == null || request.noise().forStage(kind) == null) {
            return;
        }
        NpyArray array = request.noise().forStage(kind);
        long[] shape = array.shape();
        int size = stage.resolution();
        long[] expected = {request.sampler().draws(schedule.length()), request.numSamples(), 3, size, size};
        boolean fits = shape.length == 5 && shape[0] >= expected[0] && shape[1] >= expected[1]
                && shape[2] == 3 && shape[3] == size && shape[4] == size;
        if (!fits) {
            throw new IllegalArgumentException(kind.label() + " noise has shape " + Arrays.toString(shape)
                    + ", this job needs " + Arrays.toString(expected) + " (draws = steps + 1, or 1 for " + request.sampler().label() + ", samples, 3, H, W)");
        }
    }
}
