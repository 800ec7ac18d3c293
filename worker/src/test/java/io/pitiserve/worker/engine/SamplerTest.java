package io.pitiserve.worker.engine;

import io.pitiserve.worker.engine.schedule.BetaSchedule;
import io.pitiserve.worker.engine.schedule.RespacedSchedule;
import io.pitiserve.worker.engine.schedule.Spacing;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The samplers' per-row coefficients against identities they must satisfy. */
class SamplerTest {

    private static final RespacedSchedule COSINE_10 = RespacedSchedule.of(new BetaSchedule.Cosine(1000), "10");

    @Test
    void theSolversFirstStepIsDdimWithoutNoise() {
        // DDIM(0) writes x' = A x0 + C (r1 x - x0) / r2; DPM-Solver++(1) writes x' = A x0 + B x.
        int i = COSINE_10.length() - 1;
        double[] ddim = new Sampler.Ddim(0).coefficients(COSINE_10, i);
        double[] solver = Sampler.of("dpmpp_2m", 0).coefficients(COSINE_10, i);
        double r1 = COSINE_10.sqrtRecipAlphaBar(i);
        double r2 = COSINE_10.sqrtRecipM1AlphaBar(i);
        assertThat(solver[Sampler.B]).isCloseTo(ddim[Sampler.C] * r1 / r2, within(1e-12));
        assertThat(solver[Sampler.A]).isCloseTo(ddim[Sampler.A] - ddim[Sampler.C] / r2, within(1e-12));
        assertThat(solver[Sampler.P]).isZero();
        assertThat(solver[Sampler.D]).isZero();
    }

    @Test
    void aSecondOrderStepWeighsBothPredictionsLikeTheFirstOrderOne() {
        // D = (1 + 1/(2r)) x0 - 1/(2r) x0_prev: equal predictions give the first-order step
        Sampler solver = Sampler.of("dpmpp_2m", 0);
        for (int i = 1; i < COSINE_10.length() - 1; i++) {
            double[] c = solver.coefficients(COSINE_10, i);
            double lambdaS = Spacing.logSnr(COSINE_10.alphaBar(i));
            double h = Spacing.logSnr(COSINE_10.alphaBarPrev(i)) - lambdaS;
            double r = (lambdaS - Spacing.logSnr(COSINE_10.alphaBar(i + 1))) / h;
            double firstOrder = -Math.sqrt(COSINE_10.alphaBarPrev(i)) * Math.expm1(-h);
            assertThat(c[Sampler.A] + c[Sampler.P]).as("step %d", i).isCloseTo(firstOrder, within(1e-12));
            assertThat(c[Sampler.P]).as("step %d", i).isCloseTo(-firstOrder / (2 * r), within(1e-12));
        }
    }

    @Test
    void theLastStepReturnsTheDataPrediction() {
        double[] c = Sampler.of("dpmpp_2m_karras", 0).coefficients(COSINE_10, 0);
        assertThat(c).containsExactly(1, 0, 0, 0, 0, 0, 0);
    }

    @Test
    void wireNamesParseToTheirSpacingAndBack() {
        for (String name : Sampler.NAMES) {
            assertThat(Sampler.of(name, 0.5).label()).isEqualTo(name);
        }
        assertThat(Sampler.of("dpmpp_2m_logsnr", 0).spacing()).isEqualTo(Spacing.LOG_SNR);
        assertThat(Sampler.of("dpmpp_2m", 0).keepsX0()).isTrue();
        assertThat(Sampler.of("ddpm", 0).keepsX0()).isFalse();
        assertThatThrownBy(() -> Sampler.of("dpmpp_3m", 0)).hasMessageContaining("dpmpp_2m_karras");
    }

    @Test
    void aModelNamesTheSamplerOfJobsThatNameNoneAndAnUnknownOneDoesNotLoad() throws Exception {
        String json = Files.readString(Fixtures.model("micro-mask").resolve("model.json"));
        assertThat(json).doesNotContain("\"sampler\"");
        assertThat(PitiModel.parseManifest(bytes(json), "micro-mask").sampler()).isEqualTo("ddpm");
        String solver = json.replaceFirst("\"stages\"", "\"sampler\": \"dpmpp_2m_karras\", \"stages\"");
        assertThat(PitiModel.parseManifest(bytes(solver), "micro-mask").sampler()).isEqualTo("dpmpp_2m_karras");
        String unknown = json.replaceFirst("\"stages\"", "\"sampler\": \"euler\", \"stages\"");
        assertThatThrownBy(() -> PitiModel.parseManifest(bytes(unknown), "micro-mask"))
                .hasMessageContaining("sampler").hasMessageContaining("euler");
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
