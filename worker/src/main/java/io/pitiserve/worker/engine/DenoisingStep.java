package io.pitiserve.worker.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDResource;
import ai.djl.ndarray.index.NDIndex;
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
 * them, whatever their timesteps, samplers and guidance, then one vectorised update in which every
 * row uses its own coefficients.
 *
 * <p>Rows of the decoder batch: the conditional row of every trajectory, in group order, then the
 * unconditional row of every guided one. All temporaries live in a sub-manager closed at the end of
 * the step; only the new latents survive, moved to their jobs' managers.
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

    /** Timings of one step in nanoseconds: the decoder call and everything else. */
    public record Timing(long forwardNanos, long totalNanos) {
    }

    /** Advances every trajectory of {@code group} (all of {@code stage}, none finished) by one step. */
    public static Timing run(Stage stage, List<Trajectory> group, NDManager parent) {
        long started = System.nanoTime();
        int n = group.size();
        if (n == 0) {
            return new Timing(0, 0);
        }
        int size = stage.resolution();
        int perSample = 3 * size * size;
        NDArray[] next = new NDArray[n];
        long forwardNanos;
        try (NDManager step = parent.newSubManager()) {
            Set<NDResource> inputs = Collections.newSetFromMap(new IdentityHashMap<>());
            for (Trajectory trajectory : group) {
                if (trajectory.stage() != stage || trajectory.finished()) {
                    throw new IllegalArgumentException("every trajectory of a step must be an unfinished one of its stage");
                }
                inputs.addAll(trajectory.stepInputs());
            }
            step.tempAttachAll(inputs.toArray(NDResource[]::new));

            List<Trajectory> guided = new ArrayList<>();
            for (Trajectory trajectory : group) {
                if (trajectory.guided()) {
                    guided.add(trajectory);
                }
            }
            int rows = n + guided.size();
            NDList latents = new NDList(rows);
            NDList projections = new NDList(rows);
            NDList tokens = new NDList(rows);
            NDList lowRes = new NDList(rows);
            float[] timesteps = new float[rows];
            int row = 0;
            for (Trajectory trajectory : group) {
                latents.add(trajectory.latent());
                projections.add(trajectory.conditional().xfProj());
                tokens.add(trajectory.conditional().xfOut());
                if (trajectory.lowRes() != null) {
                    lowRes.add(trajectory.lowRes());
                }
                timesteps[row++] = trajectory.schedule().timestep(trajectory.index());
            }
            for (Trajectory trajectory : guided) {
                latents.add(trajectory.latent());
                projections.add(trajectory.unconditional().xfProj());
                tokens.add(trajectory.unconditional().xfOut());
                if (trajectory.lowRes() != null) {
                    lowRes.add(trajectory.lowRes());
                }
                timesteps[row++] = trajectory.schedule().timestep(trajectory.index());
            }
            NDList decoderInputs = new NDList(
                    concat(latents), step.create(timesteps), concat(projections), concat(tokens));
            if (stage.kind() == StageKind.UPSAMPLER) {
                decoderInputs.add(concat(lowRes));
            }
            StepCoefficients coefficients = StepCoefficients.of(group);
            // Noise does not depend on the network's output: draw it on another core while the
            // decoder runs.
            CompletableFuture<float[]> noise = coefficients.anyNoise()
                    ? CompletableFuture.supplyAsync(() -> drawNoise(group, perSample), NOISE_THREADS)
                    : null;

            long forwardStarted = System.nanoTime();
            NDArray out = stage.decode(decoderInputs);
            forwardNanos = System.nanoTime() - forwardStarted;

            NDArray eps = out.get(new NDIndex("0:{}, 0:3", n));
            if (!guided.isEmpty()) {
                eps = guide(step, group, out, eps, n);
            }
            NDArray x = latents.size() == n ? decoderInputs.get(0) : decoderInputs.get(0).get(new NDIndex("0:{}", n));
            NDArray x0 = coefficients.times(x, step, StepCoefficients.R1)
                    .subi(coefficients.times(eps, step, StepCoefficients.R2)).clip(-1, 1);
            NDArray result = coefficients.times(x0, step, Sampler.A);
            if (coefficients.any(Sampler.B)) {
                result.addi(coefficients.times(x, step, Sampler.B));
            }
            if (coefficients.any(Sampler.C)) {
                NDArray epsFromX0 = coefficients.times(x, step, StepCoefficients.R1).subi(x0);
                result.addi(coefficients.times(epsFromX0, step, StepCoefficients.C_OVER_R2));
            }
            if (noise != null) {
                // exp(logvar / 2) with logvar = frac E + (1 - frac) F and frac = (v + 1) / 2,
                // folded into exp(v H + G) with per-row G = (E + F) / 4 and H = (E - F) / 4.
                NDArray variance = out.get(new NDIndex("0:{}, 3:6", n));
                NDArray std = coefficients.addTo(coefficients.times(variance, step, StepCoefficients.H),
                        step, StepCoefficients.G).exp();
                NDArray z = step.create(noise.join(), new Shape(n, 3, size, size));
                result.addi(std.muli(z));
            }
            if (n == 1) {
                next[0] = result;
                result.detach();
            } else {
                for (int j = 0; j < n; j++) {
                    next[j] = result.get(new NDIndex("{}:{}", j, j + 1));
                    next[j].detach();
                }
            }
        }
        // The step's manager has returned every input to its owner; now the latents can move on.
        for (int j = 0; j < n; j++) {
            group.get(j).advance(next[j]);
        }
        return new Timing(forwardNanos, System.nanoTime() - started);
    }

    /** Noise of the next step of every trajectory that draws one; zeros for the others. */
    private static float[] drawNoise(List<Trajectory> group, int perSample) {
        float[] noise = new float[group.size() * perSample];
        for (int j = 0; j < group.size(); j++) {
            Trajectory trajectory = group.get(j);
            if (trajectory.sampler().drawsNoise(trajectory.schedule(), trajectory.index())) {
                trajectory.noise().fill(trajectory.stepsTaken() + 1, noise, j * perSample, perSample);
            }
        }
        return noise;
    }

    private static NDArray guide(NDManager step, List<Trajectory> group, NDArray out, NDArray conditionalEps, int n) {
        long[] unconditionalRow = new long[n];
        float[] scales = new float[n];
        boolean anyNormalized = false;
        float[] normalized = new float[n];
        int guidedRow = n;
        for (int j = 0; j < n; j++) {
            Trajectory trajectory = group.get(j);
            if (trajectory.guided()) {
                unconditionalRow[j] = guidedRow++;
                scales[j] = (float) trajectory.guidance().scale();
                if (trajectory.guidance().mode() == Guidance.Mode.NORMALIZED) {
                    normalized[j] = 1;
                    anyNormalized = true;
                }
            } else {
                // An unguided row is its own "unconditional" row with scale 1: eps_c exactly.
                unconditionalRow[j] = j;
                scales[j] = 1;
            }
        }
        NDArray allEps = out.get(new NDIndex(":, 0:3"));
        NDArray unconditionalEps = allEps.get(step.create(unconditionalRow));
        NDArray scale = step.create(scales, new Shape(n, 1, 1, 1));
        NDArray guidedEps = unconditionalEps.add(scale.mul(conditionalEps.sub(unconditionalEps)));
        if (!anyNormalized) {
            return guidedEps;
        }
        // Statistics per sample and channel over the H x W pixels (one flattened axis).
        Shape shape = guidedEps.getShape();
        Shape flat = new Shape(n, shape.get(1), shape.get(2) * shape.get(3));
        NDArray w = scale.sub(1);
        NDArray meanC = spatialMean(conditionalEps.reshape(flat));
        NDArray meanU = spatialMean(unconditionalEps.reshape(flat));
        NDArray varC = spatialMean(conditionalEps.sub(meanC).square().reshape(flat));
        NDArray varU = spatialMean(unconditionalEps.sub(meanU).square().reshape(flat));
        NDArray meanHat = meanC.add(w.mul(meanC.sub(meanU)));
        NDArray varHat = w.add(1).square().mul(varC).add(w.square().mul(varU));
        NDArray normalizedEps = guidedEps.sub(meanHat).div(varHat.sqrt()).mul(varC.sqrt()).add(meanC);
        NDArray useNormalized = step.create(normalized, new Shape(n, 1, 1, 1)).gt(0.5f)
                .broadcast(guidedEps.getShape());
        return NDArrays.where(useNormalized, normalizedEps, guidedEps);
    }

    /** Mean over the last axis of [n, C, H*W], shaped [n, C, 1, 1] to broadcast over images. */
    private static NDArray spatialMean(NDArray flat) {
        Shape shape = flat.getShape();
        return flat.mean(new int[] {2}, true).reshape(shape.get(0), shape.get(1), 1, 1);
    }

    private static NDArray concat(NDList arrays) {
        return arrays.size() == 1 ? arrays.head() : NDArrays.concat(arrays);
    }

}
