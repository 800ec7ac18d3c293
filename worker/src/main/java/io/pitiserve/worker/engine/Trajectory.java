package io.pitiserve.worker.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDResource;
import ai.djl.ndarray.types.Shape;
import io.pitiserve.worker.engine.noise.NoiseSource;
import io.pitiserve.worker.engine.schedule.RespacedSchedule;

import java.util.ArrayList;
import java.util.List;

/**
 * One sample of one job in one stage: its latent, its position in its own schedule, its sampler,
 * guidance, encodings and noise. It knows nothing of the other samples it may share a decoder
 * call with; {@link DenoisingStep} batches any group of trajectories of the same stage.
 */
public final class Trajectory {

    private final Stage stage;
    private final RespacedSchedule schedule;
    private final Sampler sampler;
    private final Guidance guidance;
    private final Encoding conditional;
    private final Encoding unconditional;
    private final NDArray lowRes;
    private final NoiseSource noise;
    private final NDManager manager;
    private NDArray latent;
    private int stepsTaken;

    private Trajectory(Stage stage, RespacedSchedule schedule, Sampler sampler, Guidance guidance,
                       Encoding conditional, Encoding unconditional, NDArray lowRes, NoiseSource noise,
                       NDManager manager, NDArray latent) {
        this.stage = stage;
        this.schedule = schedule;
        this.sampler = sampler;
        this.guidance = guidance;
        this.conditional = conditional;
        this.unconditional = unconditional;
        this.lowRes = lowRes;
        this.noise = noise;
        this.manager = manager;
        this.latent = latent;
    }

    /**
     * Starts a trajectory at its noisiest step with x_T = noise_scale * (draw 0 of {@code noise}).
     *
     * @param unconditional required when {@code guidance} needs it, else ignored
     * @param lowRes        the quantised base image [1, 3, h, h] for the upsampler, null for the base
     * @param manager       the job's manager: the latent lives there between steps
     */
    public static Trajectory start(Stage stage, RespacedSchedule schedule, Sampler sampler, Guidance guidance,
                                   Encoding conditional, Encoding unconditional, NDArray lowRes,
                                   NoiseSource noise, NDManager manager) {
        if (guidance.needsUnconditional() && unconditional == null) {
            throw new IllegalArgumentException("guided trajectory needs the unconditional encoding");
        }
        if (stage.kind() == StageKind.UPSAMPLER && lowRes == null) {
            throw new IllegalArgumentException("upsampler trajectory needs the low-res image");
        }
        int size = stage.resolution();
        float[] initial = new float[3 * size * size];
        noise.fill(0, initial, 0, initial.length);
        float scale = (float) stage.spec().noiseScale().doubleValue();
        if (scale != 1.0f) {
            for (int k = 0; k < initial.length; k++) {
                initial[k] *= scale;
            }
        }
        NDArray latent = manager.create(initial, new Shape(1, 3, size, size));
        return new Trajectory(stage, schedule, sampler, guidance, conditional,
                guidance.needsUnconditional() ? unconditional : null, lowRes, noise, manager, latent);
    }

    public Stage stage() {
        return stage;
    }

    public RespacedSchedule schedule() {
        return schedule;
    }

    public Sampler sampler() {
        return sampler;
    }

    public Guidance guidance() {
        return guidance;
    }

    /** Whether this sample's decoder rows include the unconditional half. */
    public boolean guided() {
        return unconditional != null;
    }

    Encoding conditional() {
        return conditional;
    }

    Encoding unconditional() {
        return unconditional;
    }

    NDArray lowRes() {
        return lowRes;
    }

    NoiseSource noise() {
        return noise;
    }

    /** The current latent [1, 3, H, W]; after the last step, the stage's output in [-1, 1]. */
    public NDArray latent() {
        return latent;
    }

    /** Respaced index of the next step (K-1 first, 0 last). */
    public int index() {
        return schedule.length() - 1 - stepsTaken;
    }

    public int stepsTaken() {
        return stepsTaken;
    }

    public int totalSteps() {
        return schedule.length();
    }

    public boolean finished() {
        return stepsTaken >= schedule.length();
    }

    /** The arrays this trajectory reads during a step (latent, encodings, low-res image). */
    List<NDResource> stepInputs() {
        List<NDResource> inputs = new ArrayList<>(6);
        inputs.add(latent);
        inputs.add(conditional.xfProj());
        inputs.add(conditional.xfOut());
        if (unconditional != null) {
            inputs.add(unconditional.xfProj());
            inputs.add(unconditional.xfOut());
        }
        if (lowRes != null) {
            inputs.add(lowRes);
        }
        return inputs;
    }

    /** Replaces the latent by the result of one step; {@code next} is moved to the job's manager. */
    void advance(NDArray next) {
        NDArray previous = latent;
        next.attach(manager);
        latent = next;
        stepsTaken++;
        previous.close();
    }
}
