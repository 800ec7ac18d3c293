package io.pitiserve.gateway.status;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import io.pitiserve.common.events.TranslationParams;
import io.pitiserve.common.events.TranslationRequested;
import io.pitiserve.common.events.TranslationStarted;
import io.pitiserve.gateway.support.MutableClock;

import org.junit.jupiter.api.Test;

class FoldedViewsTest {

    private static final String JOB = "tr_bbbbbbbbbbbbbbbbbbbbbbbbbb";
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final TranslationParams PARAMS = new TranslationParams("mask", null, 1, 1.3, "cfg", null, null,
            "ddpm", 0, 7, false, null, Map.of());

    private final MutableClock clock = new MutableClock(T0);
    private final FoldedViews folded = new FoldedViews(clock);

    @Test
    void aFoldedViewIsAnsweredWhileTheGlobalStoreStillHoldsAnOlderVersion() {
        JobView queued = queued();
        JobView running = JobView.apply(queued, new TranslationStarted(JOB, "acme", T0.plusSeconds(1), "w", 1));

        assertThat(folded.folded(running)).isTrue();

        assertThat(folded.newerThan(JOB, null)).contains(running);
        assertThat(folded.newerThan(JOB, queued)).contains(running);
        assertThat(folded.newerThan(JOB, running)).isEmpty();
    }

    @Test
    void anOlderOrRepeatedFoldIsNotKeptAndNotToldAgain() {
        JobView queued = queued();
        JobView running = JobView.apply(queued, new TranslationStarted(JOB, "acme", T0.plusSeconds(1), "w", 1));

        assertThat(folded.folded(running)).isTrue();
        assertThat(folded.folded(running)).isFalse();
        assertThat(folded.folded(queued)).isFalse();
        assertThat(folded.newerThan(JOB, null)).contains(running);
    }

    @Test
    void theGlobalStoreCatchingUpForgetsTheFoldedView() {
        JobView queued = queued();
        JobView running = JobView.apply(queued, new TranslationStarted(JOB, "acme", T0.plusSeconds(1), "w", 1));
        folded.folded(running);

        folded.stored(queued);
        assertThat(folded.newerThan(JOB, queued)).contains(running);

        folded.stored(running);
        assertThat(folded.newerThan(JOB, null)).isEmpty();
    }

    @Test
    void aFoldedViewTheGlobalStoreNeverReadBackIsDroppedAfterAMinute() {
        folded.folded(queued());

        clock.advance(Duration.ofSeconds(61));

        assertThat(folded.newerThan(JOB, null)).isEmpty();
    }

    private static JobView queued() {
        return JobView.accepted(new TranslationRequested(JOB, "acme", T0, "inputs/acme/" + JOB, "abc", "image/png",
                PARAMS));
    }
}
