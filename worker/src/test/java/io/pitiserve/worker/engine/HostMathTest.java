package io.pitiserve.worker.engine;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class HostMathTest {

    @Test
    void floatExpIsWithinTwoUlpOfTheCorrectlyRoundedValueOverTheWholeRange() {
        float worst = 0;
        for (float x = -87f; x <= 88f; x += 0.000731f) {
            float expected = (float) Math.exp(x);
            float ulps = Math.abs(HostMath.exp(x) - expected) / Math.ulp(expected);
            worst = Math.max(worst, ulps);
        }
        assertThat(worst).isLessThanOrEqualTo(2f);
    }

    @Test
    void floatExpStaysWithinOneUlpWhereTheVarianceExponentsOfTheSamplersLie() {
        // Log-variance halves of DDPM steps lie in about [-10, 0]: there the error stays at 1 ulp.
        float worst = 0;
        for (float x = -12f; x <= 1f; x += 0.0000917f) {
            float expected = (float) Math.exp(x);
            worst = Math.max(worst, Math.abs(HostMath.exp(x) - expected) / Math.ulp(expected));
        }
        assertThat(worst).isLessThanOrEqualTo(1f);
    }

    @Test
    void floatExpClampsOutOfRangeArgumentsInsteadOfOverflowingTheExponentBits() {
        assertThat(HostMath.exp(-500f)).isEqualTo(HostMath.exp(-87f)).isPositive();
        assertThat(HostMath.exp(500f)).isEqualTo(HostMath.exp(88f)).isFinite();
        assertThat(HostMath.exp(0f)).isEqualTo(1f);
    }
}
