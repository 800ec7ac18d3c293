package io.pitiserve.worker.evaluation;

import io.pitiserve.common.image.PngImages;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;

/**
 * An 8-bit RGB image as the scorer reads it: height x width x 3 samples, row-major, what numpy's
 * {@code [H, W, 3] uint8} array of the same picture holds.
 *
 * @param height rows
 * @param width  columns
 * @param rgb    {@code 3 * height * width} samples 0..255 (unsigned bytes), HWC
 */
public record RgbImage(int height, int width, byte[] rgb) {

    public RgbImage {
        if (height < 1 || width < 1 || rgb == null || rgb.length != 3 * height * width) {
            throw new IllegalArgumentException("an RGB image of " + height + " x " + width + " needs "
                    + (3L * height * width) + " samples");
        }
    }

    /** Sample {@code channel} (0 R, 1 G, 2 B) of pixel (y, x), 0..255. */
    public int sample(int y, int x, int channel) {
        return rgb[(y * width + x) * 3 + channel] & 0xFF;
    }

    /** Packed {@code 0xRRGGBB} of pixel (y, x). */
    public int packed(int y, int x) {
        int i = (y * width + x) * 3;
        return (rgb[i] & 0xFF) << 16 | (rgb[i + 1] & 0xFF) << 8 | (rgb[i + 2] & 0xFF);
    }

    /** An engine output (CHW samples in [-1, 1], 3 x size x size) as the PNG the worker stores holds it. */
    public static RgbImage fromChw(float[] chw, int size) {
        int plane = size * size;
        if (chw.length != 3 * plane) {
            throw new IllegalArgumentException("expected 3 x " + size + " x " + size + " samples, got " + chw.length);
        }
        byte[] out = new byte[3 * plane];
        for (int c = 0; c < 3; c++) {
            for (int p = 0; p < plane; p++) {
                out[p * 3 + c] = (byte) PngImages.toByte(chw[c * plane + p]);
            }
        }
        return new RgbImage(size, size, out);
    }

    /**
     * Decodes a PNG (or any format ImageIO reads) into raw RGB samples: grey images repeat their one
     * sample, palette images are looked up, alpha is dropped; no colour-space conversion.
     *
     * @throws IllegalArgumentException when the bytes are not an image of 8-bit samples
     */
    public static RgbImage decode(byte[] encoded) {
        BufferedImage image;
        try {
            image = ImageIO.read(new ByteArrayInputStream(encoded));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot decode the image", e);
        }
        if (image == null) {
            throw new IllegalArgumentException("not a readable image");
        }
        Raster raster = image.getRaster();
        int h = image.getHeight();
        int w = image.getWidth();
        int bands = raster.getNumBands();
        byte[] out = new byte[3 * h * w];
        int[] row = new int[w * bands];
        int[] palette = null;
        if (image.getColorModel() instanceof IndexColorModel indexed) {
            palette = new int[indexed.getMapSize()];
            indexed.getRGBs(palette);
        } else if (raster.getSampleModel().getSampleSize(0) != 8) {
            throw new IllegalArgumentException("only 8-bit images are scored");
        }
        for (int y = 0; y < h; y++) {
            raster.getPixels(0, y, w, 1, row);
            for (int x = 0; x < w; x++) {
                int o = (y * w + x) * 3;
                if (palette != null) {
                    int argb = palette[row[x * bands]];
                    out[o] = (byte) (argb >> 16);
                    out[o + 1] = (byte) (argb >> 8);
                    out[o + 2] = (byte) argb;
                } else if (bands >= 3) {
                    out[o] = (byte) row[x * bands];
                    out[o + 1] = (byte) row[x * bands + 1];
                    out[o + 2] = (byte) row[x * bands + 2];
                } else {
                    byte grey = (byte) row[x * bands];
                    out[o] = grey;
                    out[o + 1] = grey;
                    out[o + 2] = grey;
                }
            }
        }
        return new RgbImage(h, w, out);
    }
}
