package io.pitiserve.worker.engine;

import ai.djl.ndarray.NDArray;
import io.pitiserve.worker.engine.noise.NoiseSource;
import io.pitiserve.worker.engine.schedule.RespacedSchedule;

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
    private float[] latent;
    private float[] spare;
    private final float[] previousX0;
    private int stepsTaken;

    private Trajectory(Stage stage, RespacedSchedule schedule, Sampler sampler, Guidance guidance,
                       Encoding conditional, Encoding unconditional, NDArray lowRes, NoiseSource noise,
                       float[] latent) {
        this.stage = stage;
        this.schedule = schedule;
        this.sampler = sampler;
        this.guidance = guidance;
        this.conditional = conditional;
        this.unconditional = unconditional;
        this.lowRes = lowRes;
        this.noise = noise;
        this.latent = latent;
        this.spare = new float[latent.length];
        this.previousX0 = sampler.keepsX0() ? new float[latent.length] : null;
    }

    /**
     * Starts a trajectory at its noisiest step with x_T = noise_scale * (draw 0 of {@code noise}).
     *
     * @param unconditional required when {@code guidance} needs it, else ignored
     * @param lowRes        the quantised base image [1, 3, h, h] for the upsampler, null for the base
     */
    public static Trajectory start(Stage stage, RespacedSchedule schedule, Sampler sampler, Guidance guidance,
                                   Encoding conditional, Encoding unconditional, NDArray lowRes,
                                   NoiseSource noise) {
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
        return new Trajectory(stage, schedule, sampler, guidance, conditional,
                guidance.needsUnconditional() ? unconditional : null, lowRes, noise, initial);
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

    /**
     * The current latent, 3 x H x W floats (CHW); after the last step, the stage's output in
     * [-1, 1]. Latents live on the host between steps: one copy to the device and one back per
     * step is small next to a decoder call, and it lets any group form without device bookkeeping.
     * The array is reused two steps later: read it before the next step, or copy it.
     */
    public float[] latent() {
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

    /** Where the next step writes its result; the latent stays untouched until {@link #advance}. */
    float[] spare() {
        return spare;
    }

    /**
     * The clipped x0 of this trajectory's last step, for a multistep sampler's next one (its own
     * solver history, whatever shares its batch); null for samplers that keep none. The step
     * overwrites it with its own x0 as it writes {@link #spare}.
     */
    float[] previousX0() {
        return previousX0;
    }

    /** Makes the result the next step wrote into {@link #spare} the latent. */
    void advance() {
        float[] previous = latent;
        latent = spare;
        spare = previous;
        stepsTaken++;
    }
}
