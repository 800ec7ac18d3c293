package io.pitiserve.gateway.support;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;

import javax.imageio.ImageIO;

import io.pitiserve.common.image.CocoStuffPalette;

/** Small input images for tests. */
public final class TestImages {

    private TestImages() {
    }

    /** A valid colour-coded mask: label 0's colour on the left half, unlabelled (black) on the right. */
    public static byte[] mask(int width, int height) {
        int person = CocoStuffPalette.standard().rgbOf(0);
        int[] pixels = new int[width * height];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                pixels[y * width + x] = x < width / 2 ? person : 0x000000;
            }
        }
        return png(width, height, pixels);
    }

    /** A valid sketch: white edges on black, a square outline and its diagonal. */
    public static byte[] sketch(int width, int height) {
        int[] pixels = new int[width * height];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                boolean edge = x == width / 4 || x == 3 * width / 4 || y == height / 4 || y == 3 * height / 4
                        || x * height == y * width;
                pixels[y * width + x] = edge ? 0xffffff : 0x000000;
            }
        }
        return png(width, height, pixels);
    }

    /** A mask that is valid except for one pixel whose colour is in no class. */
    public static byte[] maskWithStrayPixel(int width, int height, int x, int y, int rgb) {
        int[] pixels = new int[width * height];
        Arrays.fill(pixels, 0x000000);
        pixels[y * width + x] = rgb;
        return png(width, height, pixels);
    }

    /** An RGB PNG of random noise: it compresses badly, so its size follows its pixel count. */
    public static byte[] noise(int width, int height) {
        java.util.Random random = new java.util.Random(42);
        int[] pixels = new int[width * height];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = random.nextInt(0x1000000);
        }
        return png(width, height, pixels);
    }

    public static byte[] png(int width, int height, int[] rgb) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        image.setRGB(0, 0, width, height, rgb, 0, width);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
