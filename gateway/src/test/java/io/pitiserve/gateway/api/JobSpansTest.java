package io.pitiserve.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

class JobSpansTest {

    @Test
    void theWorkersTimingsBecomeOneTimeLineWithTheSchedulersWaitAsTheTimeNoPhaseAccountsFor() {
        Map<String, Double> timings = new LinkedHashMap<>();
        timings.put("queued", 40.0);
        timings.put("fetch", 2.0);
        timings.put("prepare", 1.0);
        timings.put("encode", 10.0);
        timings.put("base", 60.0);
        timings.put("upsampler", 20.0);
        timings.put("store", 7.0);
        timings.put("total", 110.0);

        assertThat(JobSpans.of(timings))
                .extracting(TranslationResource.Span::name, TranslationResource.Span::startMs,
                        TranslationResource.Span::durationMs)
                .containsExactly(
                        tuple("queued", 0.0, 40.0),
                        tuple("fetch", 40.0, 2.0),
                        tuple("prepare", 42.0, 1.0),
                        tuple("scheduling", 43.0, 10.0),
                        tuple("encode", 53.0, 10.0),
                        tuple("base", 63.0, 60.0),
                        tuple("upsampler", 123.0, 20.0),
                        tuple("store", 143.0, 7.0));
    }

    @Test
    void aJobWithoutTimingsHasNoSpansAndPhasesItDidNotReportAreLeftOut() {
        assertThat(JobSpans.of(Map.of())).isEmpty();
        assertThat(JobSpans.of(null)).isEmpty();
        assertThat(JobSpans.of(Map.of("queued", 5.0, "encode", 1.5)))
                .extracting(TranslationResource.Span::name).containsExactly("queued", "encode");
    }
}
