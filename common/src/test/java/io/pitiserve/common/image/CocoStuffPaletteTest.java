package io.pitiserve.common.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class CocoStuffPaletteTest {

    private final CocoStuffPalette palette = CocoStuffPalette.standard();

    @Test
    void personIsLabelZeroInDarkRed() {
        assertThat(palette.rgbOf(0)).isEqualTo(0x800000);
        assertThat(palette.nameOf(0)).isEqualTo("person");
        assertThat(palette.labelOf(0x800000)).isZero();
    }

    @Test
    void aFewKnownLabelsHaveTheirVocColours() {
        assertThat(palette.rgbOf(1)).isEqualTo(0x008000); // bicycle
        assertThat(palette.rgbOf(2)).isEqualTo(0x808000); // car
        assertThat(palette.rgbOf(7)).isEqualTo(0x400000); // truck
        assertThat(palette.rgbOf(181)).isEqualTo(0x00e0c0); // wood
        assertThat(palette.nameOf(181)).isEqualTo("wood");
    }

    @Test
    void unlabelledIsBlackBothWays() {
        assertThat(palette.rgbOf(CocoStuffPalette.UNLABELLED)).isEqualTo(0x000000);
        assertThat(palette.labelOf(0x000000)).isEqualTo(255);
        assertThat(palette.contains(0x000000)).isTrue();
    }

    @Test
    void everyLabelHasTheVocColormapColourOfLabelPlusOne() {
        for (int label = 0; label < CocoStuffPalette.CLASS_COUNT; label++) {
            assertThat(palette.rgbOf(label)).as("label %d", label).isEqualTo(vocColour(label + 1));
            assertThat(palette.labelOf(vocColour(label + 1))).isEqualTo(label);
        }
    }

    @Test
    void aColourOutsideThePaletteHasNoLabel() {
        assertThat(palette.labelOf(0x010203)).isEqualTo(-1);
        assertThat(palette.contains(0x010203)).isFalse();
    }

    @Test
    void labelsOutsideTheClassesAreRefused() {
        assertThatThrownBy(() -> palette.rgbOf(182)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("182");
    }

    /** The PASCAL VOC colormap, written independently of the JSON: bits of i interleaved over 8 rounds. */
    private static int vocColour(int index) {
        int r = 0;
        int g = 0;
        int b = 0;
        int c = index;
        for (int shift = 7; shift >= 0; shift--) {
            r |= (c & 1) << shift;
            g |= ((c >> 1) & 1) << shift;
            b |= ((c >> 2) & 1) << shift;
            c >>= 3;
        }
        return r << 16 | g << 8 | b;
    }

    @Test
    void containsHoldsForTheClassColoursAndBlackAndForNoOtherOfAllSixteenMillionColours() {
        int found = 0;
        for (int rgb = 0; rgb <= 0xffffff; rgb++) {
            boolean known = palette.labelOf(rgb) >= 0;
            if (palette.contains(rgb) != known) {
                throw new AssertionError("contains(" + Integer.toHexString(rgb) + ") is " + palette.contains(rgb)
                        + " but labelOf is " + palette.labelOf(rgb));
            }
            found += known ? 1 : 0;
        }
        assertThat(found).isEqualTo(CocoStuffPalette.CLASS_COUNT + 1);
        assertThat(palette.contains(-1)).isFalse();
        assertThat(palette.contains(0x1800000)).isFalse();
    }
}
