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

    private static final int R1 = Sampler.COUNT;
    private static final int R2 = Sampler.COUNT + 1;
    private static final int COLUMNS = Sampler.COUNT + 2;

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
            long forwardStarted = System.nanoTime();
            NDArray out = stage.decode(decoderInputs);
            forwardNanos = System.nanoTime() - forwardStarted;

            NDArray eps = out.get(new NDIndex("0:{}, 0:3", n));
            NDArray variance = out.get(new NDIndex("0:{}, 3:6", n));
            if (!guided.isEmpty()) {
                eps = guide(step, group, out, eps, n);
            }

            float[] table = new float[n * COLUMNS];
            boolean anyC = false;
            boolean anyNoise = false;
            float[] noise = null;
            for (int j = 0; j < n; j++) {
                Trajectory trajectory = group.get(j);
                RespacedSchedule schedule = trajectory.schedule();
                int i = trajectory.index();
                double[] c = trajectory.sampler().coefficients(schedule, i);
                for (int k = 0; k < Sampler.COUNT; k++) {
                    table[j * COLUMNS + k] = (float) c[k];
                }
                table[j * COLUMNS + R1] = (float) schedule.sqrtRecipAlphaBar(i);
                table[j * COLUMNS + R2] = (float) schedule.sqrtRecipM1AlphaBar(i);
                anyC |= c[Sampler.C] != 0.0;
                if (c[Sampler.D] != 0.0) {
                    if (noise == null) {
                        noise = new float[n * perSample];
                    }
                    trajectory.noise().fill(trajectory.stepsTaken() + 1, noise, j * perSample, perSample);
                    anyNoise = true;
                }
            }
            NDArray coefficients = step.create(table, new Shape(n, COLUMNS));
            NDArray x = latents.size() == n ? decoderInputs.get(0) : decoderInputs.get(0).get(new NDIndex("0:{}", n));
            NDArray x0 = x.mul(column(coefficients, R1, n)).sub(eps.mul(column(coefficients, R2, n))).clip(-1, 1);
            NDArray result = x0.mul(column(coefficients, Sampler.A, n)).add(x.mul(column(coefficients, Sampler.B, n)));
            if (anyC) {
                NDArray epsFromX0 = x.mul(column(coefficients, R1, n)).sub(x0).div(column(coefficients, R2, n));
                result = result.add(epsFromX0.mul(column(coefficients, Sampler.C, n)));
            }
            if (anyNoise) {
                NDArray frac = variance.add(1).div(2);
                NDArray logVariance = frac.mul(column(coefficients, Sampler.E, n))
                        .add(frac.neg().add(1).mul(column(coefficients, Sampler.F, n)));
                NDArray z = step.create(noise, new Shape(n, 3, size, size));
                result = result.add(logVariance.mul(0.5).exp().mul(z).mul(column(coefficients, Sampler.D, n)));
            }
            for (int j = 0; j < n; j++) {
                next[j] = result.get(new NDIndex("{}:{}", j, j + 1));
                next[j].detach();
            }
        }
        // The step's manager has returned every input to its owner; now the latents can move on.
        for (int j = 0; j < n; j++) {
            group.get(j).advance(next[j]);
        }
        return new Timing(forwardNanos, System.nanoTime() - started);
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
        int[] spatial = {2, 3};
        NDArray w = scale.sub(1);
        NDArray meanC = conditionalEps.mean(spatial, true);
        NDArray meanU = unconditionalEps.mean(spatial, true);
        NDArray varC = conditionalEps.sub(meanC).square().mean(spatial, true);
        NDArray varU = unconditionalEps.sub(meanU).square().mean(spatial, true);
        NDArray meanHat = meanC.add(w.mul(meanC.sub(meanU)));
        NDArray varHat = w.add(1).square().mul(varC).add(w.square().mul(varU));
        NDArray normalizedEps = guidedEps.sub(meanHat).div(varHat.sqrt()).mul(varC.sqrt()).add(meanC);
        NDArray useNormalized = step.create(normalized, new Shape(n, 1, 1, 1)).gt(0.5f)
                .broadcast(guidedEps.getShape());
        return NDArrays.where(useNormalized, normalizedEps, guidedEps);
    }

    private static NDArray concat(NDList arrays) {
        return arrays.size() == 1 ? arrays.head() : NDArrays.concat(arrays);
    }

    private static NDArray column(NDArray table, int column, int n) {
        return table.get(new NDIndex(":, {}", column)).reshape(n, 1, 1, 1);
    }
}
