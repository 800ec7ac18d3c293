package io.pitiserve.worker.engine.schedule;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Expected timesteps were computed with the NumPy reference of tools/ (piti_tools.reference.spaced_timesteps). */
class SpacingTest {

    private static final BetaSchedule COSINE = new BetaSchedule.Cosine(1000);
    private static final BetaSchedule LINEAR = new BetaSchedule.Linear(1000, 1e-4, 0.02);

    @Test
    void uniformSpacingKeepsTheRespacingsOwnTimesteps() {
        assertThat(timesteps(RespacedSchedule.of(COSINE, "10,3", Spacing.UNIFORM)))
                .containsExactly(timesteps(RespacedSchedule.of(COSINE, "10,3")));
    }

    @Test
    void logSnrSpacingMatchesTheReference() {
        assertThat(timesteps(RespacedSchedule.of(LINEAR, "8", Spacing.LOG_SNR)))
                .containsExactly(0, 8, 44, 177, 440, 673, 851, 999);
        // the cosine schedule's capped last beta puts a wide gap of lambda between 998 and 999:
        // targets crowd there and move down to the next free timesteps
        assertThat(timesteps(RespacedSchedule.of(COSINE, "8", Spacing.LOG_SNR)))
                .containsExactly(0, 27, 269, 839, 980, 997, 998, 999);
    }

    @Test
    void karrasSpacingMatchesTheReference() {
        assertThat(timesteps(RespacedSchedule.of(LINEAR, "8", Spacing.KARRAS)))
                .containsExactly(0, 32, 205, 484, 681, 815, 917, 999);
        assertThat(timesteps(RespacedSchedule.of(COSINE, "8", Spacing.KARRAS)))
                .containsExactly(0, 508, 966, 995, 996, 997, 998, 999);
    }

    @Test
    void everySpacingKeepsAsManyDistinctStepsAsTheRespacing() {
        for (Spacing spacing : Spacing.values()) {
            for (int count : new int[] {2, 5, 20, 100}) {
                int[] kept = timesteps(RespacedSchedule.of(COSINE, Integer.toString(count), spacing));
                assertThat(kept).as("%s %d", spacing, count).hasSize(count).doesNotHaveDuplicates().isSorted();
                assertThat(kept[count - 1]).isEqualTo(999);
            }
        }
    }

    @Test
    void anUnknownSpacingIsRefusedByName() {
        assertThatThrownBy(() -> Spacing.of("cosine")).hasMessageContaining("uniform, logsnr or karras");
        assertThat(Spacing.of("karras")).isEqualTo(Spacing.KARRAS);
    }

    private static int[] timesteps(RespacedSchedule schedule) {
        int[] kept = new int[schedule.length()];
        for (int i = 0; i < kept.length; i++) {
            kept[i] = schedule.timestep(i);
        }
        return kept;
    }
}
