package io.pitiserve.common.image;

import static io.pitiserve.common.image.InputRefusals.assertRefused;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class MaskPreprocessorTest {

    private static final int PERSON = 0x800000;
    private static final int BICYCLE = 0x008000;
    private static final int CAR = 0x808000;
    private static final int BLACK = 0x000000;

    private final MaskPreprocessor masks = new MaskPreprocessor(InputLimits.DEFAULT, 256);

    @Test
    void aColourCodedMaskBecomesThreePlanesOfItsColoursInUnitRange() {
        ConditionImage image = masks.prepare(TestImages.filledPng(10, 10, PERSON));

        assertThat(image.channels()).isEqualTo(3);
        assertThat(image.size()).isEqualTo(256);
        assertThat(image.notes()).isEmpty();
        assertThat(image.sample(0, 0, 0)).isEqualTo(128 / 127.5f - 1f);
        assertThat(image.sample(1, 100, 200)).isEqualTo(-1f);
        assertThat(image.sample(2, 255, 255)).isEqualTo(-1f);
    }

    @Test
    void aLabelIdMaskIsDrawnInItsClassColoursAndUnlabelledInBlack() {
        ConditionImage image = new MaskPreprocessor(InputLimits.DEFAULT, 2)
                .prepare(TestImages.greyPng(2, 2, 0, 1, 2, 255));

        assertThat(image).isEqualTo(new MaskPreprocessor(InputLimits.DEFAULT, 2)
                .prepare(TestImages.rgbPng(2, 2, PERSON, BICYCLE, CAR, BLACK)));
        assertThat(image.sample(0, 0, 0)).isEqualTo(128 / 127.5f - 1f);
        assertThat(image.sample(1, 0, 1)).isEqualTo(128 / 127.5f - 1f);
        assertThat(image.sample(0, 1, 1)).isEqualTo(-1f);
    }

    @Test
    void anIndexedColourMaskUsesItsPaletteColours() {
        byte[] indexed = TestImages.indexedPng(2, 1, new int[] {BLACK, CAR}, 1, 0);

        ConditionImage image = new MaskPreprocessor(InputLimits.DEFAULT, 2).prepare(indexed);

        assertThat(image).isEqualTo(new MaskPreprocessor(InputLimits.DEFAULT, 2)
                .prepare(TestImages.rgbPng(2, 1, CAR, BLACK)));
    }

    @Test
    void theResizeTakesPillowsNearestSourcePixels() {
        // Five columns of five classes: output column d takes source column floor((d + 0.5) * 5 / 256).
        int[] classes = {PERSON, BICYCLE, CAR, BLACK, 0x400000};
        byte[] png = TestImages.rgbPng(5, 1, classes);

        ConditionImage image = masks.prepare(png);

        for (int d = 0; d < 256; d++) {
            int source = (int) Math.floor((d + 0.5) * 5 / 256);
            float expectedRed = ((classes[source] >>> 16) & 0xff) / 127.5f - 1f;
            float expectedGreen = ((classes[source] >>> 8) & 0xff) / 127.5f - 1f;
            assertThat(image.sample(0, 77, d)).as("column %d", d).isEqualTo(expectedRed);
            assertThat(image.sample(1, 77, d)).as("column %d", d).isEqualTo(expectedGreen);
        }
    }

    @Test
    void theAspectRatioIsIgnored() {
        int[] pixels = new int[40 * 3];
        Arrays.fill(pixels, 0, 40, PERSON); // top row red, rest black

        ConditionImage image = masks.prepare(TestImages.rgbPng(40, 3, pixels));

        // Output row d takes source row floor((d + 0.5) * 3 / 256): row 84 takes 0 (0.990), row 85 takes 1 (1.002).
        assertThat(image.sample(0, 84, 100)).isEqualTo(128 / 127.5f - 1f);
        assertThat(image.sample(0, 85, 100)).isEqualTo(-1f);
    }

    @Test
    void aColourOutsideThePaletteIsRefusedNamingItsPixelAndColour() {
        int[] pixels = new int[4 * 3];
        Arrays.fill(pixels, PERSON);
        pixels[1 * 4 + 2] = 0x7f0101; // x 2, y 1: an anti-aliased person edge
        pixels[2 * 4 + 3] = 0x123456;

        assertThatThrownBy(() -> masks.prepare(TestImages.rgbPng(4, 3, pixels)))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> {
                    assertThat(e.code().wire()).isEqualTo("unknown_palette_colour");
                    assertThat(e.retryable()).isFalse();
                })
                .hasMessageContaining("pixel (2, 1)")
                .hasMessageContaining("(127, 1, 1)")
                .hasMessageContaining("(128, 0, 0) (person)");
    }

    @Test
    void aLabelValueOutsideTheClassesIsRefusedNamingItsPixelAndValue() {
        assertRefused(() -> masks.prepare(TestImages.greyPng(3, 2, 0, 1, 2, 3, 182, 200)), "unknown_label")
                .hasMessageContaining("pixel (1, 1)")
                .hasMessageContaining("value 182")
                .hasMessageContaining("0..181 or 255");
    }

    @Test
    void aJpegMaskIsRefusedBecauseCompressionShiftsItsColours() {
        assertRefused(() -> masks.prepare(TestImages.rgbJpeg(16, 16, PERSON)), "unsupported_format")
                .hasMessageContaining("must be a PNG").hasMessageContaining("palette");
    }

    @Test
    void aSixteenBitGreyMaskIsAnUnsupportedImageType() {
        assertRefused(() -> masks.prepare(TestImages.grey16Png(4, 4)), "unsupported_image_type")
                .hasMessageContaining("16-bit");
    }

    @Test
    void aTransparentPixelIsRefusedNamingItsPixelAndAlpha() {
        int[] argb = {0xff800000, 0xff800000, 0x80800000, 0x00000000};

        assertRefused(() -> masks.prepare(TestImages.argbPng(2, 2, argb)), "transparent_pixels")
                .hasMessageContaining("pixel (0, 1)").hasMessageContaining("alpha 128");
    }

    @Test
    void aFullyOpaqueRgbaMaskIsAccepted() {
        ConditionImage image = new MaskPreprocessor(InputLimits.DEFAULT, 1)
                .prepare(TestImages.argbPng(1, 1, 0xff000000 | CAR));

        assertThat(image.data()).containsExactly(128 / 127.5f - 1f, 128 / 127.5f - 1f, -1f);
    }

    @Test
    void aPngCutInsideItsImageDataIsTruncated() {
        int[] noise = new java.util.Random(7).ints(64 * 64, 0, 2).map(i -> i == 0 ? PERSON : CAR).toArray();
        byte[] png = TestImages.rgbPng(64, 64, noise);
        byte[] cut = Arrays.copyOf(png, png.length / 2);

        assertRefused(() -> masks.prepare(cut), "truncated_image")
                .hasMessageContaining("PNG").hasMessageContaining(cut.length + " bytes");
    }

    @Test
    void aHugeDeclaredSizeIsRefusedBeforeAnyDecoding() {
        // The image data is garbage: had decoding started, the error would be corrupt_image.
        byte[] bomb = TestImages.pngDeclaring(100_000, 100_000);

        assertRefused(() -> masks.prepare(bomb), "dimensions_too_large")
                .hasMessageContaining("100000 x 100000").hasMessageContaining("4096 x 4096");
    }

    @Test
    void tooManyPixelsInAllAreRefusedEvenWithinEachSide() {
        InputLimits limits = new InputLimits(1 << 20, 100, 100, 50);

        assertRefused(() -> new MaskPreprocessor(limits, 8).prepare(TestImages.filledPng(10, 10, CAR)),
                "dimensions_too_large")
                .hasMessageContaining("50 pixels");
    }

    @Test
    void aFileOverTheByteLimitIsRefusedNamingTheLimit() {
        byte[] png = TestImages.filledPng(10, 10, CAR);
        InputLimits limits = new InputLimits(png.length - 1, 4096, 4096, 1 << 24);

        assertRefused(() -> new MaskPreprocessor(limits, 8).prepare(png), "input_too_large")
                .hasMessageContaining(png.length + " bytes").hasMessageContaining((png.length - 1) + " bytes");
    }

    @Test
    void anEmptyFileIsRefusedAsEmpty() {
        assertRefused(() -> masks.prepare(new byte[0]), "empty_input");
    }

    @Test
    void bytesThatAreNoImageAreAnUnsupportedFormat() {
        assertRefused(() -> masks.prepare("not an image at all".getBytes()), "unsupported_format");
    }

    @Test
    void validateAcceptsAndRefusesExactlyWhatPrepareDoesWithTheSameCodeAndMessage() {
        int[] offPalette = new int[4 * 3];
        Arrays.fill(offPalette, PERSON);
        offPalette[1 * 4 + 2] = 0x7f0101;
        java.util.List<byte[]> inputs = java.util.List.of(
                TestImages.filledPng(10, 10, PERSON),
                TestImages.rgbPng(4, 3, offPalette),
                TestImages.greyPng(2, 2, 0, 1, 2, 255),
                TestImages.greyPng(3, 2, 0, 1, 2, 3, 182, 200),
                TestImages.indexedPng(2, 1, new int[] {BLACK, CAR}, 1, 0),
                TestImages.indexedPng(2, 1, new int[] {BLACK, 0x123456}, 0, 1),
                TestImages.argbPng(2, 2, 0xff800000, 0xff800000, 0x80800000, 0x00000000),
                TestImages.argbPng(1, 1, 0xff000000 | CAR),
                TestImages.argbPng(2, 1, 0xff000000 | CAR, 0xff000000 | 0x010203),
                TestImages.rgbJpeg(16, 16, PERSON),
                TestImages.grey16Png(4, 4),
                new byte[0]);
        for (int i = 0; i < inputs.size(); i++) {
            byte[] input = inputs.get(i);
            InvalidInputException preparing = refusal(() -> masks.prepare(input));
            InvalidInputException validating = refusal(() -> masks.validate(input));
            if (preparing == null) {
                assertThat(validating).as("input %d", i).isNull();
            } else {
                assertThat(validating).as("input %d", i).isNotNull();
                assertThat(validating.code()).as("input %d", i).isEqualTo(preparing.code());
                assertThat(validating.getMessage()).as("input %d", i).isEqualTo(preparing.getMessage());
            }
        }
    }

    @Test
    void everyRowOfALargeMaskIsCheckedByValidate() {
        int[] pixels = new int[300 * 200];
        Arrays.fill(pixels, CAR);
        pixels[199 * 300 + 299] = 0x010203; // the very last pixel

        assertRefused(() -> masks.validate(TestImages.rgbPng(300, 200, pixels)), "unknown_palette_colour")
                .hasMessageContaining("pixel (299, 199)");
    }

    private static InvalidInputException refusal(Runnable action) {
        try {
            action.run();
            return null;
        } catch (InvalidInputException e) {
            return e;
        }
    }
}
