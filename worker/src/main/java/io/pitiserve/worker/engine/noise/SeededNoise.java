package io.pitiserve.worker.engine.noise;

/**
 * Noise derived from (job seed, stage, sample index, draw index) alone.
 *
 * <p>Each draw has its own counter-based stream (SplitMix64 over a key mixed from the four values)
 * turned into normals by the Box-Muller transform, so any draw can be produced without the ones
 * before it and the same job always sees the same noise.
 */
public record SeededNoise(long seed, int stage, int sample) implements NoiseSource {

    private static final double TWO_PI = 2 * Math.PI;
    private static final double INV_2_53 = 1.0 / (1L << 53);

    @Override
    public void fill(int index, float[] target, int offset, int length) {
        long state = mix(mix(mix(seed ^ 0x5DEECE66DL) + stage) + sample) ^ mix((long) index + 0x9E3779B97F4A7C15L);
        int end = offset + length;
        int position = offset;
        while (position < end) {
            state += 0x9E3779B97F4A7C15L;
            // u1 in (0, 1] keeps the logarithm finite.
            double u1 = ((mix(state) >>> 11) + 1) * INV_2_53;
            state += 0x9E3779B97F4A7C15L;
            double u2 = (mix(state) >>> 11) * INV_2_53;
            double radius = Math.sqrt(-2.0 * Math.log(u1));
            double angle = TWO_PI * u2;
            target[position++] = (float) (radius * Math.cos(angle));
            if (position < end) {
                target[position++] = (float) (radius * Math.sin(angle));
            }
        }
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
