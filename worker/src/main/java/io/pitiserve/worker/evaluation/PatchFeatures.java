package io.pitiserve.worker.evaluation;

/**
 * The per-patch statistics the Fréchet distance compares, as the tools scorer's
 * {@code quality.patch_features}: for every 16 x 16 patch (row-major, whole patches only) the mean
 * and the (population) standard deviation of R, G and B, and the mean absolute horizontal and
 * vertical luminance gradient.
 */
public final class PatchFeatures {

    /** Features per patch. */
    public static final int COUNT = 8;
    /** Side of a patch in pixels. */
    public static final int PATCH = 16;

    private PatchFeatures() {
    }

    /** One row of {@value #COUNT} features per patch. */
    public static double[][] of(RgbImage image) {
        int w = image.width();
        int rows = image.height() / PATCH;
        int cols = w / PATCH;
        float[][] gradients = Luminance.gradients(image);
        double[][] out = new double[rows * cols][];
        int n = PATCH * PATCH;
        for (int py = 0; py < rows; py++) {
            for (int px = 0; px < cols; px++) {
                double[] sum = new double[3];
                double gx = 0;
                double gy = 0;
                for (int y = py * PATCH; y < (py + 1) * PATCH; y++) {
                    for (int x = px * PATCH; x < (px + 1) * PATCH; x++) {
                        for (int c = 0; c < 3; c++) {
                            sum[c] += image.sample(y, x, c);
                        }
                        gx += gradients[0][y * w + x];
                        gy += gradients[1][y * w + x];
                    }
                }
                double[] row = new double[COUNT];
                for (int c = 0; c < 3; c++) {
                    double mean = sum[c] / n;
                    double squares = 0;
                    for (int y = py * PATCH; y < (py + 1) * PATCH; y++) {
                        for (int x = px * PATCH; x < (px + 1) * PATCH; x++) {
                            double d = image.sample(y, x, c) - mean;
                            squares += d * d;
                        }
                    }
                    row[c] = mean;
                    row[3 + c] = Math.sqrt(squares / n);
                }
                row[6] = gx / n;
                row[7] = gy / n;
                out[py * cols + px] = row;
            }
        }
        return out;
    }
}
