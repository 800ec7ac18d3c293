package io.pitiserve.worker.evaluation;

/**
 * The mean over a square window of one float plane, computed as the tools scorer's
 * {@code scipy.ndimage.uniform_filter} computes it: one axis after the other (rows first), each a
 * running mean in double precision over the line extended by half-sample symmetric reflection
 * ({@code mode="reflect"}: {@code d c b a | a b c d | d c b a}), stored as float32 between axes.
 */
final class BoxFilter {

    private BoxFilter() {
    }

    /** The {@code size x size} window mean of {@code plane} ({@code height x width}, row-major). */
    static float[] mean(float[] plane, int height, int width, int size) {
        float[] columns = new float[plane.length];
        double[] line = new double[Math.max(height, width) + size - 1];
        double[] out = new double[Math.max(height, width)];
        for (int x = 0; x < width; x++) {
            for (int y = 0; y < height; y++) {
                out[y] = plane[y * width + x];
            }
            filterLine(out, height, size, line);
            for (int y = 0; y < height; y++) {
                columns[y * width + x] = (float) out[y];
            }
        }
        float[] result = new float[plane.length];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                out[x] = columns[y * width + x];
            }
            filterLine(out, width, size, line);
            for (int x = 0; x < width; x++) {
                result[y * width + x] = (float) out[x];
            }
        }
        return result;
    }

    /** Replaces {@code values[0..length)} by their running window mean; {@code line} is scratch space. */
    private static void filterLine(double[] values, int length, int size, double[] line) {
        int before = size / 2;
        int extended = length + size - 1;
        for (int i = 0; i < extended; i++) {
            line[i] = values[reflect(i - before, length)];
        }
        double sum = 0;
        for (int i = 0; i < size; i++) {
            sum += line[i];
        }
        double mean = sum / size;
        values[0] = mean;
        for (int i = 1; i < length; i++) {
            mean += (line[i + size - 1] - line[i - 1]) / size;
            values[i] = mean;
        }
    }

    private static int reflect(int index, int length) {
        int i = index;
        while (i < 0 || i >= length) {
            i = i < 0 ? -i - 1 : 2 * length - i - 1;
        }
        return i;
    }
}
