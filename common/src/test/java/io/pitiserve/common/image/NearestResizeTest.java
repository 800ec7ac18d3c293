package io.pitiserve.common.image;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class NearestResizeTest {

    @Test
    void everyOutputPixelTakesTheSourcePixelUnderItsCentre() {
        for (int source = 1; source <= 1500; source++) {
            int[] picks = NearestResize.sourceIndices(source, 256);
            for (int d = 0; d < 256; d++) {
                long expected = Math.min((long) Math.floor((d + 0.5) * source / 256.0), source - 1);
                assertThat(picks[d]).as("source %d, output %d", source, d).isEqualTo((int) expected);
            }
        }
    }

    @Test
    void halvingTakesTheSecondOfEachPair() {
        assertThat(NearestResize.sourceIndices(512, 256)).startsWith(1, 3, 5).endsWith(509, 511);
    }

    @Test
    void enlargingRepeatsEachSourcePixel() {
        assertThat(NearestResize.sourceIndices(2, 6)).containsExactly(0, 0, 0, 1, 1, 1);
    }

    @Test
    void theSameSizeIsTheIdentity() {
        int[] picks = NearestResize.sourceIndices(256, 256);
        for (int d = 0; d < 256; d++) {
            assertThat(picks[d]).isEqualTo(d);
        }
    }
}
