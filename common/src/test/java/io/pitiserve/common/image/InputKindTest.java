package io.pitiserve.common.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class InputKindTest {

    @Test
    void eachKindGivesItsOwnPreprocessorAtTwoHundredFiftySixPixels() {
        assertThat(InputKind.MASK.preprocessor()).isInstanceOf(MaskPreprocessor.class);
        assertThat(InputKind.SKETCH.preprocessor()).isInstanceOf(SketchPreprocessor.class);
        assertThat(InputKind.DEPTH.preprocessor()).isInstanceOf(DepthPreprocessor.class);
        for (InputKind kind : InputKind.values()) {
            assertThat(kind.preprocessor().kind()).isEqualTo(kind);
            assertThat(kind.preprocessor().size()).isEqualTo(256);
            assertThat(kind.preprocessor().limits()).isEqualTo(InputLimits.DEFAULT);
        }
    }

    @Test
    void eachKindsPreprocessorProducesItsChannelCount() {
        byte[] png = TestImages.rgbPng(2, 1, 0x800000, 0x000000);

        assertThat(InputKind.MASK.preprocessor(InputLimits.DEFAULT, 4).prepare(png).channels()).isEqualTo(3);
        assertThat(InputKind.SKETCH.preprocessor(InputLimits.DEFAULT, 4)
                .prepare(TestImages.rgbPng(2, 2, 0xffffff, 0, 0, 0)).channels()).isEqualTo(1);
        assertThat(InputKind.DEPTH.preprocessor(InputLimits.DEFAULT, 4).prepare(png).channels()).isEqualTo(6);
    }

    @Test
    void wireNamesAreLowerCaseAndReadBackIgnoringCase() {
        assertThat(InputKind.SKETCH.wireName()).isEqualTo("sketch");
        assertThat(InputKind.fromWireName("Mask")).isEqualTo(InputKind.MASK);
        assertThatThrownBy(() -> InputKind.fromWireName("edges")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'edges'").hasMessageContaining("mask, sketch or depth");
    }
}
