package io.pitiserve.gateway.submission;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;

class JobIdsTest {

    @Test
    void randomIdsHaveTheWireFormatAndDoNotRepeat() {
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            String id = JobIds.random();
            assertThat(id).matches("tr_[a-z2-7]{26}");
            ids.add(id);
        }
        assertThat(ids).hasSize(1000);
    }

    @Test
    void anIdempotencyKeyGivesTheSameIdForTheSameTenantOnly() {
        assertThat(JobIds.derived("acme", "order-1")).isEqualTo(JobIds.derived("acme", "order-1"))
                .matches("tr_[a-z2-7]{26}")
                .isNotEqualTo(JobIds.derived("globex", "order-1"))
                .isNotEqualTo(JobIds.derived("acme", "order-2"));
    }

    @Test
    void theDefaultSeedFollowsTheJobIdAndIsNeverNegative() {
        String id = JobIds.derived("acme", "order-1");
        assertThat(JobIds.defaultSeed(id)).isEqualTo(JobIds.defaultSeed(id)).isNotNegative();
        assertThat(JobIds.defaultSeed(JobIds.random())).isNotEqualTo(JobIds.defaultSeed(id));
    }

    @Test
    void onlyWellFormedIdsAreRecognised() {
        assertThat(JobIds.wellFormed(JobIds.random())).isTrue();
        assertThat(JobIds.wellFormed("tr_../../etc")).isFalse();
        assertThat(JobIds.wellFormed("TR_ABCDEFGHIJKLMNOPQRSTUVWXYZ")).isFalse();
        assertThat(JobIds.wellFormed(null)).isFalse();
    }
}
