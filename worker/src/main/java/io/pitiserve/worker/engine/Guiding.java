package io.pitiserve.worker.engine;

/**
 * Combines a sample's conditional and unconditional eps (see {@link Guidance}) in float32, the
 * statistics of normalized guidance accumulated in float64.
 */
final class Guiding {

    private Guiding() {
    }

    /**
     * The guided eps (3 x {@code pixels}) from the decoder output {@code out}: the conditional row
     * starts at {@code conditional}, the unconditional one at {@code unconditional}; written into
     * the first 3 x {@code pixels} values of {@code eps}.
     */
    static void guide(Guidance guidance, float[] out, int conditional, int unconditional, int pixels, float[] eps) {
        float s = (float) guidance.scale();
        int length = 3 * pixels;
        for (int k = 0; k < length; k++) {
            float u = out[unconditional + k];
            eps[k] = u + s * (out[conditional + k] - u);
        }
        if (guidance.mode() == Guidance.Mode.NORMALIZED) {
            normalize(eps, out, conditional, unconditional, pixels, (float) (guidance.scale() - 1.0));
        }
    }

    private static void normalize(float[] eps, float[] out, int conditional, int unconditional, int pixels, float w) {
        for (int channel = 0; channel < 3; channel++) {
            int offset = channel * pixels;
            double meanC = mean(out, conditional + offset, pixels);
            double meanU = mean(out, unconditional + offset, pixels);
            float muC = (float) meanC;
            float muU = (float) meanU;
            float sdC = (float) Math.sqrt(variance(out, conditional + offset, pixels, meanC));
            float sdU = (float) Math.sqrt(variance(out, unconditional + offset, pixels, meanU));
            float muHat = muC + w * (muC - muU);
            float onePlusW = 1f + w;
            float varHat = onePlusW * onePlusW * (sdC * sdC) + w * w * (sdU * sdU);
            float sdHat = (float) Math.sqrt(varHat);
            for (int k = offset; k < offset + pixels; k++) {
                eps[k] = (eps[k] - muHat) / sdHat * sdC + muC;
            }
        }
    }

    private static double mean(float[] values, int from, int count) {
        double sum = 0;
        for (int k = from; k < from + count; k++) {
            sum += values[k];
        }
        return sum / count;
    }

    /** Population variance (divisor {@code count}). */
    private static double variance(float[] values, int from, int count, double mean) {
        double sum = 0;
        for (int k = from; k < from + count; k++) {
            double d = values[k] - mean;
            sum += d * d;
        }
        return sum / count;
    }
}
