package io.pitiserve.worker.engine;

import io.pitiserve.worker.engine.schedule.RespacedSchedule;

/**
 * How one denoising step turns the network's prediction into the next latent.
 *
 * <p>Every sampler is expressed with the same six per-sample coefficients so that one update loop
 * update serves a batch whose samples use different samplers and sit at different steps:
 * <pre>
 *   x0   = clamp(sqrt(1/abar) x - sqrt(1/abar - 1) eps, -1, 1)
 *   eps' = (sqrt(1/abar) x - x0) / sqrt(1/abar - 1)
 *   x    = A x0 + B x + C eps' + D exp((frac E + (1 - frac) F) / 2) z,   frac = (v + 1) / 2
 * </pre>
 */
public sealed interface Sampler {

    /** Index of each coefficient in {@link #coefficients}. */
    int A = 0;
    int B = 1;
    int C = 2;
    int D = 3;
    int E = 4;
    int F = 5;
    int COUNT = 6;

    /** The coefficients of step {@code i} (respaced index, counting down to 0). */
    double[] coefficients(RespacedSchedule schedule, int i);

    String label();

    /** Parses {@code ddpm} or {@code ddim} (with {@code eta}). */
    static Sampler of(String name, double eta) {
        return switch (name) {
            case "ddpm" -> new Ddpm();
            case "ddim" -> new Ddim(eta);
            default -> throw new IllegalArgumentException("unknown sampler '" + name + "' (expected ddpm or ddim)");
        };
    }

    /** Ancestral sampling with the learned-range variance, exactly as the PITI reference. */
    record Ddpm() implements Sampler {
        @Override
        public double[] coefficients(RespacedSchedule s, int i) {
            double[] c = new double[COUNT];
            c[A] = s.posteriorMeanCoef1(i);
            c[B] = s.posteriorMeanCoef2(i);
            c[C] = 0;
            c[D] = i > 0 ? 1 : 0;
            c[E] = Math.log(s.beta(i));
            c[F] = s.posteriorLogVarianceClipped(i);
            return c;
        }

        @Override
        public String label() {
            return "ddpm";
        }
    }

    /** DDIM over the same kept steps; {@code eta = 0} is deterministic. */
    record Ddim(double eta) implements Sampler {
        public Ddim {
            if (!(eta >= 0 && eta <= 1)) {
                throw new IllegalArgumentException("ddim eta must be in [0, 1], got " + eta);
            }
        }

        @Override
        public double[] coefficients(RespacedSchedule s, int i) {
            double abar = s.alphaBar(i);
            double abarPrev = s.alphaBarPrev(i);
            double sigma = eta * Math.sqrt((1 - abarPrev) / (1 - abar)) * Math.sqrt(1 - abar / abarPrev);
            double[] c = new double[COUNT];
            c[A] = Math.sqrt(abarPrev);
            c[B] = 0;
            c[C] = Math.sqrt(Math.max(0, 1 - abarPrev - sigma * sigma));
            boolean noisy = sigma > 0 && i > 0;
            c[D] = noisy ? 1 : 0;
            double logVariance = noisy ? 2 * Math.log(sigma) : 0;
            c[E] = logVariance;
            c[F] = logVariance;
            return c;
        }

        @Override
        public String label() {
            return "ddim";
        }
    }
}
