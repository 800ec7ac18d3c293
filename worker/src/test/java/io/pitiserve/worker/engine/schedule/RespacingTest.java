package io.pitiserve.worker.engine.schedule;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RespacingTest {

    @Test
    void fast27KeepsExactlyThePitiUpsamplerSteps() {
        assertThat(Respacing.keptSteps("fast27", 1000)).containsExactly(
                0, 22, 44, 66, 88, 111, 133, 155, 177, 199, 200, 222, 244, 266, 288, 311, 333, 355, 377, 399,
                400, 500, 599, 600, 799, 800, 997);
    }

    @Test
    void sectionCountsTakeEvenlySpacedStepsIncludingBothEnds() {
        assertThat(Respacing.keptSteps("10", 1000)).containsExactly(0, 111, 222, 333, 444, 555, 666, 777, 888, 999);
        assertThat(Respacing.keptSteps("250", 1000)).hasSize(250).startsWith(0).endsWith(999);
        assertThat(Respacing.keptSteps("10,10,3,2,2", 1000)).hasSize(27).endsWith(999);
    }

    @Test
    void unevenSectionsGiveTheFirstSectionsOneExtraStep() {
        // 1000 steps in 3 sections: 334, 333, 333.
        assertThat(Respacing.keptSteps("1,1,1", 1000)).containsExactly(0, 334, 667);
    }

    @Test
    void ddimUsesTheIntegerStrideThatGivesTheAskedCount() {
        int[] kept = Respacing.keptSteps("ddim50", 1000);
        assertThat(kept).hasSize(50).startsWith(0, 20, 40).endsWith(980);
        assertThat(Respacing.keptSteps("ddim8", 1000)).containsExactly(0, 125, 250, 375, 500, 625, 750, 875);
    }

    @Test
    void ddimCountThatNoStrideGivesIsRefusedWithTheReason() {
        assertThatThrownBy(() -> Respacing.keptSteps("ddim999", 1000))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no integer stride gives exactly 999");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "  ", "abc", "10,x", "-5", "ddimx", "fast", "1.5"})
    void malformedRespacingsAreRefusedNamingTheString(String respacing) {
        assertThatThrownBy(() -> Respacing.keptSteps(respacing, 1000))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("respacing");
    }

    @Test
    void takingMoreStepsThanASectionHoldsIsRefused() {
        assertThatThrownBy(() -> Respacing.keptSteps("2000", 1000))
                .hasMessageContaining("cannot take 2000 steps from a section of 1000");
    }

    @Test
    void aRespacingThatKeepsNothingIsRefused() {
        assertThatThrownBy(() -> Respacing.keptSteps("0", 1000)).hasMessageContaining("keeps no step");
    }
}
