package io.pitiserve.common.image;

import java.awt.image.BufferedImage;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.Objects;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;

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
        BufferedImage image = new BufferedImage(width, height,
                channels == 1 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_3BYTE_BGR);
        WritableRaster raster = image.getRaster();
        int plane = height * width;
        int[] samples = new int[plane];
        for (int c = 0; c < channels; c++) {
            for (int i = 0; i < plane; i++) {
                float x = chw[c * plane + i];
                if (Float.isNaN(x)) {
                    throw new IllegalArgumentException("sample " + (c * plane + i) + " (channel " + c + ", y "
                            + i / width + ", x " + i % width + ") is NaN");
                }
                samples[i] = toByte(x);
            }
            // Raster bands are in colour-model order (R, G, B) whatever the memory layout.
            raster.setSamples(0, 0, width, height, c, samples);
        }
        return write(image);
    }

    private static byte[] write(BufferedImage image) {
        Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName("png");
        if (!writers.hasNext()) {
            throw new IllegalStateException("this JVM has no ImageIO PNG writer");
        }
        ImageWriter writer = writers.next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        // An explicit memory-cached stream: ImageIO.write would buffer through temporary files.
        try (ImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
            writer.setOutput(out);
            writer.write(image);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode PNG in memory", e);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }
}
