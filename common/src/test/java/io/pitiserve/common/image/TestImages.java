package io.pitiserve.common.image;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;

/** Builds small image files for tests. Pixels are given row-major, packed as 0xRRGGBB or 0xAARRGGBB. */
final class TestImages {

    private TestImages() {
    }

    static byte[] rgbPng(int width, int height, int... rgb) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        image.setRGB(0, 0, width, height, rgb, 0, width);
        return write(image, "png");
    }

    static byte[] argbPng(int width, int height, int... argb) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_ARGB);
        image.setRGB(0, 0, width, height, argb, 0, width);
        return write(image, "png");
    }

    /** An RGB PNG of one colour. */
    static byte[] filledPng(int width, int height, int rgb) {
        int[] pixels = new int[width * height];
        java.util.Arrays.fill(pixels, rgb);
        return rgbPng(width, height, pixels);
    }

    /** An 8-bit greyscale PNG; values are written raw into the raster. */
    static byte[] greyPng(int width, int height, int... values) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
        image.getRaster().setPixels(0, 0, width, height, values);
        return write(image, "png");
    }

    static byte[] grey16Png(int width, int height) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_USHORT_GRAY);
        return write(image, "png");
    }

    /** An 8-bit indexed-colour PNG with the given palette (0xRRGGBB) and indices. */
    static byte[] indexedPng(int width, int height, int[] palette, int... indices) {
        byte[] r = new byte[palette.length];
        byte[] g = new byte[palette.length];
        byte[] b = new byte[palette.length];
        for (int i = 0; i < palette.length; i++) {
            r[i] = (byte) (palette[i] >>> 16);
            g[i] = (byte) (palette[i] >>> 8);
            b[i] = (byte) palette[i];
        }
        IndexColorModel model = new IndexColorModel(8, palette.length, r, g, b);
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_INDEXED, model);
        image.getRaster().setPixels(0, 0, width, height, indices);
        return write(image, "png");
    }

    static byte[] rgbJpeg(int width, int height, int rgb) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, rgb);
            }
        }
        return write(image, "jpeg");
    }

    /**
     * A PNG whose IHDR (with a correct CRC) declares {@code width x height} RGB pixels, followed by an
     * IDAT chunk of garbage: decoding it would fail, so a refusal naming the size proves that the size
     * was checked first.
     */
    static byte[] pngDeclaring(long width, long height) {
        ByteBuffer ihdr = ByteBuffer.allocate(13);
        ihdr.putInt((int) width).putInt((int) height).put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0)
                .put((byte) 0);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        out.writeBytes(chunk("IHDR", ihdr.array()));
        out.writeBytes(chunk("IDAT", new byte[] {1, 2, 3, 4, 5, 6, 7, 8}));
        out.writeBytes(chunk("IEND", new byte[0]));
        return out.toByteArray();
    }

    static byte[] chunk(String type, byte[] data) {
        ByteBuffer chunk = ByteBuffer.allocate(12 + data.length);
        byte[] typeBytes = type.getBytes(StandardCharsets.US_ASCII);
        chunk.putInt(data.length).put(typeBytes).put(data);
        CRC32 crc = new CRC32();
        crc.update(typeBytes);
        crc.update(data);
        chunk.putInt((int) crc.getValue());
        return chunk.array();
    }

    static byte[] write(BufferedImage image, String format) {
        ImageIO.setUseCache(false);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(image, format, out)) {
                throw new IllegalStateException("no ImageIO writer for " + format);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Reads the raw samples of a decoded PNG: [band][y * width + x]. */
    static int[][] rawSamples(byte[] png) {
        try {
            BufferedImage image = ImageIO.read(new java.io.ByteArrayInputStream(png));
            int bands = image.getRaster().getNumBands();
            int[][] samples = new int[bands][];
            for (int b = 0; b < bands; b++) {
                samples[b] = image.getRaster().getSamples(0, 0, image.getWidth(), image.getHeight(), b, (int[]) null);
            }
            return samples;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
