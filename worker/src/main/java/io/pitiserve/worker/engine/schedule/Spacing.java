package io.pitiserve.worker.engine.schedule;

/**
 * Where a sampler's steps sit on the original timesteps.
 *
 * <p>{@link #UNIFORM} keeps the timesteps of the respacing string as they are ({@code "N"} is N
 * steps evenly spaced in t). {@link #LOG_SNR} and {@link #KARRAS} keep only the respacing's step
 * count and place that many steps by the noise level: evenly in the log signal-to-noise ratio
 * {@code lambda = log(sqrt(abar) / sqrt(1 - abar))}, or at Karras et al.'s (2022) noise levels
 * {@code sigma_j = (sigma_max^(1/7) + j / (N-1) (sigma_min^(1/7) - sigma_max^(1/7)))^7},
 * {@code sigma = sqrt((1 - abar) / abar)}, both from the noisiest original timestep to timestep 0.
 * Each target goes to the original timestep nearest in lambda; where two targets would share one,
 * the later moves to the next free timestep below, so N distinct timesteps are always kept.
 */
public enum Spacing {
    UNIFORM("uniform"),
    LOG_SNR("logsnr"),
    KARRAS("karras");

    private static final double KARRAS_RHO = 7.0;

    private final String label;

    Spacing(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /**
     * The timesteps, increasing, that this spacing keeps: {@code uniformSteps} itself for
     * {@link #UNIFORM}, else as many placed over {@code originalAlphaBar} (one value per original
     * timestep).
     */
    public int[] place(int[] uniformSteps, double[] originalAlphaBar) {
        if (this == UNIFORM) {
            return uniformSteps.clone();
        }
        int count = uniformSteps.length;
        int last = originalAlphaBar.length - 1;
        double[] lambda = new double[originalAlphaBar.length];
        for (int t = 0; t <= last; t++) {
            lambda[t] = logSnr(originalAlphaBar[t]);
        }
        int[] descending = new int[count];
        for (int j = 0; j < count; j++) {
            double fraction = count == 1 ? 0.0 : (double) j / (count - 1);
            double target = this == LOG_SNR
                    ? lambda[last] + fraction * (lambda[0] - lambda[last])
                    : -Math.log(karrasSigma(Math.exp(-lambda[last]), Math.exp(-lambda[0]), fraction));
            int t = nearest(lambda, target);
            if (j > 0) {
                t = Math.min(t, descending[j - 1] - 1);
            }
            descending[j] = Math.max(t, count - 1 - j);
        }
        int[] increasing = new int[count];
        for (int j = 0; j < count; j++) {
            increasing[j] = descending[count - 1 - j];
        }
        return increasing;
    }

    /** {@code log(sqrt(abar) / sqrt(1 - abar))}. */
    public static double logSnr(double alphaBar) {
        return 0.5 * (Math.log(alphaBar) - Math.log1p(-alphaBar));
    }

    /** Parses {@code uniform}, {@code logsnr} or {@code karras}. */
    public static Spacing of(String label) {
        for (Spacing spacing : values()) {
            if (spacing.label.equals(label)) {
                return spacing;
            }
        }
        throw new IllegalArgumentException("unknown spacing '" + label + "' (expected uniform, logsnr or karras)");
    }

    private static double karrasSigma(double sigmaMax, double sigmaMin, double fraction) {
        double from = Math.pow(sigmaMax, 1 / KARRAS_RHO);
        double to = Math.pow(sigmaMin, 1 / KARRAS_RHO);
        return Math.pow(from + fraction * (to - from), KARRAS_RHO);
    }

    /** The timestep whose lambda (decreasing in t) is nearest {@code target}. */
    private static int nearest(double[] lambda, double target) {
        int best = 0;
        double bestDistance = Double.POSITIVE_INFINITY;
        for (int t = 0; t < lambda.length; t++) {
            double distance = Math.abs(lambda[t] - target);
            if (distance < bestDistance) {
                best = t;
                bestDistance = distance;
            }
        }
        return best;
    }
}
