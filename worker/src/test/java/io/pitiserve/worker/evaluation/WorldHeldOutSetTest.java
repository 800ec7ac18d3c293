package io.pitiserve.worker.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pitiserve.common.events.EvaluationSpec;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class WorldHeldOutSetTest {

    @Test
    void theBundledSetHasAsManyScenesAsTheGatewayCounts() {
        assertThat(WorldHeldOutSet.scenes()).hasSize(EvaluationSpec.WORLD_HELDOUT_IMAGES);
        assertThat(WorldHeldOutSet.scenes()).allSatisfy(scene -> assertThat(scene.seed()).isGreaterThanOrEqualTo(1_000_000));
    }

    @Test
    void everySceneMaskDrawsOnlyTheClassifiersClassesAndItsReferenceHasAWholeImageOfPatches() {
        List<Integer> classes = Arrays.stream(PixelClassifier.world().ids()).boxed().toList();
        for (WorldHeldOutSet.Scene scene : WorldHeldOutSet.scenes()) {
            int[] labels = MaskLabels.of(RgbImage.decode(scene.maskPng()), 256);
            assertThat(Arrays.stream(labels).distinct().boxed().toList()).isSubsetOf(classes);
            assertThat(scene.reference().count()).isEqualTo(16 * 16);
            assertThat(RgbImage.decode(scene.sketchPng()).height()).isEqualTo(256);
        }
    }

    @Test
    void aDepthModelCannotBeEvaluatedOnIt() {
        WorldHeldOutSet.Scene first = WorldHeldOutSet.scenes().get(0);

        assertThat(first.input("sketch")).isSameAs(first.sketchPng());
        assertThatThrownBy(() -> first.input("depth")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("mask and sketch");
    }
}
