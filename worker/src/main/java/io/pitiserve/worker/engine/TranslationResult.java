package io.pitiserve.worker.engine;

import java.util.List;

/**
 * The outcome of one job.
 *
 * @param images       one CHW float image in [-1, 1] per sample, 3 x {@code size} x {@code size}
 * @param size         side of {@code images} in pixels
 * @param baseImages   the quantised base images (3 x {@code baseSize}^2), empty unless asked for
 * @param baseSize     side of the base images in pixels
 * @param timings      where the time went
 */
public record TranslationResult(List<float[]> images, int size, List<float[]> baseImages, int baseSize, Timings timings) {

    /** Milliseconds per phase, and the number of steps run per stage. */
    public record Timings(double encodeMs, double baseMs, double upsamplerMs, int baseSteps, int upsamplerSteps,
                          double forwardMs) {

        public double totalMs() {
            return encodeMs + baseMs + upsamplerMs;
        }
    }
}
