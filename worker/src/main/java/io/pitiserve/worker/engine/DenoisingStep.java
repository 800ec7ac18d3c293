package io.pitiserve.worker.engine;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.pitiserve.worker.engine.schedule.RespacedSchedule;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One denoising step of a group of trajectories that share a stage: ONE decoder call for all of
 * them, whatever their timesteps, samplers, guidance and inputs, then each trajectory's own update.
 *
 * <p>Rows of the decoder batch: the conditional row of every trajectory, in group order, then the
 * unconditional row of every guided one. The update (guidance, x0, posterior mean, noise) runs on
 * the host in float32 with each row's own float64-derived coefficients, operation by operation as
 * the reference does it. On the CPU the latents and timesteps go to the decoder through tensors each
 * thread makes once and reuses; what a step allocates natively (its output, joined encodings, input
 * copies on a GPU) belongs to a sub-manager closed at the end of the step. A handful of native calls
 * per step (the decoder, one download, the close) keep the engine's own cost small next to the
 * network's, on CPU as on GPU.
 */
public final class DenoisingStep {

    /**
     * Each thread's host buffers and input tensors, reused by all of its steps until the thread
     * {@linkplain #releaseWorkspace() releases} them.
     */
    private static final ThreadLocal<Workspace> WORKSPACES = ThreadLocal.withInitial(Workspace::new);

    /** How many threads' workspaces hold a native manager now. */
    private static final AtomicInteger OPEN_MANAGERS = new AtomicInteger();

    /** Draws noise while the decoder runs; daemon threads, so they never keep the JVM alive. */
    private static final Executor NOISE_THREADS = Executors.newFixedThreadPool(1, runnable -> {
        Thread thread = new Thread(runnable, "pitiserve-noise");
        thread.setDaemon(true);
        return thread;
    });

    private DenoisingStep() {
    }

    /**
     * Closes the calling thread's input tensors and the native manager holding them, and drops its
     * buffers. A thread that runs steps calls it when it has no more to run (a compute thread as it
     * ends, an engine call as it returns); a later step on the thread starts a new workspace.
     */
    public static void releaseWorkspace() {
        WORKSPACES.get().close();
        WORKSPACES.remove();
    }

    /** How many threads hold a workspace's native manager now, released or not yet. */
    public static int openWorkspaceManagers() {
        return OPEN_MANAGERS.get();
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
        List<Trajectory> rowOwners = rowOwners(stage, group);
        Layout layout = new Layout(stage.resolution(), n, rowOwners.size());
        Workspace workspace = WORKSPACES.get();
        double[][] coefficients = coefficients(group);
        CompletableFuture<float[]> noise = noiseMeanwhile(group, coefficients, layout, workspace);
        float[] out = workspace.out(layout.rows * layout.outPerRow);
        Calls calls;
        try {
            calls = decode(stage, rowOwners, layout, workspace, parent, shape, out);
        } catch (RuntimeException e) {
            if (noise != null) {
                // Let the draw finish before anything reuses its buffer.
                noise.exceptionally(failure -> null).join();
            }
            throw e;
        }
        updateAll(group, coefficients, layout, workspace, out, noise == null ? null : noise.join());
        return new Timing(calls.forwardNanos, System.nanoTime() - started, calls.count, layout.rows, calls.padding);
    }

    /**
     * The sizes of one step: {@code pixels} per image, {@code perSample} latent floats of a row,
     * {@code outPerRow} output floats of a row (eps then variance values), {@code n} trajectories and
     * {@code rows} decoder rows.
     */
    private record Layout(int size, int pixels, int perSample, int outPerRow, int n, int rows) {
        Layout(int size, int n, int rows) {
            this(size, size * size, 3 * size * size, 6 * size * size, n, rows);
        }
    }

    /** The decoder calls of one step: their count, their time in the decoder and their padding rows. */
    private record Calls(int count, long forwardNanos, int padding) {
    }

    /** The owner of each decoder row: every trajectory (conditional rows), then every guided one again. */
    private static List<Trajectory> rowOwners(Stage stage, List<Trajectory> group) {
        List<Trajectory> rowOwners = new ArrayList<>(2 * group.size());
        rowOwners.addAll(group);
        for (Trajectory trajectory : group) {
            if (trajectory.stage() != stage || trajectory.finished()) {
                throw new IllegalArgumentException("every trajectory of a step must be an unfinished one of its stage");
            }
            if (trajectory.guided()) {
                rowOwners.add(trajectory);
            }
        }
        return rowOwners;
    }

    /** Each trajectory's coefficients, computed once per step and used by the noise draw and the update. */
    private static double[][] coefficients(List<Trajectory> group) {
        double[][] coefficients = new double[group.size()][];
        for (int j = 0; j < group.size(); j++) {
            Trajectory trajectory = group.get(j);
            coefficients[j] = trajectory.sampler().coefficients(trajectory.schedule(), trajectory.index());
        }
        return coefficients;
    }

    /** The noise of the step drawn on another core while the decoder runs; null when no trajectory draws any. */
    private static CompletableFuture<float[]> noiseMeanwhile(List<Trajectory> group, double[][] coefficients,
                                                             Layout layout, Workspace workspace) {
        boolean anyNoise = false;
        for (double[] c : coefficients) {
            anyNoise |= c[Sampler.D] != 0.0;
        }
        if (!anyNoise) {
            return null;
        }
        // Noise does not depend on the network's output.
        float[] target = workspace.noise(layout.n * layout.perSample);
        return CompletableFuture.supplyAsync(() -> drawNoise(group, coefficients, layout.perSample, target),
                NOISE_THREADS);
    }

    /** Runs the decoder over every row, cut into calls as {@code shape} says, its output downloaded into {@code out}. */
    private static Calls decode(Stage stage, List<Trajectory> rowOwners, Layout layout, Workspace workspace,
                                NDManager parent, CallShape shape, float[] out) {
        int rows = layout.rows;
        long forwardNanos = 0;
        int calls = 0;
        int padding = 0;
        try (NDManager step = parent.newSubManager()) {
            int perCall = Math.max(1, Math.min(shape.rowsPerCall(), shape.padded() ? shape.rowsPerCall() : rows));
            for (int from = 0; from < rows; from += perCall) {
                int real = Math.min(perCall, rows - from);
                int callRows = shape.padded() ? perCall : real;
                shape.checkFits(callRows);
                NDList decoderInputs = callInputs(step, stage, workspace, rowOwners, layout.n, from, real, callRows,
                        layout.perSample, layout.size);
                long forwardStarted = System.nanoTime();
                // the output comes attached to the manager of the first input: on the CPU the thread's own
                NDArray output = stage.decode(decoderInputs);
                output.attach(step);
                output.toByteBuffer(true).asFloatBuffer().get(0, out, from * layout.outPerRow, real * layout.outPerRow);
                forwardNanos += System.nanoTime() - forwardStarted;
                calls++;
                padding += callRows - real;
            }
        }
        return new Calls(calls, forwardNanos, padding);
    }

    /** Guides each guided trajectory's eps, then updates and advances every trajectory of the group. */
    private static void updateAll(List<Trajectory> group, double[][] coefficients, Layout layout, Workspace workspace,
                                  float[] out, float[] z) {
        int guidedRow = layout.n;
        for (int j = 0; j < layout.n; j++) {
            Trajectory trajectory = group.get(j);
            int conditionalOffset = j * layout.outPerRow;
            float[] eps = out;
            int epsOffset = conditionalOffset;
            if (trajectory.guided()) {
                eps = workspace.eps(layout.perSample);
                epsOffset = 0;
                Guiding.guide(trajectory.guidance(), out, conditionalOffset, guidedRow++ * layout.outPerRow,
                        layout.pixels, eps);
            }
            update(trajectory, coefficients[j], eps, epsOffset, out, conditionalOffset + layout.perSample, z,
                    j * layout.perSample, trajectory.spare());
            trajectory.advance();
        }
    }

    /**
     * The decoder inputs of rows {@code from .. from + real - 1}, followed by {@code callRows - real}
     * copies of the first of them (padding whose output is dropped). Row {@code r} belongs to
     * {@code rowOwners.get(r)}: its conditional encoding for the first {@code n} rows, its
     * unconditional one after them. The latents and timesteps go into the thread's own tensors;
     * encodings of several rows are concatenated into arrays of {@code step}.
     */
    private static NDList callInputs(NDManager step, Stage stage, Workspace workspace, List<Trajectory> rowOwners,
                                     int n, int from, int real, int callRows, int perSample, int size) {
        FloatBuffer latents = workspace.latents.writable(callRows * perSample);
        FloatBuffer timesteps = workspace.timesteps.writable(callRows);
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
        NDManager own = workspace.tensors(step.getDevice());
        NDList decoderInputs = new NDList(
                workspace.latents.tensor(own, step, new Shape(callRows, 3, size, size)),
                workspace.timesteps.tensor(own, step, new Shape(callRows)),
                concat(projections, step),
                concat(tokens, step));
        if (stage.kind() == StageKind.UPSAMPLER) {
            decoderInputs.add(concat(lowRes, step));
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
        float[] history = trajectory.previousX0();
        if (history != null) {
            // Multistep: this step's x0 replaces the previous one once it has been used.
            float p = (float) c[Sampler.P];
            for (int k = 0; k < length; k++) {
                float xk = x[k];
                float x0 = Math.min(1f, Math.max(-1f, r1 * xk - r2 * eps[epsOffset + k]));
                next[k] = a * x0 + b * xk + p * history[k];
                history[k] = x0;
            }
        } else if (cEps != 0f) {
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
     * step after it: the decoder's latent and timestep inputs (direct buffers and the tensors over
     * them), the downloaded output, the noise and the guided eps. The tensors live in a manager of
     * the thread's own, closed when the thread {@linkplain DenoisingStep#releaseWorkspace() releases}
     * its workspace.
     */
    private static final class Workspace implements AutoCloseable {
        private final DecoderInput latents = new DecoderInput();
        private final DecoderInput timesteps = new DecoderInput();
        private NDManager manager;
        private float[] out = new float[0];
        private float[] noise = new float[0];
        private float[] eps = new float[0];

        /** The manager of this thread's input tensors on {@code device}. */
        NDManager tensors(Device device) {
            if (manager == null || !manager.getDevice().equals(device)) {
                close();
                manager = NDManager.newBaseManager(device);
                OPEN_MANAGERS.incrementAndGet();
            }
            return manager;
        }

        /** Closes the tensors and their manager. */
        @Override
        public void close() {
            latents.forget();
            timesteps.forget();
            if (manager != null) {
                manager.close();
                manager = null;
                OPEN_MANAGERS.decrementAndGet();
            }
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

    /**
     * One float32 input of the decoder: a direct buffer the step writes into and, where a tensor can
     * read that buffer in place (the CPU), a tensor per call shape made once over it, so that a step
     * creates no input tensor. Where a tensor would hold a copy (a GPU), each call creates its
     * tensor from the buffer in the step's manager, as a copy has to be made anyway.
     */
    private static final class DecoderInput {
        private static final int MAX_SHAPES = 16;

        private ByteBuffer bytes = ByteBuffer.allocateDirect(0);
        private FloatBuffer floats = bytes.asFloatBuffer();
        private final Map<Shape, NDArray> tensors = new HashMap<>();
        private Device copiesOn;

        /** The buffer, with room for {@code count} floats, to write this call's values into. */
        FloatBuffer writable(int count) {
            if (bytes.capacity() < 4 * count) {
                forget();  // the tensors point into the old buffer
                bytes = ByteBuffer.allocateDirect(4 * count).order(ByteOrder.nativeOrder());
                floats = bytes.asFloatBuffer();
            }
            return floats;
        }

        /**
         * The tensor of {@code shape} holding what was written: the thread's own, made in {@code own}
         * the first time, or a copy made in {@code step} on a device whose tensors cannot read it.
         */
        NDArray tensor(NDManager own, NDManager step, Shape shape) {
            NDArray tensor = tensors.get(shape);  // Workspace.tensors forgets them when the manager changes
            if (tensor != null) {
                return tensor;
            }
            ByteBuffer view = bytes.duplicate().order(ByteOrder.nativeOrder()).clear().limit(4 * (int) shape.size());
            if (own.getDevice().equals(copiesOn)) {
                return step.create(view, shape, DataType.FLOAT32);
            }
            if (tensors.size() >= MAX_SHAPES) {
                forget();
            }
            tensor = own.create(view, shape, DataType.FLOAT32);
            if (!readsInPlace(tensor)) {
                tensor.close();
                copiesOn = own.getDevice();
                return step.create(view, shape, DataType.FLOAT32);
            }
            tensors.put(shape, tensor);
            return tensor;
        }

        /** Whether {@code tensor} sees a change of the buffer, checked once with its first value. */
        private boolean readsInPlace(NDArray tensor) {
            float first = bytes.getFloat(0);
            float probe = first == 1f ? 2f : 1f;
            bytes.putFloat(0, probe);
            boolean inPlace = tensor.toFloatArray()[0] == probe;
            bytes.putFloat(0, first);
            return inPlace;
        }

        /** Closes every tensor (they are made again on demand). */
        void forget() {
            tensors.values().forEach(NDArray::close);
            tensors.clear();
        }
    }

    private static NDArray concat(NDList arrays, NDManager step) {
        if (arrays.size() == 1) {
            return arrays.head();
        }
        NDArray joined = NDArrays.concat(arrays);
        joined.attach(step);
        return joined;
    }
}
