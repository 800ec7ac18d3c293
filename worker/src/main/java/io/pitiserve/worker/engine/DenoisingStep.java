package io.pitiserve.worker.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDResource;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.pitiserve.worker.engine.schedule.RespacedSchedule;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
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
    private static final ThreadLocal<Workspace> WORKSPACES = ThreadLocal.withInitial(Workspace::new);

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
        List<Trajectory> rowOwners = new ArrayList<>(2 * n);
        rowOwners.addAll(group);
        for (Trajectory trajectory : group) {
            if (trajectory.stage() != stage || trajectory.finished()) {
                throw new IllegalArgumentException("every trajectory of a step must be an unfinished one of its stage");
            }
            if (trajectory.guided()) {
                rowOwners.add(trajectory);
            }
        }
        int size = stage.resolution();
        int pixels = size * size;
        int perSample = 3 * pixels;
        int outPerRow = 6 * pixels;
        int rows = rowOwners.size();
        Workspace workspace = WORKSPACES.get();

        // Each row's coefficients, computed once per step and used by the noise draw and the update.
        double[][] coefficients = new double[n][];
        boolean anyNoise = false;
        for (int j = 0; j < n; j++) {
            Trajectory trajectory = group.get(j);
            coefficients[j] = trajectory.sampler().coefficients(trajectory.schedule(), trajectory.index());
            anyNoise |= coefficients[j][Sampler.D] != 0.0;
        }
        CompletableFuture<float[]> noise = null;
        if (anyNoise) {
            // Noise does not depend on the network's output: draw it on another core meanwhile.
            float[] target = workspace.noise(n * perSample);
            noise = CompletableFuture.supplyAsync(() -> drawNoise(group, coefficients, perSample, target), NOISE_THREADS);
        }

        float[] out = workspace.out(rows * outPerRow);
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
                NDList decoderInputs = callInputs(step, stage, workspace, rowOwners, n, from, real, callRows,
                        perSample, size);
                long forwardStarted = System.nanoTime();
                NDArray output = stage.decode(decoderInputs);
                output.toByteBuffer(true).asFloatBuffer().get(0, out, from * outPerRow, real * outPerRow);
                forwardNanos += System.nanoTime() - forwardStarted;
                calls++;
                padding += callRows - real;
            }
        } catch (RuntimeException e) {
            if (noise != null) {
                // Let the draw finish before anything reuses its buffer.
                noise.exceptionally(failure -> null).join();
            }
            throw e;
        }

        float[] z = noise == null ? null : noise.join();
        int guidedRow = n;
        for (int j = 0; j < n; j++) {
            Trajectory trajectory = group.get(j);
            int conditionalOffset = j * outPerRow;
            float[] eps = out;
            int epsOffset = conditionalOffset;
            if (trajectory.guided()) {
                eps = workspace.eps(perSample);
                epsOffset = 0;
                Guiding.guide(trajectory.guidance(), out, conditionalOffset, guidedRow++ * outPerRow, pixels, eps);
            }
            update(trajectory, coefficients[j], eps, epsOffset, out, conditionalOffset + perSample, z, j * perSample,
                    trajectory.spare());
            trajectory.advance();
        }
        return new Timing(forwardNanos, System.nanoTime() - started, calls, rows, padding);
    }

    /**
     * The decoder inputs of rows {@code from .. from + real - 1}, followed by {@code callRows - real}
     * copies of the first of them (padding whose output is dropped). Row {@code r} belongs to
     * {@code rowOwners.get(r)}: its conditional encoding for the first {@code n} rows, its
     * unconditional one after them. The latents go through the thread's reused direct buffer.
     */
    private static NDList callInputs(NDManager step, Stage stage, Workspace workspace, List<Trajectory> rowOwners,
                                     int n, int from, int real, int callRows, int perSample, int size) {
        ByteBuffer latentBytes = workspace.latents(callRows * perSample);
        FloatBuffer latents = workspace.latentFloats;
        ByteBuffer timestepBytes = workspace.timesteps(callRows);
        FloatBuffer timesteps = workspace.timestepFloats;
        NDList projections = new NDList(callRows);
        NDList tokens = new NDList(callRows);
        NDList lowRes = new NDList(callRows);
        for (int k = 0; k < callRows; k++) {
            int row = from + (k < real ? k : 0);
            Trajectory trajectory = rowOwners.get(row);
            Encoding encoding = row < n ? trajectory.conditional() : trajectory.unconditional();
            latents.put(k * perSample, trajectory.latent(), 0, perSample);
            timesteps.put(k, trajectory.schedule().timestep(trajectory.index()));
            projections.add(encoding.xfProj());
            tokens.add(encoding.xfOut());
            if (trajectory.lowRes() != null) {
                lowRes.add(trajectory.lowRes());
            }
        }
        NDList decoderInputs = new NDList(
                step.create(latentBytes, new Shape(callRows, 3, size, size), DataType.FLOAT32),
                step.create(timestepBytes, new Shape(callRows), DataType.FLOAT32),
                concat(projections),
                concat(tokens));
        if (stage.kind() == StageKind.UPSAMPLER) {
            decoderInputs.add(concat(lowRes));
        }
        return decoderInputs;
    }

    /**
     * One trajectory's update from its guided eps ({@code eps} from {@code epsOffset}) and its
     * variance values ({@code out} from {@code varianceOffset}), written into {@code next};
     * {@code z} holds its noise from {@code noiseOffset} when it draws any.
     */
    private static void update(Trajectory trajectory, double[] c, float[] eps, int epsOffset, float[] out,
                               int varianceOffset, float[] z, int noiseOffset, float[] next) {
        RespacedSchedule schedule = trajectory.schedule();
        int i = trajectory.index();
        float r1 = (float) schedule.sqrtRecipAlphaBar(i);
        float r2 = (float) schedule.sqrtRecipM1AlphaBar(i);
        float a = (float) c[Sampler.A];
        float b = (float) c[Sampler.B];
        float cEps = (float) c[Sampler.C];
        float[] x = trajectory.latent();
        int length = x.length;
        if (cEps != 0f) {
            // DDIM: the eps implied by the clipped x0.
            for (int k = 0; k < length; k++) {
                float xk = x[k];
                float x0 = Math.min(1f, Math.max(-1f, r1 * xk - r2 * eps[epsOffset + k]));
                next[k] = a * x0 + b * xk + cEps * ((r1 * xk - x0) / r2);
            }
        } else {
            for (int k = 0; k < length; k++) {
                float xk = x[k];
                float x0 = Math.min(1f, Math.max(-1f, r1 * xk - r2 * eps[epsOffset + k]));
                next[k] = a * x0 + b * xk;
            }
        }
        if (c[Sampler.D] == 0.0) {
            return;
        }
        if (c[Sampler.E] == c[Sampler.F]) {
            // DDIM's noise scale is one number per step.
            float std = (float) Math.exp(c[Sampler.E] / 2);
            for (int k = 0; k < length; k++) {
                next[k] += std * z[noiseOffset + k];
            }
            return;
        }
        // DDPM's learned range: std = exp((frac E + (1 - frac) F) / 2) with frac = (v + 1) / 2,
        // an exponent linear in the network's variance value v: exp(mid + half * v).
        double e = c[Sampler.E];
        double f = c[Sampler.F];
        float mid = (float) ((e + f) / 4);
        float half = (float) ((e - f) / 4);
        for (int k = 0; k < length; k++) {
            next[k] += HostMath.exp(mid + half * out[varianceOffset + k]) * z[noiseOffset + k];
        }
    }

    /** Noise of the next step of every trajectory that draws one, into its slice of {@code noise}; the others' slices are not read. */
    private static float[] drawNoise(List<Trajectory> group, double[][] coefficients, int perSample, float[] noise) {
        for (int j = 0; j < group.size(); j++) {
            Trajectory trajectory = group.get(j);
            if (coefficients[j][Sampler.D] != 0.0) {
                trajectory.noise().fill(trajectory.stepsTaken() + 1, noise, j * perSample, perSample);
            }
        }
        return noise;
    }

    /**
     * Host buffers of one thread's steps, grown to the largest step it has run and reused by every
     * step after it: the direct buffers the decoder's latents and timesteps are created from (on
     * CPU the tensors use them in place), the downloaded output, the noise and the guided eps.
     */
    private static final class Workspace {
        private ByteBuffer latentBytes = ByteBuffer.allocateDirect(0);
        private FloatBuffer latentFloats = latentBytes.asFloatBuffer();
        private ByteBuffer timestepBytes = ByteBuffer.allocateDirect(0);
        private FloatBuffer timestepFloats = timestepBytes.asFloatBuffer();
        private float[] out = new float[0];
        private float[] noise = new float[0];
        private float[] eps = new float[0];

        ByteBuffer latents(int floats) {
            if (latentBytes.capacity() < 4 * floats) {
                latentBytes = ByteBuffer.allocateDirect(4 * floats).order(ByteOrder.nativeOrder());
                latentFloats = latentBytes.asFloatBuffer();
            }
            return latentBytes.clear().limit(4 * floats);
        }

        ByteBuffer timesteps(int floats) {
            if (timestepBytes.capacity() < 4 * floats) {
                timestepBytes = ByteBuffer.allocateDirect(4 * floats).order(ByteOrder.nativeOrder());
                timestepFloats = timestepBytes.asFloatBuffer();
            }
            return timestepBytes.clear().limit(4 * floats);
        }

        float[] out(int floats) {
            if (out.length < floats) {
                out = new float[floats];
            }
            return out;
        }

        float[] noise(int floats) {
            if (noise.length < floats) {
                noise = new float[floats];
            }
            return noise;
        }

        float[] eps(int floats) {
            if (eps.length < floats) {
                eps = new float[floats];
            }
            return eps;
        }
    }

    private static NDArray concat(NDList arrays) {
        return arrays.size() == 1 ? arrays.head() : NDArrays.concat(arrays);
    }
}
