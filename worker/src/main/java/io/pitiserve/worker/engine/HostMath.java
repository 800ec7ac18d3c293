package io.pitiserve.worker.engine;

/**
 * Float maths of the host-side update loop, where a per-pixel {@link Math#exp} (a double call and
 * two conversions) was the largest single cost of a step.
 */
final class HostMath {

    private static final float LOG2_E = 1.44269504f;
    /** ln 2 split so that {@code n * LN2_HIGH} is exact for every |n| below 2^8. */
    private static final float LN2_HIGH = 0.693145751953125f;
    private static final float LN2_LOW = 1.42860677e-6f;
    /** 1.5 * 2^23: adding it rounds a float of magnitude below 2^22 to an integer. */
    private static final float ROUNDER = 12582912f;
    private static final int ROUNDER_BITS = Float.floatToRawIntBits(ROUNDER);

    private HostMath() {
    }

    /**
     * e^x in float for x in [-87, 88] (clamped there), within 2 ulp of the correctly rounded value:
     * x = n ln 2 + r with |r| <= ln 2 / 2, e^r by its Taylor polynomial of degree 7 (truncation
     * below 1e-8 relative), 2^n built in the exponent bits. Branch-free, so the loops that call it
     * can be vectorised.
     */
    static float exp(float x) {
        float clamped = Math.max(-87f, Math.min(88f, x));
        float shifted = clamped * LOG2_E + ROUNDER;
        float n = shifted - ROUNDER;
        int exponent = Float.floatToRawIntBits(shifted) - ROUNDER_BITS;
        float r = (clamped - n * LN2_HIGH) - n * LN2_LOW;
        float p = 1f / 5040f;
        p = p * r + 1f / 720f;
        p = p * r + 1f / 120f;
        p = p * r + 1f / 24f;
        p = p * r + 1f / 6f;
        p = p * r + 0.5f;
        p = p * r + 1f;
        p = p * r + 1f;
        return p * Float.intBitsToFloat((exponent + 127) << 23);
    }
}
