package io.pitiserve.worker.engine.schedule;

/**
 * The noise schedule a diffusion network was trained with: betas over the original timesteps.
 *
 * <p>Pure arithmetic on doubles; the engine derives every per-step coefficient from these values.
 */
public sealed interface BetaSchedule {

    /** Number of original timesteps (1000 for the PITI networks). */
    int steps();

    /** The betas of all original timesteps, in float64 as the reference keeps them. */
    double[] betas();

    /** The "squaredcos_cap_v2" schedule of the base networks: betas from a cosine alpha-bar, capped at 0.999. */
    record Cosine(int steps) implements BetaSchedule {
        public Cosine {
            if (steps < 1) {
                throw new IllegalArgumentException("schedule steps must be >= 1, got " + steps);
            }
        }

        @Override
        public double[] betas() {
            double[] betas = new double[steps];
            for (int i = 0; i < steps; i++) {
                double t1 = (double) i / steps;
                double t2 = (double) (i + 1) / steps;
                betas[i] = Math.min(1 - alphaBar(t2) / alphaBar(t1), 0.999);
            }
            return betas;
        }

        private static double alphaBar(double t) {
            double c = Math.cos((t + 0.008) / 1.008 * Math.PI / 2);
            return c * c;
        }
    }

    /** Betas spaced evenly from {@code start} to {@code end} (the upsampler: 1e-4 .. 0.02). */
    record Linear(int steps, double start, double end) implements BetaSchedule {
        public Linear {
            if (steps < 1) {
                throw new IllegalArgumentException("schedule steps must be >= 1, got " + steps);
            }
            if (!(start > 0 && end < 1 && start <= end)) {
                throw new IllegalArgumentException(
                        "linear schedule needs 0 < beta_start <= beta_end < 1, got " + start + " .. " + end);
            }
        }

        @Override
        public double[] betas() {
            double[] betas = new double[steps];
            if (steps == 1) {
                betas[0] = start;
                return betas;
            }
            // Same spacing as numpy.linspace(start, end, steps, dtype=float64).
            double delta = (end - start) / (steps - 1);
            for (int i = 0; i < steps; i++) {
                betas[i] = start + i * delta;
            }
            betas[steps - 1] = end;
            return betas;
        }
    }
}
