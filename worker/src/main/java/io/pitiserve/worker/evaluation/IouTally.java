package io.pitiserve.worker.evaluation;

import java.util.Arrays;

/**
 * Intersections and unions per class summed over images, as the tools scorer's {@code quality.IoU}:
 * per-class IoU is their ratio (undefined, NaN, for a class in no prediction and no truth), mIoU the
 * mean over the defined classes.
 */
public final class IouTally {

    private final int[] ids;
    private final long[] intersections;
    private final long[] unions;

    public IouTally(int[] ids) {
        this.ids = ids.clone();
        this.intersections = new long[ids.length];
        this.unions = new long[ids.length];
    }

    /** Adds one image: predicted and true class ids of the same pixels. */
    public void add(int[] predicted, int[] truth) {
        if (predicted.length != truth.length) {
            throw new IllegalArgumentException("prediction and truth differ in size: " + predicted.length
                    + " against " + truth.length);
        }
        for (int k = 0; k < ids.length; k++) {
            int c = ids[k];
            long inter = 0;
            long union = 0;
            for (int p = 0; p < truth.length; p++) {
                boolean inPrediction = predicted[p] == c;
                boolean inTruth = truth[p] == c;
                if (inPrediction && inTruth) {
                    inter++;
                }
                if (inPrediction || inTruth) {
                    union++;
                }
            }
            intersections[k] += inter;
            unions[k] += union;
        }
    }

    /** IoU of every class in the order of the ids, NaN where the class was never seen. */
    public double[] perClass() {
        double[] out = new double[ids.length];
        for (int k = 0; k < ids.length; k++) {
            out[k] = unions[k] > 0 ? (double) intersections[k] / unions[k] : Double.NaN;
        }
        return out;
    }

    /** The mean IoU over the classes seen, NaN when none was. */
    public double mean() {
        return Arrays.stream(perClass()).filter(v -> !Double.isNaN(v)).average().orElse(Double.NaN);
    }
}
