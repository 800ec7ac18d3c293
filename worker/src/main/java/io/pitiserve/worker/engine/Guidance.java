package io.pitiserve.worker.engine;

/**
 * Classifier-free guidance of one sample: {@code cfg} (eps_u + s (eps_c - eps_u)) or the paper's
 * {@code normalized} variant, which rescales the guided eps to the statistics of eps_c.
 *
 * <p>Normalized guidance, per sample and per channel over the H x W pixels, with w = s - 1 and
 * population statistics mu_c, sigma_c of eps_c and mu_u, sigma_u of eps_u:
 * <pre>
 *   eps_hat = eps_u + s (eps_c - eps_u)
 *   mu_hat  = mu_c + w (mu_c - mu_u)
 *   var_hat = (1 + w)^2 sigma_c^2 + w^2 sigma_u^2
 *   eps     = (eps_hat - mu_hat) / sqrt(var_hat) * sigma_c + mu_c
 * </pre>
 */
public record Guidance(Mode mode, double scale) {

    public enum Mode {
        CFG, NORMALIZED;

        public static Mode of(String name) {
            return switch (name) {
                case "cfg" -> CFG;
                case "normalized" -> NORMALIZED;
                default -> throw new IllegalArgumentException(
                        "unknown guidance '" + name + "' (expected cfg or normalized)");
            };
        }
    }

    /** Guidance scales above this are almost certainly a mistake (images saturate long before). */
    public static final double MAX_SCALE = 20.0;

    public Guidance {
        if (mode == null) {
            throw new IllegalArgumentException("guidance mode is required");
        }
        if (!(scale >= 0 && scale <= MAX_SCALE)) {
            throw new IllegalArgumentException("guidance scale must be in [0, " + MAX_SCALE + "], got " + scale);
        }
    }

    public static final Guidance NONE = new Guidance(Mode.CFG, 1.0);

    /** Whether the unconditional prediction is needed at all (a scale of 1 is the conditional one). */
    public boolean needsUnconditional() {
        return scale != 1.0;
    }
}
