package io.pitiserve.common.image;

/**
 * Source coordinates of a nearest-neighbour resize, exactly as Pillow's {@code Image.resize(...,
 * NEAREST)} picks them: output pixel {@code d} takes source pixel {@code floor((d + 0.5) * src / dst)}.
 *
 * <p>Pillow accumulates the source position in a double, adding {@code src / dst} per output pixel
 * rather than multiplying; we do the same so that sizes whose ratio is not a binary fraction give
 * the same picks. (For a 256-pixel output every partial sum is exact, so both ways agree.)
 */
final class NearestResize {

    private NearestResize() {
    }

    /** For each of {@code dstSize} output positions, the source position in {@code 0..srcSize-1}. */
    static int[] sourceIndices(int srcSize, int dstSize) {
        if (srcSize < 1 || dstSize < 1) {
            throw new IllegalArgumentException("sizes must be positive, were " + srcSize + " -> " + dstSize);
        }
        int[] indices = new int[dstSize];
        double step = (double) srcSize / dstSize;
        double position = step * 0.5;
        for (int d = 0; d < dstSize; d++) {
            indices[d] = Math.min((int) position, srcSize - 1);
            position += step;
        }
        return indices;
    }
}
