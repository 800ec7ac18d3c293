package io.pitiserve.common.image;

import static io.pitiserve.common.image.InputRefusals.assertRefused;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class SketchPreprocessorTest {

    private static float unit(int distance) {
        return distance / 127.5f - 1f;
    }

    @Test
    void aSingleWhitePixelGivesItsCityBlockDistanceEverywhere() {
        int[] grey = new int[5 * 5];
        grey[2 * 5 + 1] = 255; // x 1, y 2

        ConditionImage image = new SketchPreprocessor(InputLimits.DEFAULT, 5).prepare(TestImages.greyPng(5, 5, grey));

        assertThat(image.channels()).isEqualTo(1);
        assertThat(image.notes()).isEmpty();
        for (int y = 0; y < 5; y++) {
            for (int x = 0; x < 5; x++) {
                assertThat(image.sample(0, y, x)).as("(%d, %d)", x, y)
                        .isEqualTo(unit(Math.abs(x - 1) + Math.abs(y - 2)));
            }
        }
    }

    @Test
    void onlyPixelsOfExactly255AreEdges() {
        // 254 is bright but no edge: the nearest edge of (0, 0) is (2, 0).
        ConditionImage image = new SketchPreprocessor(InputLimits.DEFAULT, 3)
                .prepare(TestImages.greyPng(3, 1 + 2, 254, 0, 255, 0, 0, 0, 0, 0, 0));

        assertThat(image.sample(0, 0, 0)).isEqualTo(unit(2));
        assertThat(image.sample(0, 0, 2)).isEqualTo(-1f);
    }

    @Test
    void distancesBeyond255AreClippedToPlusOne() {
        int[] grey = new int[300 * 1];
        grey[0] = 255;

        ConditionImage image = new SketchPreprocessor(InputLimits.DEFAULT, 300).prepare(TestImages.greyPng(300, 1, grey));

        assertThat(image.sample(0, 0, 255)).isEqualTo(1f);
        assertThat(image.sample(0, 299, 299)).isEqualTo(1f);
        assertThat(image.sample(0, 0, 254)).isEqualTo(unit(254));
    }

    @Test
    void colourPixelsAreGreyedWithPillowsRoundedLuma() {
        // (255, 255, 254) has luma 254.886: Pillow rounds it to 255, an edge; truncation would give 254.
        int[] rgb = new int[3 * 3];
        rgb[4] = 0xfffffe;

        ConditionImage image = new SketchPreprocessor(InputLimits.DEFAULT, 3).prepare(TestImages.rgbPng(3, 3, rgb));

        assertThat(image.sample(0, 1, 1)).isEqualTo(-1f);
        assertThat(image.sample(0, 0, 0)).isEqualTo(unit(2));
    }

    @Test
    void aBlackOnWhiteSketchIsInvertedAndSaysSo() {
        int[] whiteOnBlack = new int[6 * 6];
        whiteOnBlack[7] = 255;
        whiteOnBlack[28] = 255;
        int[] blackOnWhite = Arrays.stream(whiteOnBlack).map(v -> 255 - v).toArray();
        SketchPreprocessor sketches = new SketchPreprocessor(InputLimits.DEFAULT, 6);

        ConditionImage expected = sketches.prepare(TestImages.greyPng(6, 6, whiteOnBlack));
        ConditionImage inverted = sketches.prepare(TestImages.greyPng(6, 6, blackOnWhite));

        assertThat(expected.notes()).isEmpty();
        assertThat(inverted.notes()).containsExactly("sketch_inverted");
        assertThat(inverted.data()).containsExactly(expected.data());
    }

    @Test
    void anAllBlackSketchIsRefusedAsEmpty() {
        assertRefused(() -> new SketchPreprocessor(InputLimits.DEFAULT, 256)
                .prepare(TestImages.greyPng(4, 4, new int[16])), "empty_sketch")
                .hasMessageContaining("no edge pixel").hasMessageContaining("exactly white (grey 255)");
    }

    @Test
    void anAllWhiteSketchIsInvertedAndThenRefusedAsEmpty() {
        assertRefused(() -> new SketchPreprocessor(InputLimits.DEFAULT, 256)
                .prepare(TestImages.filledPng(4, 4, 0xffffff)), "empty_sketch")
                .hasMessageContaining("inverted").hasMessageContaining("exactly black");
    }

    @Test
    void edgesLostInTheResizeMakeTheSketchEmpty() {
        // 512 x 1 with an edge only at column 0: halving keeps columns 1, 3, 5...
        int[] grey = new int[512];
        grey[0] = 255;

        assertRefused(() -> new SketchPreprocessor(InputLimits.DEFAULT, 256).prepare(TestImages.greyPng(512, 1, grey)),
                "empty_sketch")
                .hasMessageContaining("512 x 1 to 256 x 256");
    }

    @Test
    void aJpegSketchIsDecodedToo() {
        byte[] jpeg = TestImages.rgbJpeg(16, 16, 0xffffff);

        // A uniform white JPEG decodes to exactly 255 everywhere, so it is inverted and then empty.
        assertRefused(() -> new SketchPreprocessor(InputLimits.DEFAULT, 8).prepare(jpeg), "empty_sketch");
    }

    @Test
    void aSketchOnATransparentCanvasIsRefused() {
        int[] argb = new int[4];
        argb[3] = 0xff000000;

        assertRefused(() -> new SketchPreprocessor(InputLimits.DEFAULT, 8).prepare(TestImages.argbPng(2, 2, argb)),
                "transparent_pixels")
                .hasMessageContaining("pixel (0, 0)").hasMessageContaining("alpha 0");
    }

    @Test
    void aTruncatedJpegIsRefused() {
        int[] pixels = new java.util.Random(3).ints(64 * 64, 0, 0x1000000).toArray();
        byte[] jpeg = TestImages.write(rgbImage(64, 64, pixels), "jpeg");
        byte[] cut = Arrays.copyOf(jpeg, jpeg.length * 2 / 3);

        assertRefused(() -> new SketchPreprocessor(InputLimits.DEFAULT, 8).prepare(cut), "truncated_image")
                .hasMessageContaining("JPEG");
    }

    private static java.awt.image.BufferedImage rgbImage(int width, int height, int[] rgb) {
        java.awt.image.BufferedImage image =
                new java.awt.image.BufferedImage(width, height, java.awt.image.BufferedImage.TYPE_INT_RGB);
        image.setRGB(0, 0, width, height, rgb, 0, width);
        return image;
    }
}
