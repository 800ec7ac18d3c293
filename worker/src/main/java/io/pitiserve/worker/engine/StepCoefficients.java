package io.pitiserve.worker.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.pitiserve.worker.engine.schedule.RespacedSchedule;

import java.util.List;

/**
 * The per-row coefficients of one group step, cast to float32 the way the reference casts its
 * float64 tables: the sampler's A..F plus sqrt(1/abar) and sqrt(1/abar - 1), and the variance
 * terms folded for a single exp.
 */
final class StepCoefficients {

    static final int R1 = Sampler.COUNT;
    static final int R2 = Sampler.COUNT + 1;
    static final int G = Sampler.COUNT + 2;
    static final int H = Sampler.COUNT + 3;
    static final int C_OVER_R2 = Sampler.COUNT + 4;
    private static final int COLUMNS = Sampler.COUNT + 5;

    private final float[][] columns;
    private final boolean anyNoise;

    private StepCoefficients(float[][] columns, boolean anyNoise) {
        this.columns = columns;
        this.anyNoise = anyNoise;
    }

    static StepCoefficients of(List<Trajectory> group) {
        int n = group.size();
        float[][] columns = new float[COLUMNS][n];
        boolean anyNoise = false;
        for (int j = 0; j < n; j++) {
            Trajectory trajectory = group.get(j);
            RespacedSchedule schedule = trajectory.schedule();
            int i = trajectory.index();
            double[] c = trajectory.sampler().coefficients(schedule, i);
            for (int k = 0; k < Sampler.COUNT; k++) {
                columns[k][j] = (float) c[k];
            }
            columns[R1][j] = (float) schedule.sqrtRecipAlphaBar(i);
            columns[R2][j] = (float) schedule.sqrtRecipM1AlphaBar(i);
            columns[C_OVER_R2][j] = (float) (c[Sampler.C] / schedule.sqrtRecipM1AlphaBar(i));
            if (c[Sampler.D] != 0.0) {
                anyNoise = true;
                columns[G][j] = (float) ((c[Sampler.E] + c[Sampler.F]) / 4);
                columns[H][j] = (float) ((c[Sampler.E] - c[Sampler.F]) / 4);
            }
        }
        return new StepCoefficients(columns, anyNoise);
    }

    boolean anyNoise() {
        return anyNoise;
    }

    /** Whether any row has a non-zero coefficient {@code k}. */
    boolean any(int k) {
        for (float value : columns[k]) {
            if (value != 0f) {
                return true;
            }
        }
        return false;
    }

    /**
     * {@code array} times column {@code k}, row by row. When every row has the same value (a single
     * job, or jobs in step) it is a scalar multiplication, which saves an array transfer per term.
     */
    NDArray times(NDArray array, NDManager manager, int k) {
        return uniform(k) ? array.mul(columns[k][0]) : array.mul(asArray(manager, k));
    }

    /** Adds column {@code k} to {@code array} in place, row by row. */
    NDArray addTo(NDArray array, NDManager manager, int k) {
        return uniform(k) ? array.addi(columns[k][0]) : array.addi(asArray(manager, k));
    }

    private boolean uniform(int k) {
        float[] column = columns[k];
        for (float value : column) {
            if (Float.floatToRawIntBits(value) != Float.floatToRawIntBits(column[0])) {
                return false;
            }
        }
        return true;
    }

    private NDArray asArray(NDManager manager, int k) {
        return manager.create(columns[k], new Shape(columns[k].length, 1, 1, 1));
    }
}
