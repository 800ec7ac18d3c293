package io.pitiserve.worker.evaluation;

/** The scorers' luminance (0.299 R + 0.587 G + 0.114 B, float32) and its absolute forward differences. */
final class Luminance {

    private static final float R = 0.299f;
    private static final float G = 0.587f;
    private static final float B = 0.114f;

    private Luminance() {
    }

    /**
     * {@code {|dx|, |dy|}}, each {@code height x width}: the absolute difference to the next pixel
     * along the row (dx) or column (dy), 0 on the last column (row), as numpy's
     * {@code abs(diff(lum, append=last))}.
     */
    static float[][] gradients(RgbImage image) {
        int h = image.height();
        int w = image.width();
        float[] lum = new float[h * w];
        byte[] rgb = image.rgb();
        for (int p = 0; p < lum.length; p++) {
            lum[p] = (rgb[p * 3] & 0xFF) * R + (rgb[p * 3 + 1] & 0xFF) * G + (rgb[p * 3 + 2] & 0xFF) * B;
        }
        float[] dx = new float[h * w];
        float[] dy = new float[h * w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int p = y * w + x;
                dx[p] = x + 1 < w ? Math.abs(lum[p + 1] - lum[p]) : 0f;
                dy[p] = y + 1 < h ? Math.abs(lum[p + w] - lum[p]) : 0f;
            }
        }
        return new float[][] {dx, dy};
    }
}
