package io.pitiserve.common.image;

import static io.pitiserve.common.image.InputRefusals.assertRefused;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DepthPreprocessorTest {

    @Test
    void theLeftHalfGivesPlanesZeroToTwoAndTheRightHalfPlanesThreeToFive() {
        // 4 x 1: normal map (10,20,30) (40,50,60) | depth (70,80,90) (100,110,120)
        byte[] png = TestImages.rgbPng(4, 1, 0x0a141e, 0x28323c, 0x46505a, 0x646e78);

        ConditionImage image = new DepthPreprocessor(InputLimits.DEFAULT, 2).prepare(png);

        assertThat(image.channels()).isEqualTo(6);
        int[][] expectedByPlane = {{10, 40}, {20, 50}, {30, 60}, {70, 100}, {80, 110}, {90, 120}};
        for (int c = 0; c < 6; c++) {
            for (int y = 0; y < 2; y++) {
                for (int x = 0; x < 2; x++) {
                    assertThat(image.sample(c, y, x)).as("plane %d (%d, %d)", c, x, y)
                            .isEqualTo(expectedByPlane[c][x] / 127.5f - 1f);
                }
            }
        }
    }

    @Test
    void eachHalfIsResizedOnItsOwn() {
        byte[] png = TestImages.rgbPng(2, 1, 0xff0000, 0x0000ff);

        ConditionImage image = new DepthPreprocessor(InputLimits.DEFAULT, 256).prepare(png);

        assertThat(image.sample(0, 128, 255)).isEqualTo(1f);
        assertThat(image.sample(2, 128, 255)).isEqualTo(-1f);
        assertThat(image.sample(3, 0, 0)).isEqualTo(-1f);
        assertThat(image.sample(5, 0, 0)).isEqualTo(1f);
    }

    @Test
    void anOddWidthIsNoSideBySideLayout() {
        assertRefused(() -> new DepthPreprocessor(InputLimits.DEFAULT, 8).prepare(TestImages.filledPng(5, 2, 0)),
                "invalid_depth_layout")
                .hasMessageContaining("width must be even").hasMessageContaining("5 x 2");
    }
}
