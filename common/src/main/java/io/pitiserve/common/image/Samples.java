package io.pitiserve.common.image;

/** Conversions shared by the preprocessors. */
final class Samples {

    /** {@code v / 127.5 - 1} in float arithmetic, as the training code computes it on float32 arrays. */
    private static final float[] UNIT = new float[256];

    static {
        for (int v = 0; v < 256; v++) {
            UNIT[v] = v / 127.5f - 1f;
        }
    }

    private Samples() {
    }

    /** Maps an 8-bit value (0..255) to [-1, 1]. */
    static float unit(int value) {
        return UNIT[value];
    }

    /**
     * Pillow's RGB-to-"L" conversion of a packed RGB pixel: ITU-R 601-2 luma in 16-bit fixed point,
     * rounded ({@code (R*19595 + G*38470 + B*7471 + 0x8000) >> 16}). Pillow documents the formula as
     * {@code R*299/1000 + G*587/1000 + B*114/1000} but computes this, which differs from truncating
     * that formula on about one pixel in seven.
     */
    static int luma(int rgb) {
        int r = (rgb >>> 16) & 0xff;
        int g = (rgb >>> 8) & 0xff;
        int b = rgb & 0xff;
        return (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16;
    }
}
