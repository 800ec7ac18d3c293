package io.pitiserve.worker.engine;

import io.pitiserve.common.events.TranslationParams;
import io.pitiserve.worker.engine.schedule.RespacedSchedule;
import io.pitiserve.worker.engine.schedule.Spacing;

import java.util.List;

/**
 * How one denoising step turns the network's prediction into the next latent.
 *
 * <p>Every sampler is expressed with the same seven per-sample coefficients so that one update
 * loop serves a batch whose samples use different samplers and sit at different steps:
 * <pre>
 *   x0   = clamp(sqrt(1/abar) x - sqrt(1/abar - 1) eps, -1, 1)
 *   eps' = (sqrt(1/abar) x - x0) / sqrt(1/abar - 1)
 *   x    = A x0 + B x + C eps' + P x0_prev + D exp((frac E + (1 - frac) F) / 2) z,   frac = (v + 1) / 2
 * </pre>
 * where {@code x0_prev} is the x0 of the same trajectory's previous step (multistep samplers keep
 * it; {@link #keepsX0}).
 */
public sealed interface Sampler {

    /** Index of each coefficient in {@link #coefficients}. */
    int A = 0;
    int B = 1;
    int C = 2;
    int D = 3;
    int E = 4;
    int F = 5;
    int P = 6;
    int COUNT = 7;

    /** The wire names {@link #of} accepts. */
    List<String> NAMES = TranslationParams.SAMPLERS;

    /** The coefficients of step {@code i} (respaced index, counting down to 0). */
    double[] coefficients(RespacedSchedule schedule, int i);

    String label();

    /** Where the steps sit on the original timesteps; the respacing string gives their number. */
    default Spacing spacing() {
        return Spacing.UNIFORM;
    }

    /** Noise draws a trajectory of {@code steps} steps reads: the start and one per step, or only the start. */
    default int draws(int steps) {
        return steps + 1;
    }

    /** Whether a trajectory keeps each step's x0 for the next one (the {@link #P} term). */
    default boolean keepsX0() {
        return false;
    }

    /**
     * Parses a wire name of {@link #NAMES}; {@code eta} is DDIM's (the others ignore it).
     * {@code dpmpp_2m} places its steps uniformly in t (the respacing's own timesteps), the
     * {@code _logsnr} and {@code _karras} forms by noise level (see {@link Spacing}).
     */
    static Sampler of(String name, double eta) {
        return switch (name) {
            case "ddpm" -> new Ddpm();
            case "ddim" -> new Ddim(eta);
            case "dpmpp_2m" -> new DpmSolver2M(Spacing.UNIFORM);
            case "dpmpp_2m_logsnr" -> new DpmSolver2M(Spacing.LOG_SNR);
            case "dpmpp_2m_karras" -> new DpmSolver2M(Spacing.KARRAS);
            case "dpmpp_2m_sde" -> new DpmSolver2MSde();
            default -> throw new IllegalArgumentException(
                    "unknown sampler '" + name + "' (expected one of " + String.join(", ", NAMES) + ")");
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

    /**
     * DPM-Solver++(2M) (Lu et al. 2022, multistep second order, data prediction) on the clipped x0
     * of the guided eps. With {@code alpha = sqrt(abar)}, {@code sigma = sqrt(1 - abar)},
     * {@code lambda = log(alpha / sigma)}, a step from s (index i) to t (index i - 1), the step
     * before it at u (index i + 1), {@code h = lambda_t - lambda_s} and {@code r = (lambda_s -
     * lambda_u) / h}:
     * <pre>
     *   D   = (1 + 1/(2r)) x0 - 1/(2r) x0_prev          (D = x0 on a trajectory's first step)
     *   x_t = sigma_t / sigma_s x_s - alpha_t (exp(-h) - 1) D
     * </pre>
     * and the last step (to abar = 1) returns x0. Deterministic: no noise is drawn.
     */
    record DpmSolver2M(Spacing spacing) implements Sampler {
        public DpmSolver2M {
            if (spacing == null) {
                throw new IllegalArgumentException("spacing is required");
            }
        }

        @Override
        public double[] coefficients(RespacedSchedule s, int i) {
            double[] c = new double[COUNT];
            if (i == 0) {
                c[A] = 1;
                return c;
            }
            double abarS = s.alphaBar(i);
            double abarT = s.alphaBarPrev(i);
            double lambdaS = Spacing.logSnr(abarS);
            double h = Spacing.logSnr(abarT) - lambdaS;
            double alphaT = Math.sqrt(abarT);
            double phi = -alphaT * Math.expm1(-h);
            c[B] = Math.sqrt((1 - abarT) / (1 - abarS));
            return secondOrder(c, phi, s, i, lambdaS, h);
        }

        @Override
        public String label() {
            return spacing == Spacing.UNIFORM ? "dpmpp_2m" : "dpmpp_2m_" + spacing.label();
        }

        @Override
        public boolean keepsX0() {
            return true;
        }

        @Override
        public int draws(int steps) {
            return 1;
        }
    }

    /**
     * The multistep data-prediction weights both DPM-Solver++(2M) variants share: {@code gain} on this
     * step's x0 and the second-order correction from the previous step's (ratio r of the two steps'
     * log-SNR intervals); the last step, to abar = 1, is first order.
     */
    private static double[] secondOrder(double[] c, double gain, RespacedSchedule s, int i, double lambdaS,
                                        double h) {
        if (i == s.length() - 1) {
            c[A] = gain;
            return c;
        }
        double r = (lambdaS - Spacing.logSnr(s.alphaBar(i + 1))) / h;
        c[A] = gain * (1 + 1 / (2 * r));
        c[P] = -gain / (2 * r);
        return c;
    }

    /**
     * SDE-DPM-Solver++(2M) (Lu et al. 2022, its stochastic multistep variant): the same data
     * prediction {@code D} as {@link DpmSolver2M}, with fresh noise at every step:
     * <pre>
     *   x_t = sigma_t / sigma_s exp(-h) x_s + alpha_t (1 - exp(-2h)) D + sigma_t sqrt(1 - exp(-2h)) z
     * </pre>
     * the last step (to abar = 1) returning x0. Steps uniform in t (the respacing's own).
     */
    record DpmSolver2MSde() implements Sampler {

        @Override
        public double[] coefficients(RespacedSchedule s, int i) {
            double[] c = new double[COUNT];
            if (i == 0) {
                c[A] = 1;
                return c;
            }
            double abarS = s.alphaBar(i);
            double abarT = s.alphaBarPrev(i);
            double lambdaS = Spacing.logSnr(abarS);
            double h = Spacing.logSnr(abarT) - lambdaS;
            double sigmaT = Math.sqrt(1 - abarT);
            double gain = -Math.sqrt(abarT) * Math.expm1(-2 * h);
            c[B] = sigmaT / Math.sqrt(1 - abarS) * Math.exp(-h);
            double std = sigmaT * Math.sqrt(-Math.expm1(-2 * h));
            c[D] = 1;
            c[E] = 2 * Math.log(std);
            c[F] = c[E];
            return secondOrder(c, gain, s, i, lambdaS, h);
        }

        @Override
        public String label() {
            return "dpmpp_2m_sde";
        }

        @Override
        public boolean keepsX0() {
            return true;
        }
    }
}
