package io.pitiserve.worker.runtime.tracing;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

import io.micrometer.tracing.Span;
import io.micrometer.tracing.TraceContext;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.propagation.Propagator;
import io.pitiserve.worker.engine.TranslationResult;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * The worker's spans, through Micrometer Tracing: the span of one delivery of a job, continuing the
 * trace its request record carries; a producer span for every record the worker writes, whose
 * context (W3C {@code traceparent}, and {@code tracestate} when there is one) goes into the record's
 * headers through the tracer's propagator; and the job's phases (fetch, prepare, encode, base,
 * upsampler, store) as child spans with the times the job measured.
 */
public final class JobTracing {

    /** Tracing off: no spans, no headers. */
    public static final JobTracing NOOP = new JobTracing(Tracer.NOOP, Propagator.NOOP);

    private static final Propagator.Getter<Headers> HEADER_GETTER = (headers, name) -> {
        Header header = headers.lastHeader(name);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    };
    private static final Propagator.Setter<Headers> HEADER_SETTER = (headers, name, value) -> {
        headers.remove(name);
        headers.add(name, value.getBytes(StandardCharsets.UTF_8));
    };

    private final Tracer tracer;
    private final Propagator propagator;

    public JobTracing(Tracer tracer, Propagator propagator) {
        this.tracer = tracer;
        this.propagator = propagator;
    }

    /** Starts the span of one delivery of {@code jobId} from {@code lane}, a child of the record's trace. */
    public Span startJob(Headers headers, String lane, String jobId) {
        return propagator.extract(headers, HEADER_GETTER).name("job process").kind(Span.Kind.CONSUMER)
                .tag("messaging.system", "kafka").tag("messaging.destination.name", lane)
                .tag("pitiserve.job_id", jobId).start();
    }

    /** Makes {@code span} the current one on this thread (trace and span ids in the MDC) until closed. */
    public Tracer.SpanInScope inScope(Span span) {
        return tracer.withSpan(span);
    }

    /**
     * Starts the producer span of one record for {@code topic}, a child of {@code parent} (a new trace
     * when it names none), and writes its context into {@code headers}.
     */
    public Span startPublish(TraceContext parent, String what, String topic, Headers headers) {
        Span.Builder builder = tracer.spanBuilder();
        builder = absent(parent) ? builder.setNoParent() : builder.setParent(parent);
        Span span = builder.name(what + " publish").kind(Span.Kind.PRODUCER).tag("messaging.system", "kafka")
                .tag("messaging.destination.name", topic).start();
        propagator.inject(span.context(), headers, HEADER_SETTER);
        return span;
    }

    /**
     * Records a job's phases as children of {@code parent}, from the {@link System#nanoTime()} marks
     * of the runner: {@code marks[0]} when it began (at {@code begun}), then the ends of fetching the
     * input, preparing the condition image, running the engine and storing the results. The engine's
     * stages end where the engine returned, one after another; what is left of the engine's time before
     * them is the wait for the scheduler.
     */
    public void phases(TraceContext parent, Instant begun, long[] marks, TranslationResult.Timings engine) {
        if (absent(parent) || marks.length != 5) {
            return;
        }
        long origin = begun.getEpochSecond() * 1_000_000_000L + begun.getNano() - marks[0];
        child(parent, "fetch input", origin, marks[0], marks[1]);
        child(parent, "prepare", origin, marks[1], marks[2]);
        long upsamplerStart = Math.max(marks[2], marks[3] - nanos(engine.upsamplerMs()));
        long baseStart = Math.max(marks[2], upsamplerStart - nanos(engine.baseMs()));
        long encodeStart = Math.max(marks[2], baseStart - nanos(engine.encodeMs()));
        child(parent, "encode", origin, encodeStart, baseStart);
        child(parent, "base", origin, baseStart, upsamplerStart);
        child(parent, "upsampler", origin, upsamplerStart, marks[3]);
        child(parent, "store results", origin, marks[3], marks[4]);
    }

    private void child(TraceContext parent, String name, long origin, long from, long to) {
        Span span = tracer.spanBuilder().setParent(parent).name(name)
                .startTimestamp((origin + from) / 1000, TimeUnit.MICROSECONDS).start();
        span.end((origin + Math.max(from, to)) / 1000, TimeUnit.MICROSECONDS);
    }

    /** Whether {@code context} names no trace (null, or a no-op tracer's). */
    private static boolean absent(TraceContext context) {
        return context == null || context.traceId() == null || context.traceId().isEmpty();
    }

    private static long nanos(double millis) {
        return (long) (millis * 1e6);
    }
}
