package io.pitiserve.common.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConditionImageTest {

    @Test
    void samplesAreReadInChannelRowColumnOrder() {
        float[] data = {0f, 0.1f, 0.2f, 0.3f, -0.1f, -0.2f, -0.3f, -0.4f};

        ConditionImage image = new ConditionImage(data, 2, 2, List.of());

        assertThat(image.sample(0, 1, 0)).isEqualTo(0.2f);
        assertThat(image.sample(1, 1, 1)).isEqualTo(-0.4f);
    }

    @Test
    void theRecordKeepsItsOwnCopyOfTheSamplesAndNotes() {
        float[] data = new float[4];
        List<String> notes = new ArrayList<>(List.of("sketch_inverted"));
        ConditionImage image = new ConditionImage(data, 1, 2, notes);

        data[0] = 1f;
        image.data()[1] = 1f;
        notes.add("other");

        assertThat(image.data()).containsOnly(0f);
        assertThat(image.notes()).containsExactly("sketch_inverted");
    }

    @Test
    void copyIntoFillsABatchBufferAtAnOffset() {
        ConditionImage image = new ConditionImage(new float[] {0.5f, -0.5f, 1f, -1f}, 1, 2, List.of());
        float[] batch = new float[6];

        image.copyInto(batch, 2);

        assertThat(batch).containsExactly(0f, 0f, 0.5f, -0.5f, 1f, -1f);
    }

    @Test
    void theUnconditionalInputIsAllPlusOne() {
        ConditionImage unconditional = ConditionImage.unconditional(3, 4);

        assertThat(unconditional.data()).hasSize(48).containsOnly(1f);
        assertThat(unconditional.notes()).isEmpty();
    }

    @Test
    void imagesWithEqualSamplesAreEqual() {
        assertThat(new ConditionImage(new float[] {0.25f}, 1, 1, List.of()))
                .isEqualTo(new ConditionImage(new float[] {0.25f}, 1, 1, List.of()))
                .hasSameHashCodeAs(new ConditionImage(new float[] {0.25f}, 1, 1, List.of()));
    }

    @Test
    void samplesOutsideMinusOneToOneAreRefused() {
        assertThatThrownBy(() -> new ConditionImage(new float[] {0f, 1.01f, 0f, 0f}, 1, 2, List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sample 1");
        assertThatThrownBy(() -> new ConditionImage(new float[] {Float.NaN}, 1, 1, List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NaN");
    }

    @Test
    void aSampleCountNotMatchingTheShapeIsRefused() {
        assertThatThrownBy(() -> new ConditionImage(new float[5], 1, 2, List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs 4");
    }
}
