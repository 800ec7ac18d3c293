package io.pitiserve.worker.evaluation;

/**
 * The per-pixel colour and texture features of the world classifier, as the tools scorer's
 * {@code quality.pixel_features} makes them (float32 like numpy): for every pixel the 7 x 7 mean and
 * standard deviation of R, G and B, the 21 x 21 mean of R, G and B, and the 7 x 7 mean absolute
 * horizontal and vertical luminance gradient. No position: a picture must look like its classes
 * wherever they are.
 */
public final class PixelFeatures {

    /** Features per pixel. */
    public static final int COUNT = 11;

    private PixelFeatures() {
    }

    /** {@code height * width * 11} features, pixel-major. */
    public static float[] of(RgbImage image) {
        int h = image.height();
        int w = image.width();
        int n = h * w;
        float[] out = new float[n * COUNT];
        for (int c = 0; c < 3; c++) {
            float[] plane = new float[n];
            float[] squares = new float[n];
            for (int p = 0; p < n; p++) {
                float v = image.rgb()[p * 3 + c] & 0xFF;
                plane[p] = v;
                squares[p] = v * v;
            }
            float[] mean7 = BoxFilter.mean(plane, h, w, 7);
            float[] sq7 = BoxFilter.mean(squares, h, w, 7);
            float[] mean21 = BoxFilter.mean(plane, h, w, 21);
            for (int p = 0; p < n; p++) {
                float variance = sq7[p] - mean7[p] * mean7[p];
                out[p * COUNT + c] = mean7[p];
                out[p * COUNT + 3 + c] = (float) Math.sqrt(Math.max(variance, 0f));
                out[p * COUNT + 6 + c] = mean21[p];
            }
        }
        float[][] gradients = Luminance.gradients(image);
        float[] gx = BoxFilter.mean(gradients[0], h, w, 7);
        float[] gy = BoxFilter.mean(gradients[1], h, w, 7);
        for (int p = 0; p < n; p++) {
            out[p * COUNT + 9] = gx[p];
            out[p * COUNT + 10] = gy[p];
        }
        return out;
    }
}
