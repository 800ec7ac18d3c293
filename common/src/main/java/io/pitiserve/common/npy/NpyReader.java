package io.pitiserve.common.npy;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Reads NumPy {@code .npy} files (format versions 1.0, 2.0 and 3.0) of little-endian floats into
 * {@link NpyArray}: {@code <f4} as is, {@code <f2} (half) widened exactly, {@code <f8} narrowed to the
 * nearest float32 (what {@code astype(np.float32)} gives). Only C order. Anything else (other dtypes,
 * big-endian, Fortran order, structured arrays, pickled objects) is refused with a
 * {@link NpyFormatException} that names what was found.
 */
public final class NpyReader {

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final int CHUNK_BYTES = 1 << 16;
    /** Largest Java array the JVMs we run on allocate. */
    private static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;

    private NpyReader() {
    }

    /** Reads the {@code .npy} file at {@code path}. */
    public static NpyArray read(Path path) throws IOException {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(path), CHUNK_BYTES)) {
            return read(in);
        } catch (NpyFormatException e) {
            throw new NpyFormatException(path + ": " + e.getMessage());
        }
    }

    /** Reads a whole {@code .npy} file held in memory. */
    public static NpyArray read(byte[] npy) throws IOException {
        return read(new ByteArrayInputStream(npy));
    }

    /**
     * Reads one array from {@code in}, which must end right after it; does not close {@code in}.
     */
    public static NpyArray read(InputStream in) throws IOException {
        Objects.requireNonNull(in, "in");
        DataInputStream data = new DataInputStream(in);
        byte[] preamble = new byte[8];
        readFully(data, preamble, "the 8-byte preamble");
        for (int i = 0; i < MAGIC.length; i++) {
            if (preamble[i] != MAGIC[i]) {
                throw new NpyFormatException("not a .npy file: it does not start with \\x93NUMPY");
            }
        }
        int major = preamble[6] & 0xff;
        int minor = preamble[7] & 0xff;
        long headerLength;
        if (major == 1) {
            byte[] length = new byte[2];
            readFully(data, length, "the header length");
            headerLength = (length[0] & 0xff) | (length[1] & 0xff) << 8;
        } else if (major == 2 || major == 3) {
            byte[] length = new byte[4];
            readFully(data, length, "the header length");
            headerLength = ByteBuffer.wrap(length).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xffffffffL;
        } else {
            throw new NpyFormatException(".npy format version " + major + "." + minor
                    + " is not supported (1.0, 2.0 and 3.0 are)");
        }
        if (headerLength > 1 << 20) {
            throw new NpyFormatException("the .npy header claims " + headerLength + " bytes; refusing over 1 MiB");
        }
        byte[] headerBytes = new byte[(int) headerLength];
        readFully(data, headerBytes, "the " + headerLength + "-byte header");
        String header = new String(headerBytes,
                major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1).strip();
        Map<String, Object> fields = new HeaderParser(header).parseDict();

        Object descr = fields.get("descr");
        Object fortranOrder = fields.get("fortran_order");
        Object shapeField = fields.get("shape");
        if (descr == null || fortranOrder == null || shapeField == null) {
            throw new NpyFormatException("the .npy header lacks descr, fortran_order or shape: " + header);
        }
        if (!(descr instanceof String dtype)) {
            throw new NpyFormatException("dtype " + descr + " (a structured array) is not supported; only <f4, <f2, <f8");
        }
        if (!Boolean.FALSE.equals(fortranOrder)) {
            throw new NpyFormatException("the array is in Fortran order; only C order is supported"
                    + " (save np.ascontiguousarray(a))");
        }
        if (!(shapeField instanceof List<?> dimensions)) {
            throw new NpyFormatException("the shape " + shapeField + " is not a tuple");
        }
        long[] shape = new long[dimensions.size()];
        long count = 1;
        for (int i = 0; i < shape.length; i++) {
            if (!(dimensions.get(i) instanceof Long dimension) || dimension < 0) {
                throw new NpyFormatException("the shape " + header + " has a bad dimension " + dimensions.get(i));
            }
            shape[i] = dimension;
            count = count > 0 && dimension > MAX_ELEMENTS / count ? MAX_ELEMENTS + 1 : count * dimension;
        }
        if (count > MAX_ELEMENTS) {
            throw new NpyFormatException("the array of shape " + dimensions + " has more elements than one Java"
                    + " array can hold (" + MAX_ELEMENTS + ")");
        }
        int itemSize = switch (dtype) {
            case "<f4" -> 4;
            case "<f2" -> 2;
            case "<f8" -> 8;
            default -> throw new NpyFormatException(unsupportedDtype(dtype));
        };
        float[] values = readData(data, (int) count, dtype, itemSize);
        if (data.read() != -1) {
            throw new NpyFormatException("the .npy stream has bytes after the " + count + " elements of its array");
        }
        return new NpyArray(shape, values);
    }

    private static String unsupportedDtype(String dtype) {
        if (dtype.startsWith(">")) {
            return "dtype " + dtype + " is big-endian; only little-endian <f4, <f2, <f8 are supported"
                    + " (save a.astype('<f4'))";
        }
        return "dtype " + dtype + " is not supported; only <f4, <f2 and <f8 (save a.astype(np.float32))";
    }

    private static float[] readData(DataInputStream in, int count, String dtype, int itemSize) throws IOException {
        float[] values = new float[count];
        byte[] chunk = new byte[CHUNK_BYTES];
        ByteBuffer buffer = ByteBuffer.wrap(chunk).order(ByteOrder.LITTLE_ENDIAN);
        int perChunk = CHUNK_BYTES / itemSize;
        for (int start = 0; start < count; start += perChunk) {
            int n = Math.min(perChunk, count - start);
            try {
                in.readFully(chunk, 0, n * itemSize);
            } catch (EOFException e) {
                throw new NpyFormatException("the .npy data is truncated: " + count + " " + dtype
                        + " elements need " + (long) count * itemSize + " bytes");
            }
            buffer.clear();
            for (int i = 0; i < n; i++) {
                values[start + i] = switch (itemSize) {
                    case 4 -> buffer.getFloat();
                    case 2 -> halfToFloat(buffer.getShort());
                    default -> (float) buffer.getDouble();
                };
            }
        }
        return values;
    }

    /** IEEE 754 binary16 to binary32; exact, including subnormals, infinities and NaN. */
    static float halfToFloat(short bits) {
        int h = bits & 0xffff;
        int sign = (h & 0x8000) << 16;
        int exponent = (h >>> 10) & 0x1f;
        int mantissa = h & 0x3ff;
        if (exponent == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | mantissa << 13);
        }
        if (exponent == 0) {
            // Zero or subnormal: mantissa * 2^-24, exact in float.
            float magnitude = mantissa * 0x1p-24f;
            return sign != 0 ? -magnitude : magnitude;
        }
        return Float.intBitsToFloat(sign | (exponent + 112) << 23 | mantissa << 13);
    }

    private static void readFully(DataInputStream in, byte[] target, String what) throws IOException {
        try {
            in.readFully(target);
        } catch (EOFException e) {
            throw new NpyFormatException("the .npy stream ends inside " + what);
        }
    }

    /** Parses the Python dict literal of a .npy header: strings, True/False, ints and tuples. */
    private static final class HeaderParser {
        private final String text;
        private int pos;

        HeaderParser(String text) {
            this.text = text;
        }

        Map<String, Object> parseDict() throws NpyFormatException {
            Map<String, Object> fields = new LinkedHashMap<>();
            expect('{');
            while (!peek('}')) {
                Object key = value();
                if (!(key instanceof String name)) {
                    throw error("a dict key must be a string");
                }
                expect(':');
                fields.put(name, value());
                if (!peek('}')) {
                    expect(',');
                }
            }
            expect('}');
            skipSpace();
            if (pos != text.length()) {
                throw error("unexpected text after the dict");
            }
            return fields;
        }

        private Object value() throws NpyFormatException {
            skipSpace();
            if (pos >= text.length()) {
                throw error("unexpected end");
            }
            char c = text.charAt(pos);
            if (c == '\'' || c == '"') {
                int end = text.indexOf(c, pos + 1);
                if (end < 0) {
                    throw error("unterminated string");
                }
                String s = text.substring(pos + 1, end);
                pos = end + 1;
                return s;
            }
            if (c == '(' || c == '[') {
                char close = c == '(' ? ')' : ']';
                pos++;
                List<Object> items = new ArrayList<>();
                while (!peek(close)) {
                    items.add(value());
                    if (!peek(close)) {
                        expect(',');
                    }
                }
                expect(close);
                return items;
            }
            if (text.startsWith("True", pos)) {
                pos += 4;
                return Boolean.TRUE;
            }
            if (text.startsWith("False", pos)) {
                pos += 5;
                return Boolean.FALSE;
            }
            int start = pos;
            while (pos < text.length() && (Character.isDigit(text.charAt(pos)) || text.charAt(pos) == '-')) {
                pos++;
            }
            if (start == pos) {
                throw error("unexpected character '" + c + "'");
            }
            String digits = text.substring(start, pos);
            if (pos < text.length() && text.charAt(pos) == 'L') {
                pos++; // Python 2 long suffix, still found in old files.
            }
            try {
                return Long.parseLong(digits);
            } catch (NumberFormatException e) {
                throw error("bad integer " + digits);
            }
        }

        private boolean peek(char c) {
            skipSpace();
            return pos < text.length() && text.charAt(pos) == c;
        }

        private void expect(char c) throws NpyFormatException {
            if (!peek(c)) {
                throw error("expected '" + c + "'");
            }
            pos++;
        }

        private void skipSpace() {
            while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
                pos++;
            }
        }

        private NpyFormatException error(String problem) {
            return new NpyFormatException("malformed .npy header (" + problem + " at character " + pos + "): " + text);
        }
    }
}
