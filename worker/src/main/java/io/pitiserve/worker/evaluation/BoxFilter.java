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
        // Columns first (a column starts at x and steps a row), then the rows of that result.
        filterLines(plane, columns, width, 1, height, width, size, line, out);
        float[] result = new float[plane.length];
        filterLines(columns, result, height, width, width, 1, size, line, out);
        return result;
    }

    /**
     * Filters {@code count} lines of {@code source} into {@code target}: line {@code l} holds the
     * {@code length} values at {@code l * lineStride + k * step}; each is stored as float32.
     */
    private static void filterLines(float[] source, float[] target, int count, int lineStride, int length, int step,
            int size, double[] line, double[] out) {
        for (int l = 0; l < count; l++) {
            int start = l * lineStride;
            for (int k = 0; k < length; k++) {
                out[k] = source[start + k * step];
            }
            filterLine(out, length, size, line);
            for (int k = 0; k < length; k++) {
                target[start + k * step] = (float) out[k];
            }
        }
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
