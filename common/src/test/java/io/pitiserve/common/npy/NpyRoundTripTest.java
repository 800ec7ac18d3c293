package io.pitiserve.common.npy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyRoundTripTest {

    @Test
    void aWrittenArrayReadsBackWithItsShapeAndValues() throws IOException {
        float[] data = new float[2 * 3 * 4];
        Random random = new Random(1);
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) random.nextGaussian();
        }
        data[5] = Float.NaN;
        data[6] = -0f;
        NpyArray array = new NpyArray(new long[] {2, 3, 4}, data);

        NpyArray read = NpyReader.read(NpyWriter.toBytes(array));

        assertThat(read).isEqualTo(array);
        assertThat(Float.floatToRawIntBits(read.data()[6])).isEqualTo(Float.floatToRawIntBits(-0f));
    }

    @Test
    void theHeaderIsNumpysVersionOneDictPaddedToSixtyFourBytes() {
        byte[] bytes = NpyWriter.toBytes(new NpyArray(new long[] {3, 256, 256}, new float[3 * 256 * 256]));

        String header = new String(bytes, 10, 118, StandardCharsets.ISO_8859_1);
        assertThat(bytes[6]).isEqualTo((byte) 1);
        assertThat(header).startsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 256, 256), }")
                .endsWith("\n");
        assertThat(bytes).hasSize(128 + 4 * 3 * 256 * 256);
    }

    @Test
    void oneDimensionalAndScalarShapesUsePythonTupleSyntax() throws IOException {
        NpyArray vector = new NpyArray(new long[] {3}, new float[] {1, 2, 3});
        NpyArray scalar = new NpyArray(new long[0], new float[] {7});

        assertThat(new String(NpyWriter.toBytes(vector), StandardCharsets.ISO_8859_1)).contains("'shape': (3,)");
        assertThat(new String(NpyWriter.toBytes(scalar), StandardCharsets.ISO_8859_1)).contains("'shape': ()");
        assertThat(NpyReader.read(NpyWriter.toBytes(vector))).isEqualTo(vector);
        assertThat(NpyReader.read(NpyWriter.toBytes(scalar))).isEqualTo(scalar);
    }

    @Test
    void aFileRoundTripsThroughTheFileSystem(@TempDir Path directory) throws IOException {
        NpyArray array = new NpyArray(new long[] {2, 2}, new float[] {0.5f, -1f, 3e-8f, 1e30f});
        Path file = directory.resolve("noise.npy");

        NpyWriter.write(array, file);

        assertThat(NpyReader.read(file)).isEqualTo(array);
    }

    @Test
    void halfPrecisionValuesAreWidenedExactly() throws IOException {
        // 1, -2, 65504 (largest half), 2^-24 (smallest subnormal), 0.099975586 (nearest half to 0.1), +inf
        short[] halves = {0x3c00, (short) 0xc000, 0x7bff, 0x0001, 0x2e66, 0x7c00};
        ByteBuffer data = ByteBuffer.allocate(2 * halves.length).order(ByteOrder.LITTLE_ENDIAN);
        for (short h : halves) {
            data.putShort(h);
        }

        NpyArray array = NpyReader.read(npy("<f2", "(2, 3)", data.array()));

        assertThat(array.shape()).containsExactly(2, 3);
        assertThat(array.data()).containsExactly(1f, -2f, 65504f, 0x1p-24f, 0.099975586f, Float.POSITIVE_INFINITY);
    }

    @Test
    void halfPrecisionNanStaysNan() {
        assertThat(NpyReader.halfToFloat((short) 0x7e00)).isNaN();
        assertThat(NpyReader.halfToFloat((short) 0x8000)).isEqualTo(-0f);
    }

    @Test
    void doublesAreNarrowedToTheNearestFloat() throws IOException {
        ByteBuffer data = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putDouble(0.1).putDouble(-1e300);

        NpyArray array = NpyReader.read(npy("<f8", "(2,)", data.array()));

        assertThat(array.data()).containsExactly(0.1f, Float.NEGATIVE_INFINITY);
    }

    @Test
    void aVersionTwoHeaderIsRead() throws IOException {
        byte[] v1 = npy("<f4", "(1,)", ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(2.5f).array());
        int headerLength = (v1[8] & 0xff) | (v1[9] & 0xff) << 8;
        ByteArrayOutputStream v2 = new ByteArrayOutputStream();
        v2.writeBytes(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 2, 0});
        v2.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(headerLength).array());
        v2.writeBytes(Arrays.copyOfRange(v1, 10, v1.length));

        assertThat(NpyReader.read(v2.toByteArray()).data()).containsExactly(2.5f);
    }

    @Test
    void fortranOrderIsRefused() {
        byte[] file = npyWithHeader("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", new byte[16]);

        assertRefused(file).hasMessageContaining("Fortran order");
    }

    @Test
    void bigEndianFloatsAreRefused() {
        assertRefused(npy(">f4", "(1,)", new byte[4])).hasMessageContaining(">f4").hasMessageContaining("big-endian");
    }

    @Test
    void integerArraysAreRefusedNamingTheDtype() {
        assertRefused(npy("<i8", "(1,)", new byte[8])).hasMessageContaining("<i8");
    }

    @Test
    void truncatedDataIsRefused() {
        assertRefused(npy("<f4", "(4,)", new byte[10])).hasMessageContaining("truncated")
                .hasMessageContaining("16 bytes");
    }

    @Test
    void trailingBytesAreRefused() {
        assertRefused(npy("<f4", "(1,)", new byte[8])).hasMessageContaining("after");
    }

    @Test
    void aFileWithoutTheMagicIsRefused() {
        assertRefused("hello, world".getBytes(StandardCharsets.US_ASCII)).hasMessageContaining("not a .npy file");
    }

    @Test
    void aMalformedHeaderIsRefusedQuotingIt() {
        byte[] file = npyWithHeader("{'descr': '<f4', 'shape': (1,, }", new byte[4]);

        assertRefused(file).hasMessageContaining("malformed").hasMessageContaining("'shape'");
    }

    @Test
    void aShapeThatDoesNotMatchTheDataIsRefusedByTheRecord() {
        assertThatThrownBy(() -> new NpyArray(new long[] {2, 2}, new float[3]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("4 elements");
    }

    private static byte[] npy(String dtype, String shape, byte[] data) {
        return npyWithHeader("{'descr': '" + dtype + "', 'fortran_order': False, 'shape': " + shape + ", }", data);
    }

    private static byte[] npyWithHeader(String dict, byte[] data) {
        String header = dict + " ".repeat(63 - (10 + dict.length()) % 64) + "\n";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
        out.writeBytes(new byte[] {(byte) header.length(), (byte) (header.length() >> 8)});
        out.writeBytes(header.getBytes(StandardCharsets.ISO_8859_1));
        out.writeBytes(data);
        return out.toByteArray();
    }

    /** That reading {@code file} is refused as a malformed .npy file; chain what the message says. */
    private static AbstractThrowableAssert<?, ? extends Throwable> assertRefused(byte[] file) {
        return assertThatThrownBy(() -> NpyReader.read(file)).isInstanceOf(NpyFormatException.class);
    }
}
