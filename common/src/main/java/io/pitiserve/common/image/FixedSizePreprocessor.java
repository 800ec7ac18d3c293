package io.pitiserve.common.image;

import java.util.Objects;
import java.util.function.ObjIntConsumer;

/**
 * What every {@link ConditionPreprocessor} shares: its {@link InputLimits}, its output size in pixels
 * and the row walk of a NEAREST resize. Package-private: the preprocessors still implement the sealed
 * interface themselves, so its permitted list stays theirs.
 */
abstract class FixedSizePreprocessor {

    private final InputLimits limits;
    private final int size;

    FixedSizePreprocessor(InputLimits limits, int size) {
        this.limits = Objects.requireNonNull(limits, "limits");
        if (size < 1) {
            throw new IllegalArgumentException("size must be positive, was " + size);
        }
        this.size = size;
    }

    /** Width and height of the output, in pixels. */
    public final int size() {
        return size;
    }

    /** Limits applied before decoding. */
    public final InputLimits limits() {
        return limits;
    }

    /**
     * Calls {@code action} with each output row {@code y} in {@code 0..size-1} and the source row that
     * NEAREST takes for it (ARGB pixels, the image's full width). NEAREST takes only some source rows,
     * so only those are decoded, each once; the array is reused between calls.
     */
    final void forEachResizedRow(DecodedImage image, ObjIntConsumer<int[]> action) {
        int[] ys = NearestResize.sourceIndices(image.height(), size);
        int[] row = new int[image.width()];
        int rowRead = -1;
        for (int y = 0; y < size; y++) {
            if (ys[y] != rowRead) {
                image.readRow(ys[y], row);
                rowRead = ys[y];
            }
            action.accept(row, y);
        }
    }
}
