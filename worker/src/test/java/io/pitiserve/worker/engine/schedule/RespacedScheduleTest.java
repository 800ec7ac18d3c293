package io.pitiserve.worker.engine.schedule;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Expected values were computed independently with NumPy in float64 from the formulas of SAMPLING.md. */
class RespacedScheduleTest {

    private static final BetaSchedule COSINE = new BetaSchedule.Cosine(1000);
    private static final BetaSchedule LINEAR = new BetaSchedule.Linear(1000, 1e-4, 0.02);

    @Test
    void cosineBetasFollowTheCappedSquaredCosine() {
        double[] betas = COSINE.betas();
        assertThat(betas[0]).isCloseTo(4.128422482196914e-05, within(1e-15));
        assertThat(betas[500]).isCloseTo(0.003155691441585007, within(1e-15));
        assertThat(betas[999]).isEqualTo(0.999);
    }

    @Test
    void linearBetasRunFromStartToEnd() {
        double[] betas = LINEAR.betas();
        assertThat(betas[0]).isEqualTo(1e-4);
        assertThat(betas[999]).isEqualTo(0.02);
        assertThat(betas[500]).isCloseTo(1e-4 + 500 * (0.02 - 1e-4) / 999, within(1e-15));
    }

    @Test
    void respacedCoefficientsMatchAnIndependentComputation() {
        RespacedSchedule s = RespacedSchedule.of(COSINE, "10");
        assertThat(s.length()).isEqualTo(10);
        assertThat(s.timestep(3)).isEqualTo(333);
        assertThat(s.beta(3)).isCloseTo(0.15305104909083078, within(1e-12));
        assertThat(s.alphaBar(3)).isCloseTo(0.741974753106723, within(1e-12));
        assertThat(s.posteriorVariance(3)).isCloseTo(0.07351897417805979, within(1e-12));
        assertThat(s.posteriorMeanCoef1(3)).isCloseTo(0.5551879804900579, within(1e-12));
        assertThat(s.posteriorMeanCoef2(3)).isCloseTo(0.44207071400917963, within(1e-12));
    }

    @Test
    void theLastStepReturnsTheClippedX0AndBorrowsTheLogVarianceOfTheNext() {
        RespacedSchedule s = RespacedSchedule.of(COSINE, "10");
        assertThat(s.posteriorMeanCoef1(0)).isEqualTo(1.0);
        assertThat(s.posteriorMeanCoef2(0)).isEqualTo(0.0);
        assertThat(s.posteriorVariance(0)).isEqualTo(0.0);
        assertThat(s.posteriorLogVarianceClipped(0)).isCloseTo(-10.096189198827068, within(1e-12));
        assertThat(s.posteriorLogVarianceClipped(0)).isEqualTo(Math.log(s.posteriorVariance(1)));
    }

    @Test
    void keepingEveryStepReproducesTheOriginalSchedule() {
        RespacedSchedule s = RespacedSchedule.of(LINEAR, "1000");
        double[] betas = LINEAR.betas();
        for (int i = 0; i < 1000; i += 111) {
            assertThat(s.beta(i)).isCloseTo(betas[i], within(1e-12));
        }
        assertThat(s.alphaBarPrev(0)).isEqualTo(1.0);
        assertThat(s.alphaBarPrev(5)).isEqualTo(s.alphaBar(4));
    }

    @Test
    void badSchedulesAreRefused() {
        assertThatThrownBy(() -> new BetaSchedule.Linear(1000, 0.02, 1e-4)).hasMessageContaining("beta_start <= beta_end");
        assertThatThrownBy(() -> new BetaSchedule.Cosine(0)).hasMessageContaining("steps must be >= 1");
    }
}
