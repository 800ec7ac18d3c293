package io.pitiserve.common.image;

/**
 * Exact city-block (L1) distance transform by two raster passes, the result OpenCV's
 * {@code distanceTransform(..., DIST_L1, 3)} gives and the sketch models were trained on.
 *
 * <p>With unit steps between 4-neighbours, a forward pass (from above and from the left) followed by
 * a backward pass (from below and from the right) yields the exact L1 distance: every shortest
 * city-block path can be split into a monotone part reached in each pass. Pixels outside the image
 * are not edges.
 */
final class CityBlockDistance {

    private CityBlockDistance() {
    }

    /**
     * For each pixel of a {@code width x height} row-major grid, the L1 distance in pixels to the nearest
     * pixel with {@code edge[i]} true (0 on edges). Without any edge every distance is
     * {@link Integer#MAX_VALUE}.
     */
    static int[] transform(boolean[] edge, int width, int height) {
        if (edge.length != width * height) {
            throw new IllegalArgumentException("edge has " + edge.length + " pixels, expected " + width * height);
        }
        // Far enough that +1 never overflows and any real distance (< width + height) is smaller.
        final int far = Integer.MAX_VALUE / 2;
        int[] d = new int[edge.length];
        for (int y = 0; y < height; y++) {
            int rowStart = y * width;
            for (int x = 0; x < width; x++) {
                int i = rowStart + x;
                if (edge[i]) {
                    d[i] = 0;
                    continue;
                }
                int best = far;
                if (y > 0) {
                    best = Math.min(best, d[i - width] + 1);
                }
                if (x > 0) {
                    best = Math.min(best, d[i - 1] + 1);
                }
                d[i] = best;
            }
        }
        for (int y = height - 1; y >= 0; y--) {
            int rowStart = y * width;
            for (int x = width - 1; x >= 0; x--) {
                int i = rowStart + x;
                int best = d[i];
                if (y < height - 1) {
                    best = Math.min(best, d[i + width] + 1);
                }
                if (x < width - 1) {
                    best = Math.min(best, d[i + 1] + 1);
                }
                d[i] = best;
            }
        }
        for (int i = 0; i < d.length; i++) {
            if (d[i] >= far) {
                d[i] = Integer.MAX_VALUE;
            }
        }
        return d;
    }
}
