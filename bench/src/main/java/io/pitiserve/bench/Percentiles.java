package io.pitiserve.bench;

import java.util.Arrays;
import java.util.Collection;

import tools.jackson.databind.node.ObjectNode;

/**
 * Nearest-rank percentiles of a set of samples, in the samples' own unit. With fewer than 100
 * samples the 99th percentile is the largest sample.
 */
public final class Percentiles {

    private final double[] sorted;

    private Percentiles(double[] sorted) {
        this.sorted = sorted;
    }

    public static Percentiles of(Collection<Double> samples) {
        double[] values = samples.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(values);
        return new Percentiles(values);
    }

    /** The smallest sample with at least {@code q} percent of the samples at or below it; NaN when empty. */
    public double at(double q) {
        if (q <= 0 || q > 100) {
            throw new IllegalArgumentException("percentile must be in (0, 100], got " + q);
        }
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(q / 100.0 * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }

    public double p50() {
        return at(50);
    }

    public double p99() {
        return at(99);
    }

    public double max() {
        return sorted.length == 0 ? Double.NaN : sorted[sorted.length - 1];
    }

    public int count() {
        return sorted.length;
    }

    /**
     * Puts the median and the 99th percentile, samples in milliseconds, into a report as
     * {@code <prefix>p50_ms} and {@code <prefix>p99_ms}, each rounded to a tenth.
     *
     * @return {@code json}
     */
    ObjectNode putMillis(ObjectNode json, String prefix) {
        return json.put(prefix + "p50_ms", tenth(p50())).put(prefix + "p99_ms", tenth(p99()));
    }

    /** Rounded to a tenth, the precision every report uses. */
    static double tenth(double millis) {
        return Math.round(millis * 10.0) / 10.0;
    }
}
