package io.pitiserve.common.image;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A task input ready for the condition encoder: {@code channels} planes of {@code size x size} floats in
 * [-1, 1], channel-major (CHW: index = (c * size + y) * size + x).
 *
 * <p>The record keeps its own copy of the samples; {@link #data()} returns another copy, and
 * {@link #copyInto(float[], int)} fills a batch buffer without allocating.
 *
 * @param data     CHW samples, {@code channels * size * size} of them, each in [-1, 1]
 * @param channels planes: 3 for a mask, 1 for a sketch, 6 for depth
 * @param size     width and height, in pixels
 * @param notes    what the preprocessor did that the client should be told (e.g. {@code sketch_inverted});
 *                 stable snake_case words
 */
public record ConditionImage(float[] data, int channels, int size, List<String> notes) {

    /** Note added when a black-on-white sketch was inverted to white-on-black. */
    public static final String SKETCH_INVERTED = "sketch_inverted";

    public ConditionImage {
        Objects.requireNonNull(data, "data");
        if (channels < 1 || size < 1) {
            throw new IllegalArgumentException("channels and size must be positive, were " + channels + ", " + size);
        }
        if ((long) channels * size * size != data.length) {
            throw new IllegalArgumentException("data has " + data.length + " samples; " + channels + " x " + size
                    + " x " + size + " needs " + (long) channels * size * size);
        }
        data = data.clone();
        for (int i = 0; i < data.length; i++) {
            // Written so that NaN fails too.
            if (!(data[i] >= -1f && data[i] <= 1f)) {
                throw new IllegalArgumentException("sample " + i + " is " + data[i] + ", outside [-1, 1]");
            }
        }
        notes = List.copyOf(notes);
    }

    /**
     * The input that stands for "no condition" in classifier-free guidance: every sample +1.0
     * (an all-white mask, or a sketch whose every pixel is as far as possible from an edge).
     */
    public static ConditionImage unconditional(int channels, int size) {
        float[] ones = new float[channels * size * size];
        Arrays.fill(ones, 1f);
        return new ConditionImage(ones, channels, size, List.of());
    }

    /** A copy of the CHW samples. */
    @Override
    public float[] data() {
        return data.clone();
    }

    /** Copies the CHW samples into {@code target} from {@code offset} on. */
    public void copyInto(float[] target, int offset) {
        System.arraycopy(data, 0, target, offset, data.length);
    }

    /** The sample of channel {@code c} at column {@code x}, row {@code y}. */
    public float sample(int c, int y, int x) {
        Objects.checkIndex(c, channels);
        Objects.checkIndex(y, size);
        Objects.checkIndex(x, size);
        return data[(c * size + y) * size + x];
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ConditionImage that && channels == that.channels && size == that.size
                && Arrays.equals(data, that.data) && notes.equals(that.notes);
    }

    @Override
    public int hashCode() {
        return Objects.hash(Arrays.hashCode(data), channels, size, notes);
    }

    @Override
    public String toString() {
        return "ConditionImage[channels=" + channels + ", size=" + size + ", notes=" + notes + "]";
    }
}
