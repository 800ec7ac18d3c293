package io.pitiserve.common.npy;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Writes {@link NpyArray} as a NumPy {@code .npy} file of little-endian float32 ({@code <f4}), C order,
 * format 1.0 (2.0 only if the header outgrows 64 KiB), header padded so the data starts on a
 * 64-byte boundary as NumPy itself writes it. {@code numpy.load} reads the result.
 */
public final class NpyWriter {

    private static final int ALIGN = 64;
    private static final int CHUNK_FLOATS = 1 << 14;

    private NpyWriter() {
    }

    /** Writes {@code array} to {@code path}, replacing any file there. */
    public static void write(NpyArray array, Path path) throws IOException {
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(path), 1 << 16)) {
            write(array, out);
        }
    }

    /** The bytes of {@code array} as a {@code .npy} file. */
    public static byte[] toBytes(NpyArray array) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(128 + 4 * array.data().length);
        try {
            write(array, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot happen with an in-memory stream", e);
        }
        return bytes.toByteArray();
    }

    /** Writes {@code array} to {@code out}; does not close {@code out}. */
    public static void write(NpyArray array, OutputStream out) throws IOException {
        Objects.requireNonNull(array, "array");
        Objects.requireNonNull(out, "out");
        out.write(header(array.shape()));
        float[] data = array.data();
        ByteBuffer buffer = ByteBuffer.allocate(4 * CHUNK_FLOATS).order(ByteOrder.LITTLE_ENDIAN);
        for (int start = 0; start < data.length; start += CHUNK_FLOATS) {
            int n = Math.min(CHUNK_FLOATS, data.length - start);
            buffer.clear();
            buffer.asFloatBuffer().put(data, start, n);
            out.write(buffer.array(), 0, 4 * n);
        }
    }

    static byte[] header(long[] shape) {
        StringBuilder tuple = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            tuple.append(i > 0 ? ", " : "").append(shape[i]);
        }
        tuple.append(shape.length == 1 ? ",)" : ")");
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': " + tuple + ", }";
        int version = 1;
        int prefix = 10;
        int padded = roundUp(prefix + dict.length() + 1, ALIGN) - prefix;
        if (padded > 0xffff) {
            version = 2;
            prefix = 12;
            padded = roundUp(prefix + dict.length() + 1, ALIGN) - prefix;
        }
        String text = dict + " ".repeat(padded - dict.length() - 1) + "\n";
        ByteBuffer header = ByteBuffer.allocate(prefix + padded).order(ByteOrder.LITTLE_ENDIAN);
        header.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) version).put((byte) 0);
        if (version == 1) {
            header.putShort((short) padded);
        } else {
            header.putInt(padded);
        }
        header.put(text.getBytes(StandardCharsets.ISO_8859_1));
        return header.array();
    }

    private static int roundUp(int n, int multiple) {
        return (n + multiple - 1) / multiple * multiple;
    }
}
