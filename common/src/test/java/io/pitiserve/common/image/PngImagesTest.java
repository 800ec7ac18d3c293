package io.pitiserve.common.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class PngImagesTest {

    @Test
    void everyByteValueSurvivesAnEncodeDecodeRoundTrip() {
        float[] chw = new float[3 * 16 * 16];
        for (int i = 0; i < chw.length; i++) {
            chw[i] = (i % 256) / 127.5f - 1f;
        }

        byte[] png = PngImages.encode(chw, 3, 16, 16);

        int[][] samples = TestImages.rawSamples(png);
        assertThat(samples).hasNumberOfRows(3);
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < 256; i++) {
                assertThat(samples[c][i]).as("channel %d sample %d", c, i).isEqualTo((c * 256 + i) % 256);
            }
        }
    }

    @Test
    void aNonSquareNoisyImageDecodesToExactlyItsPixelsRowByRow() {
        int height = 37;
        int width = 53;
        float[] chw = new float[3 * height * width];
        java.util.Random random = new java.util.Random(7);
        for (int i = 0; i < chw.length; i++) {
            chw[i] = random.nextInt(256) / 127.5f - 1f;  // every row differs from the one above
        }

        byte[] png = PngImages.encode(chw, 3, height, width);

        assertThat(ImageHeader.read(png).width()).isEqualTo(width);
        assertThat(ImageHeader.read(png).height()).isEqualTo(height);
        int[][] samples = TestImages.rawSamples(png);
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < height * width; i++) {
                assertThat(samples[c][i]).as("channel %d sample %d", c, i)
                        .isEqualTo(PngImages.toByte(chw[c * height * width + i]));
            }
        }
    }

    @Test
    void aOneChannelImageBecomesAGreyPng() {
        ConditionImage image = new ConditionImage(new float[] {-1f, 0f, 1f, 0.5f}, 1, 2, List.of());

        byte[] png = PngImages.encode(image);

        assertThat(ImageHeader.read(png).layout()).isEqualTo(PixelLayout.GREY);
        assertThat(TestImages.rawSamples(png)[0]).containsExactly(0, 128, 255, 191);
    }

    @Test
    void aDecodedMaskEncodesBackToItsColours() {
        byte[] mask = TestImages.rgbPng(2, 1, 0x800000, 0x00e0c0);
        ConditionImage prepared = new MaskPreprocessor(InputLimits.DEFAULT, 2).prepare(mask);

        int[][] samples = TestImages.rawSamples(PngImages.encode(prepared));

        assertThat(samples[0]).containsExactly(128, 0, 128, 0);
        assertThat(samples[1]).containsExactly(0, 224, 0, 224);
        assertThat(samples[2]).containsExactly(0, 192, 0, 192);
    }

    @Test
    void valuesOutsideTheUnitRangeAreClamped() {
        assertThat(PngImages.toByte(-3f)).isZero();
        assertThat(PngImages.toByte(1.5f)).isEqualTo(255);
        assertThat(PngImages.toByte(Float.NEGATIVE_INFINITY)).isZero();
        assertThat(PngImages.toByte(Float.POSITIVE_INFINITY)).isEqualTo(255);
    }

    @Test
    void exactTiesRoundHalfToEvenLikeTorchRound() {
        assertThat(PngImages.toByte(0f)).isEqualTo(128); // 127.5 -> 128 (even)
        float tie = firstFloatScalingTo(64.5f);
        assertThat((tie + 1f) * 127.5f).isEqualTo(64.5f);
        assertThat(PngImages.toByte(tie)).isEqualTo(64); // half-up would give 65
    }

    @Test
    void aNanSampleIsRefusedNamingItsPosition() {
        float[] chw = new float[4];
        chw[3] = Float.NaN;

        assertThatThrownBy(() -> PngImages.encode(chw, 1, 2, 2)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("sample 3").hasMessageContaining("y 1, x 1");
    }

    @Test
    void aShapeMismatchIsRefused() {
        assertThatThrownBy(() -> PngImages.encode(new float[5], 1, 2, 2)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("5 samples");
        assertThatThrownBy(() -> PngImages.encode(new float[8], 2, 2, 2)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1 or 3 channels");
    }

    private static float firstFloatScalingTo(float product) {
        float x = Math.nextDown(product / 127.5f - 1f);
        for (int i = 0; i < 100; i++, x = Math.nextUp(x)) {
            if ((x + 1f) * 127.5f == product) {
                return x;
            }
        }
        throw new AssertionError("no float scales exactly to " + product);
    }
}
