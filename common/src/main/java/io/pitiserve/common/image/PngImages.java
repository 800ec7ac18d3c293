package io.pitiserve.common.image;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Encodes model outputs (CHW floats in [-1, 1]) as 8-bit PNG files.
 *
 * <p>Each sample becomes {@code clamp(rint((x + 1) * 127.5), 0, 255)}: the product is taken in float
 * arithmetic and rounded half to EVEN ({@link Math#rint}), which is what {@code torch.round} and
 * {@code numpy.round} do on the reference side, so a Python reference that writes
 * {@code ((x + 1) * 127.5).round().clamp(0, 255)} on float32 agrees byte for byte. (Half-up rounding
 * would differ on exact ties such as 126.5.)
 */
public final class PngImages {

    private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    private static final int COLOUR_GREY = 0;
    private static final int COLOUR_RGB = 2;
    private static final byte FILTER_UP = 2;
    /**
     * zlib level 1: 3 % larger than level 3 for a 256 x 256 demo result (113 against 110 KB), in 4.0
     * instead of 5.0 ms; the up filter does most of the work. Level 6 took twice level 3's time.
     */
    private static final int DEFLATE_LEVEL = 1;

    private PngImages() {
    }

    /** One sample in [-1, 1] to 0..255 as described above; values outside are clamped. */
    public static int toByte(float x) {
        if (Float.isNaN(x)) {
            throw new IllegalArgumentException("cannot encode NaN as a pixel value");
        }
        double scaled = Math.rint((x + 1f) * 127.5f);
        return (int) Math.max(0, Math.min(255, scaled));
    }

    /** Encodes a 1- or 3-plane {@link ConditionImage} (or any image of that shape). */
    public static byte[] encode(ConditionImage image) {
        return encode(image.data(), image.channels(), image.size(), image.size());
    }

    /**
     * Encodes {@code chw}, {@code channels} planes of {@code height x width} samples in [-1, 1], as a
     * greyscale (1 channel) or RGB (3 channels) PNG.
     *
     * @throws IllegalArgumentException on a shape mismatch, another channel count, or a NaN sample
     *                                  (named by its index)
     */
    public static byte[] encode(float[] chw, int channels, int height, int width) {
        Objects.requireNonNull(chw, "chw");
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("PNG output needs 1 or 3 channels, got " + channels);
        }
        if (height < 1 || width < 1 || (long) channels * height * width != chw.length) {
            throw new IllegalArgumentException("chw has " + chw.length + " samples; " + channels + " x " + height
                    + " x " + width + " needs " + (long) channels * height * width);
        }
        int plane = height * width;
        byte[] pixels = new byte[plane * channels];
        for (int c = 0; c < channels; c++) {
            for (int i = 0; i < plane; i++) {
                float x = chw[c * plane + i];
                if (Float.isNaN(x)) {
                    throw new IllegalArgumentException("sample " + (c * plane + i) + " (channel " + c + ", y "
                            + i / width + ", x " + i % width + ") is NaN");
                }
                pixels[i * channels + c] = (byte) toByte(x);
            }
        }
        return write(pixels, channels, height, width);
    }

    /**
     * A PNG of 8-bit interleaved {@code pixels} (grey or RGB), written directly: every row with the
     * "up" filter, one zlib stream at level {@value #DEFLATE_LEVEL}. ImageIO's writer took 13 ms for a
     * 256 x 256 output and wrote 158 KB; this takes about 4 ms and writes about 113 KB.
     */
    private static byte[] write(byte[] pixels, int channels, int height, int width) {
        int stride = width * channels;
        byte[] filtered = new byte[height * (stride + 1)];
        for (int y = 0; y < height; y++) {
            int row = y * stride;
            int out = y * (stride + 1);
            filtered[out] = FILTER_UP;
            for (int i = 0; i < stride; i++) {
                int above = y == 0 ? 0 : pixels[row - stride + i];
                filtered[out + 1 + i] = (byte) (pixels[row + i] - above);
            }
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream(filtered.length / 2 + 64);
        png.writeBytes(SIGNATURE);
        ByteBuffer header = ByteBuffer.allocate(13).putInt(width).putInt(height)
                .put((byte) 8).put((byte) (channels == 1 ? COLOUR_GREY : COLOUR_RGB)).put((byte) 0).put((byte) 0)
                .put((byte) 0);
        chunk(png, "IHDR", header.array());
        chunk(png, "IDAT", deflate(filtered));
        chunk(png, "IEND", new byte[0]);
        return png.toByteArray();
    }

    private static byte[] deflate(byte[] data) {
        Deflater deflater = new Deflater(DEFLATE_LEVEL);
        try {
            deflater.setInput(data);
            deflater.finish();
            ByteArrayOutputStream out = new ByteArrayOutputStream(data.length / 2 + 64);
            byte[] buffer = new byte[1 << 16];
            while (!deflater.finished()) {
                out.write(buffer, 0, deflater.deflate(buffer));
            }
            return out.toByteArray();
        } finally {
            deflater.end();
        }
    }

    /** Length, type, data and the CRC-32 of type and data. */
    private static void chunk(ByteArrayOutputStream png, String type, byte[] data) {
        byte[] typeBytes = type.getBytes(StandardCharsets.US_ASCII);
        CRC32 crc = new CRC32();
        crc.update(typeBytes);
        crc.update(data);
        png.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
        png.writeBytes(typeBytes);
        png.writeBytes(data);
        png.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }
}
