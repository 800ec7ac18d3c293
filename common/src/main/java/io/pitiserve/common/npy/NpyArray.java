package io.pitiserve.common.npy;

import java.util.Arrays;
import java.util.Objects;

/**
 * A C-ordered (row-major) float32 array as stored in a NumPy {@code .npy} file: noise tensors and
 * parity fixtures.
 *
 * <p>The shape is copied; the data array is NOT, because noise files can hold hundreds of megabytes:
 * the record takes ownership of the array it is given and {@link #data()} returns that same array.
 *
 * @param shape dimensions, outermost first; empty for a scalar; each at least 0
 * @param data  the elements in C order, as many as the product of {@code shape}
 */
public record NpyArray(long[] shape, float[] data) {

    public NpyArray {
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(data, "data");
        shape = shape.clone();
        long count = 1;
        for (long dimension : shape) {
            if (dimension < 0) {
                throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " has a negative dimension");
            }
            count = Math.multiplyExact(count, dimension);
        }
        if (count != data.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + count
                    + " elements but data has " + data.length);
        }
    }

    /** A copy of the shape. */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Number of dimensions. */
    public int rank() {
        return shape.length;
    }

    /** Size of dimension {@code axis}. */
    public long dimension(int axis) {
        return shape[axis];
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof NpyArray that && Arrays.equals(shape, that.shape) && Arrays.equals(data, that.data);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(shape) + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "NpyArray[shape=" + Arrays.toString(shape) + ", float32]";
    }
}
