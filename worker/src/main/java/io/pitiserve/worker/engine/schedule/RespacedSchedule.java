package io.pitiserve.worker.engine.schedule;

/**
 * The per-step coefficients of sampling over a subset of the original timesteps.
 *
 * <p>Index {@code i} runs over the kept steps in increasing order (sampling visits {@code i = K-1}
 * down to {@code 0}); every table is float64 and the engine casts to float32 when it uses a value.
 */
public final class RespacedSchedule {

    private final int[] timesteps;
    private final double[] betas;
    private final double[] alphaBar;
    private final double[] alphaBarPrev;
    private final double[] posteriorVariance;
    private final double[] posteriorLogVarianceClipped;
    private final double[] posteriorMeanCoef1;
    private final double[] posteriorMeanCoef2;
    private final double[] sqrtRecipAlphaBar;
    private final double[] sqrtRecipM1AlphaBar;

    private RespacedSchedule(int[] timesteps, double[] originalBetas) {
        int k = timesteps.length;
        double[] originalAlphaBar = new double[originalBetas.length];
        double product = 1.0;
        for (int t = 0; t < originalBetas.length; t++) {
            product *= 1.0 - originalBetas[t];
            originalAlphaBar[t] = product;
        }
        this.timesteps = timesteps.clone();
        betas = new double[k];
        alphaBar = new double[k];
        alphaBarPrev = new double[k];
        double last = 1.0;
        for (int i = 0; i < k; i++) {
            alphaBar[i] = originalAlphaBar[timesteps[i]];
            betas[i] = 1.0 - alphaBar[i] / last;
            alphaBarPrev[i] = last;
            last = alphaBar[i];
        }
        // Recompute alpha-bar from the respaced betas, as the reference does, so that both agree
        // to the last bit.
        product = 1.0;
        for (int i = 0; i < k; i++) {
            product *= 1.0 - betas[i];
            alphaBar[i] = product;
            alphaBarPrev[i] = i == 0 ? 1.0 : alphaBar[i - 1];
        }
        posteriorVariance = new double[k];
        posteriorLogVarianceClipped = new double[k];
        posteriorMeanCoef1 = new double[k];
        posteriorMeanCoef2 = new double[k];
        sqrtRecipAlphaBar = new double[k];
        sqrtRecipM1AlphaBar = new double[k];
        for (int i = 0; i < k; i++) {
            posteriorVariance[i] = betas[i] * (1.0 - alphaBarPrev[i]) / (1.0 - alphaBar[i]);
            posteriorMeanCoef1[i] = betas[i] * Math.sqrt(alphaBarPrev[i]) / (1.0 - alphaBar[i]);
            posteriorMeanCoef2[i] = (1.0 - alphaBarPrev[i]) * Math.sqrt(1.0 - betas[i]) / (1.0 - alphaBar[i]);
            sqrtRecipAlphaBar[i] = Math.sqrt(1.0 / alphaBar[i]);
            sqrtRecipM1AlphaBar[i] = Math.sqrt(1.0 / alphaBar[i] - 1.0);
        }
        for (int i = 0; i < k; i++) {
            // The variance at i = 0 is zero; its log is taken from i = 1 (the "clipped" log).
            double variance = i == 0 && k > 1 ? posteriorVariance[1] : posteriorVariance[i];
            posteriorLogVarianceClipped[i] = Math.log(variance);
        }
    }

    /** The schedule of {@code respacing} (see {@link Respacing}) over {@code schedule}. */
    public static RespacedSchedule of(BetaSchedule schedule, String respacing) {
        return of(schedule, respacing, Spacing.UNIFORM);
    }

    /**
     * The schedule of as many steps as {@code respacing} keeps, placed by {@code spacing} (the
     * respacing's own timesteps for {@link Spacing#UNIFORM}).
     */
    public static RespacedSchedule of(BetaSchedule schedule, String respacing, Spacing spacing) {
        double[] betas = schedule.betas();
        int[] uniform = Respacing.keptSteps(respacing, schedule.steps());
        if (spacing == Spacing.UNIFORM) {
            return new RespacedSchedule(uniform, betas);
        }
        double[] alphaBar = new double[betas.length];
        double product = 1.0;
        for (int t = 0; t < betas.length; t++) {
            product *= 1.0 - betas[t];
            alphaBar[t] = product;
        }
        return new RespacedSchedule(spacing.place(uniform, alphaBar), betas);
    }

    /** Number of sampling steps K. */
    public int length() {
        return timesteps.length;
    }

    /** The original timestep (0..999) the network sees at respaced index {@code i}. */
    public int timestep(int i) {
        return timesteps[i];
    }

    public double beta(int i) {
        return betas[i];
    }

    public double alphaBar(int i) {
        return alphaBar[i];
    }

    public double alphaBarPrev(int i) {
        return alphaBarPrev[i];
    }

    public double posteriorVariance(int i) {
        return posteriorVariance[i];
    }

    public double posteriorLogVarianceClipped(int i) {
        return posteriorLogVarianceClipped[i];
    }

    public double posteriorMeanCoef1(int i) {
        return posteriorMeanCoef1[i];
    }

    public double posteriorMeanCoef2(int i) {
        return posteriorMeanCoef2[i];
    }

    public double sqrtRecipAlphaBar(int i) {
        return sqrtRecipAlphaBar[i];
    }

    public double sqrtRecipM1AlphaBar(int i) {
        return sqrtRecipM1AlphaBar[i];
    }
}
