package io.pitiserve.common.events;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** One fully populated event of every type, as tests of the wire format want them. */
public final class SampleEvents {

    public static final String JOB = "tr_abcdefghijklmnopqrstuvwxyz";
    public static final String TENANT = "acme";
    public static final Instant TIME = Instant.parse("2026-11-27T10:15:30.123456Z");

    private SampleEvents() {
    }

    public static TranslationParams someParams() {
        return new TranslationParams("mask", "piti-mask-1", 2, 3.0, "cfg", "27", "ddim20", "ddim", 0.0, 42L, true,
                new TranslationParams.Webhook("https://hooks.example.com/piti", List.of("succeeded")),
                Map.of("order", "A-17"), 7, TIME.plusSeconds(600));
    }

    public static TranslationRequested aRequestedJob() {
        return new TranslationRequested(JOB, TENANT, TIME, "inputs/acme/" + JOB,
                "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "image/png", someParams());
    }

    /** An evaluation job: its input is the stored spec. */
    public static TranslationRequested anEvaluationJob() {
        return new TranslationRequested(JOB, TENANT, TIME, "inputs/acme/" + JOB,
                "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", EvaluationSpec.CONTENT_TYPE,
                new TranslationParams("mask", "demo-mask", 1, 1.3, "cfg", null, null, null, 0.0, 42L, false, null,
                        Map.of()), TranslationRequested.EVALUATION);
    }

    public static TranslationStarted aStartedJob() {
        return new TranslationStarted(JOB, TENANT, TIME.plusSeconds(1), "worker-7", 1);
    }

    public static TranslationProgress someProgress() {
        return new TranslationProgress(JOB, TENANT, TIME.plusSeconds(2), "base", 10, 27);
    }

    public static TranslationSucceeded aSucceededJob() {
        return new TranslationSucceeded(JOB, TENANT, TIME.plusSeconds(9),
                List.of(new TranslationSucceeded.ResultImage("sample", 0, "results/" + JOB + "/sample-0.png", 120_345L,
                                "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae", 256, 256),
                        new TranslationSucceeded.ResultImage("base", 0, "results/" + JOB + "/base-0.png", 9_876L,
                                "fcde2b2edba56bf408601fb721fe9b5c338d10ee429ea04fae5511b68fbf8fb9", 64, 64)),
                "results/" + JOB + "/manifest.json", "piti-mask-1", 42L,
                Map.of("queued", 12.0, "encode", 3.5, "base", 800.25, "upsampler", 1900.0, "total", 2716.0),
                List.of("sketch_inverted"), Map.of("order", "A-17"));
    }

    public static TranslationFailed aFailedJob() {
        return new TranslationFailed(JOB, TENANT, TIME.plusSeconds(3), "unknown_model", "model piti-mask-9 is not loaded");
    }

    public static TranslationCancelled aCancelledJob() {
        return new TranslationCancelled(JOB, TENANT, TIME.plusSeconds(4), "client");
    }

    public static CancellationRequested aCancellationRequest() {
        return new CancellationRequested(JOB, TENANT, TIME.plusSeconds(3));
    }

    /** One of each type, in the order a job's life would see them. */
    public static Stream<JobEvent> everyType() {
        return Stream.of(aRequestedJob(), aStartedJob(), someProgress(), aCancellationRequest(), aSucceededJob(),
                aFailedJob(), aCancelledJob());
    }
}
