package io.pitiserve.worker.evaluation;

import java.util.List;

/**
 * The sufficient statistics of a set of patch feature rows (count, sum, sum of outer products), from
 * which the mean and covariance a Fréchet distance needs follow exactly. Sums of disjoint sets add,
 * so the reference statistics of any subset of a dataset come from per-image sums: the bundled
 * held-out set ships those instead of its reference renders.
 *
 * @param count rows
 * @param sum   the sum of the rows ({@value PatchFeatures#COUNT} values)
 * @param outer the sum of the rows' outer products (a symmetric {@value PatchFeatures#COUNT} square)
 */
public record PatchStatistics(long count, double[] sum, double[][] outer) {

    public PatchStatistics {
        int d = PatchFeatures.COUNT;
        if (count < 0 || sum.length != d || outer.length != d) {
            throw new IllegalArgumentException("patch statistics need " + d + " features");
        }
        for (double[] row : outer) {
            if (row.length != d) {
                throw new IllegalArgumentException("patch statistics need a " + d + " x " + d + " outer sum");
            }
        }
    }

    /** No rows. */
    public static PatchStatistics empty() {
        return new PatchStatistics(0, new double[PatchFeatures.COUNT], new double[PatchFeatures.COUNT][PatchFeatures.COUNT]);
    }

    /** The statistics of the patches of one image. */
    public static PatchStatistics of(RgbImage image) {
        double[][] rows = PatchFeatures.of(image);
        int d = PatchFeatures.COUNT;
        double[] sum = new double[d];
        double[][] outer = new double[d][d];
        for (double[] row : rows) {
            for (int i = 0; i < d; i++) {
                sum[i] += row[i];
                for (int j = 0; j < d; j++) {
                    outer[i][j] += row[i] * row[j];
                }
            }
        }
        return new PatchStatistics(rows.length, sum, outer);
    }

    /** The statistics of the union of the sets. */
    public static PatchStatistics sum(List<PatchStatistics> parts) {
        PatchStatistics total = empty();
        for (PatchStatistics part : parts) {
            total = total.plus(part);
        }
        return total;
    }

    /** The statistics of the union of this set and {@code other}. */
    public PatchStatistics plus(PatchStatistics other) {
        int d = PatchFeatures.COUNT;
        double[] s = new double[d];
        double[][] o = new double[d][d];
        for (int i = 0; i < d; i++) {
            s[i] = sum[i] + other.sum[i];
            for (int j = 0; j < d; j++) {
                o[i][j] = outer[i][j] + other.outer[i][j];
            }
        }
        return new PatchStatistics(count + other.count, s, o);
    }

    /** The mean row. */
    public double[] mean() {
        double[] mean = new double[sum.length];
        for (int i = 0; i < sum.length; i++) {
            mean[i] = sum[i] / count;
        }
        return mean;
    }

    /** The sample covariance (normalised by count - 1, as numpy's {@code cov}). */
    public double[][] covariance() {
        if (count < 2) {
            throw new IllegalStateException("a covariance needs at least 2 patches, have " + count);
        }
        double[] mean = mean();
        int d = sum.length;
        double[][] cov = new double[d][d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                cov[i][j] = (outer[i][j] - count * mean[i] * mean[j]) / (count - 1);
            }
        }
        return cov;
    }
}
