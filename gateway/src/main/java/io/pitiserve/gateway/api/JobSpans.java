package io.pitiserve.gateway.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A finished job's phases on one time line, from the timings its worker reported: each with its
 * start after the job's creation and its duration, in milliseconds. The worker runs them one after
 * another: waiting in the queue, fetching the input, preparing it, waiting for the step scheduler,
 * then the encode, base and upsampler stages, then storing the results. The scheduler's wait is the
 * part of the job's total that no other phase accounts for. The same phases are spans of the job's
 * trace.
 */
final class JobSpans {

    /** The phases in their order; {@code scheduling} is derived. */
    static final List<String> ORDER = List.of("queued", "fetch", "prepare", "scheduling", "encode", "base",
            "upsampler", "store");

    private JobSpans() {
    }

    /** The spans of {@code timings}, or none when the job reported none. */
    static List<TranslationResource.Span> of(Map<String, Double> timings) {
        if (timings == null || timings.isEmpty()) {
            return List.of();
        }
        double accounted = 0;
        for (String phase : ORDER) {
            if (!phase.equals("queued")) {
                accounted += timings.getOrDefault(phase, 0.0);
            }
        }
        Double total = timings.get("total");
        Double scheduling = total == null ? null : Math.max(0, total - accounted);
        List<TranslationResource.Span> spans = new ArrayList<>();
        double at = 0;
        for (String phase : ORDER) {
            Double duration = phase.equals("scheduling") ? scheduling : timings.get(phase);
            if (duration == null) {
                continue;
            }
            spans.add(new TranslationResource.Span(phase, round(at), round(duration)));
            at += duration;
        }
        return List.copyOf(spans);
    }

    private static double round(double millis) {
        return Math.round(millis * 10) / 10.0;
    }
}
