package io.pitiserve.worker.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDResource;
import ai.djl.ndarray.types.Shape;
import io.pitiserve.worker.engine.schedule.RespacedSchedule;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;

/**
 * One denoising step of a group of trajectories that share a stage: ONE decoder call for all of
 * them, whatever their timesteps, samplers, guidance and inputs, then each trajectory's own update.
 *
 * <p>Rows of the decoder batch: the conditional row of every trajectory, in group order, then the
 * unconditional row of every guided one. The update (guidance, x0, posterior mean, noise) runs on
 * the host in float32 with each row's own float64-derived coefficients, operation by operation as
 * the reference does it; native memory is confined to a sub-manager closed at the end of the step.
 * A handful of native calls per step (the uploads, the decoder, one download, the close) keep the
 * engine's own cost small next to the network's, on CPU as on GPU.
 */
public final class DenoisingStep {

    /** Draws noise while the decoder runs; daemon threads, so they never keep the JVM alive. */
    private static final Executor NOISE_THREADS = Executors.newFixedThreadPool(1, runnable -> {
        Thread thread = new Thread(runnable, "pitiserve-noise");
        thread.setDaemon(true);
        return thread;
    });

    private DenoisingStep() {
    }

    /**
     * Timings of one step in nanoseconds (the decoder calls and everything), its decoder calls, the
     * rows of its trajectories and the padding rows added to give every call its fixed shape.
     */
    public record Timing(long forwardNanos, long totalNanos, int calls, int rows, int paddingRows) {
    }

    /** Advances every trajectory of {@code group} (all of {@code stage}, none finished) by one step in one call. */
    public static Timing run(Stage stage, List<Trajectory> group, NDManager parent) {
        return run(stage, group, parent, CallShape.ONE_CALL);
    }

    /**
     * Advances every trajectory of {@code group} by one step, its decoder rows cut into calls as
     * {@code shape} says. Nothing of a trajectory changes unless every call succeeded, so a step that
     * failed (a device out of memory) can be run again with a smaller shape.
     */
    public static Timing run(Stage stage, List<Trajectory> group, NDManager parent, CallShape shape) {
        long started = System.nanoTime();
        int n = group.size();
        if (n == 0) {
            return new Timing(0, 0, 0, 0, 0);
        }
        List<Trajectory> guided = new ArrayList<>();
        for (Trajectory trajectory : group) {
            if (trajectory.stage() != stage || trajectory.finished()) {
                throw new IllegalArgumentException("every trajectory of a step must be an unfinished one of its stage");
            }
            if (trajectory.guided()) {
                guided.add(trajectory);
            }
        }
        int size = stage.resolution();
        int pixels = size * size;
        int perSample = 3 * pixels;
        int rows = n + guided.size();

        CompletableFuture<float[]> noise = null;
        // Each row's coefficients, computed once per step and used by the noise draw and the update.
        double[][] coefficients = new double[n][];
        boolean anyNoise = false;
        for (int j = 0; j < n; j++) {
            Trajectory trajectory = group.get(j);
            coefficients[j] = trajectory.sampler().coefficients(trajectory.schedule(), trajectory.index());
            anyNoise |= coefficients[j][Sampler.D] != 0.0;
        }
        if (anyNoise) {
            // Noise does not depend on the network's output: draw it on another core meanwhile.
            noise = CompletableFuture.supplyAsync(() -> drawNoise(group, coefficients, perSample), NOISE_THREADS);
        }

        float[] latents = new float[rows * perSample];
        float[] timesteps = new float[rows];
        NDList projections = new NDList(rows);
        NDList tokens = new NDList(rows);
        NDList lowRes = new NDList(rows);
        int row = 0;
        for (Trajectory trajectory : group) {
            addRow(trajectory, trajectory.conditional(), row++, latents, timesteps, projections, tokens, lowRes);
        }
        for (Trajectory trajectory : guided) {
            addRow(trajectory, trajectory.unconditional(), row++, latents, timesteps, projections, tokens, lowRes);
        }

        int outPerRow = 6 * pixels;
        float[] out = new float[rows * outPerRow];
        long forwardNanos = 0;
        int calls = 0;
        int padding = 0;
        try (NDManager step = parent.newSubManager()) {
            Set<NDResource> inputs = Collections.newSetFromMap(new IdentityHashMap<>());
            for (Trajectory trajectory : group) {
                inputs.addAll(trajectory.stepInputs());
            }
            step.tempAttachAll(inputs.toArray(NDResource[]::new));
            int perCall = Math.max(1, Math.min(shape.rowsPerCall(), shape.padded() ? shape.rowsPerCall() : rows));
            for (int from = 0; from < rows; from += perCall) {
                int real = Math.min(perCall, rows - from);
                int callRows = shape.padded() ? perCall : real;
                shape.checkFits(callRows);
                NDList decoderInputs = callInputs(step, stage, from, real, callRows, perSample, size, latents,
                        timesteps, projections, tokens, lowRes);
                long forwardStarted = System.nanoTime();
                NDArray output = stage.decode(decoderInputs);
                float[] values = output.toFloatArray();
                forwardNanos += System.nanoTime() - forwardStarted;
                System.arraycopy(values, 0, out, from * outPerRow, real * outPerRow);
                calls++;
                padding += callRows - real;
            }
        } catch (RuntimeException e) {
            if (noise != null) {
                noise.cancel(false);
            }
            throw e;
        }

        float[] z = noise == null ? null : noise.join();
        int guidedRow = n;
        for (int j = 0; j < n; j++) {
            Trajectory trajectory = group.get(j);
            int conditionalOffset = j * 6 * pixels;
            float[] eps;
            if (trajectory.guided()) {
                eps = Guiding.guide(trajectory.guidance(), out, conditionalOffset, guidedRow++ * 6 * pixels, pixels);
            } else {
                eps = new float[perSample];
                System.arraycopy(out, conditionalOffset, eps, 0, perSample);
            }
            float[] next = update(trajectory, coefficients[j], eps, out, conditionalOffset + perSample, z,
                    j * perSample);
            trajectory.advance(next);
        }
        return new Timing(forwardNanos, System.nanoTime() - started, calls, rows, padding);
    }

    /**
     * The decoder inputs of rows {@code from .. from + real - 1}, followed by {@code callRows - real}
     * copies of the first of them (padding whose output is dropped).
     */
    private static NDList callInputs(NDManager step, Stage stage, int from, int real, int callRows, int perSample,
                                     int size, float[] latents, float[] timesteps, NDList projections, NDList tokens,
                                     NDList lowRes) {
        boolean whole = from == 0 && real == timesteps.length && callRows == real;
        float[] callLatents;
        float[] callTimesteps;
        if (whole) {
            callLatents = latents;
            callTimesteps = timesteps;
        } else {
            callLatents = new float[callRows * perSample];
            callTimesteps = new float[callRows];
            System.arraycopy(latents, from * perSample, callLatents, 0, real * perSample);
            System.arraycopy(timesteps, from, callTimesteps, 0, real);
            for (int k = real; k < callRows; k++) {
                System.arraycopy(latents, from * perSample, callLatents, k * perSample, perSample);
                callTimesteps[k] = timesteps[from];
            }
        }
        NDList decoderInputs = new NDList(
                step.create(callLatents, new Shape(callRows, 3, size, size)),
                step.create(callTimesteps),
                concat(rowsOf(projections, from, real, callRows)),
                concat(rowsOf(tokens, from, real, callRows)));
        if (stage.kind() == StageKind.UPSAMPLER) {
            decoderInputs.add(concat(rowsOf(lowRes, from, real, callRows)));
        }
        return decoderInputs;
    }

    private static NDList rowsOf(NDList arrays, int from, int real, int callRows) {
        if (from == 0 && real == arrays.size() && callRows == real) {
            return arrays;
        }
        NDList rows = new NDList(callRows);
        for (int k = 0; k < callRows; k++) {
            rows.add(arrays.get(from + (k < real ? k : 0)));
        }
        return rows;
    }

    private static void addRow(Trajectory trajectory, Encoding encoding, int row, float[] latents, float[] timesteps,
                               NDList projections, NDList tokens, NDList lowRes) {
        float[] latent = trajectory.latent();
        System.arraycopy(latent, 0, latents, row * latent.length, latent.length);
        timesteps[row] = trajectory.schedule().timestep(trajectory.index());
        projections.add(encoding.xfProj());
        tokens.add(encoding.xfOut());
        if (trajectory.lowRes() != null) {
            lowRes.add(trajectory.lowRes());
        }
    }

    /**
     * One trajectory's update from its guided eps and its variance values ({@code out} from
     * {@code varianceOffset}); {@code z} holds its noise from {@code noiseOffset} when it draws any.
     */
    private static float[] update(Trajectory trajectory, double[] c, float[] eps, float[] out, int varianceOffset,
                                  float[] z, int noiseOffset) {
        RespacedSchedule schedule = trajectory.schedule();
        int i = trajectory.index();
        float r1 = (float) schedule.sqrtRecipAlphaBar(i);
        float r2 = (float) schedule.sqrtRecipM1AlphaBar(i);
        float a = (float) c[Sampler.A];
        float b = (float) c[Sampler.B];
        float cEps = (float) c[Sampler.C];
        boolean noisy = c[Sampler.D] != 0.0;
        float e = (float) c[Sampler.E];
        float f = (float) c[Sampler.F];
        // DDIM's noise scale is one number per step; DDPM's depends on each pixel's variance value.
        boolean constantNoise = c[Sampler.E] == c[Sampler.F];
        float constantStd = (float) Math.exp(c[Sampler.E] / 2);
        float[] x = trajectory.latent();
        float[] next = new float[x.length];
        for (int k = 0; k < x.length; k++) {
            float xk = x[k];
            float x0 = Math.min(1f, Math.max(-1f, r1 * xk - r2 * eps[k]));
            float value = a * x0 + b * xk;
            if (cEps != 0f) {
                value += cEps * ((r1 * xk - x0) / r2);
            }
            if (noisy) {
                float std;
                if (constantNoise) {
                    std = constantStd;
                } else {
                    float frac = (out[varianceOffset + k] + 1f) / 2f;
                    std = (float) Math.exp(0.5f * (frac * e + (1f - frac) * f));
                }
                value += std * z[noiseOffset + k];
            }
            next[k] = value;
        }
        return next;
    }

    /** Noise of the next step of every trajectory that draws one; zeros for the others. */
    private static float[] drawNoise(List<Trajectory> group, double[][] coefficients, int perSample) {
        float[] noise = new float[group.size() * perSample];
        for (int j = 0; j < group.size(); j++) {
            Trajectory trajectory = group.get(j);
            if (coefficients[j][Sampler.D] != 0.0) {
                trajectory.noise().fill(trajectory.stepsTaken() + 1, noise, j * perSample, perSample);
            }
        }
        return noise;
    }

    private static NDArray concat(NDList arrays) {
        return arrays.size() == 1 ? arrays.head() : NDArrays.concat(arrays);
    }
}
