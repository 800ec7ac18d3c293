package io.pitiserve.worker.runtime.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

import io.micrometer.tracing.Span;
import io.micrometer.tracing.otel.bridge.OtelCurrentTraceContext;
import io.micrometer.tracing.otel.bridge.OtelPropagator;
import io.micrometer.tracing.otel.bridge.OtelTracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.pitiserve.worker.engine.TranslationResult;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** JobTracing on the OpenTelemetry SDK, its spans read back from an in-memory exporter. */
class JobTracingTest {

    private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String PARENT = "00-" + TRACE_ID + "-00f067aa0ba902b7-01";

    private final InMemorySpanExporter exported = InMemorySpanExporter.create();
    private final SdkTracerProvider provider = SdkTracerProvider.builder()
            .addSpanProcessor(SimpleSpanProcessor.create(exported)).build();
    private final io.opentelemetry.api.trace.Tracer otel = provider.get("test");
    private final JobTracing tracing = new JobTracing(
            new OtelTracer(otel, new OtelCurrentTraceContext(), event -> { }),
            new OtelPropagator(ContextPropagators.create(W3CTraceContextPropagator.getInstance()), otel));

    @AfterEach
    void close() {
        provider.close();
    }

    @Test
    void aJobContinuesTheTraceOfItsRequestRecordAndEachEventRecordCarriesItsOwnSpanOfIt() {
        Headers request = new RecordHeaders();
        request.add("traceparent", PARENT.getBytes(StandardCharsets.UTF_8));
        request.add("tracestate", "piti=1".getBytes(StandardCharsets.UTF_8));

        Span job = tracing.startJob(request, "pitiserve.requests.micro-mask", "tr_a");
        Headers event = new RecordHeaders();
        event.add("traceparent", "00-ffffffffffffffffffffffffffffffff-ffffffffffffffff-01".getBytes(StandardCharsets.UTF_8));
        Span publish = tracing.startPublish(job.context(), "translation.succeeded", "pitiserve.events", event);
        publish.end();
        job.end();

        assertThat(job.context().traceId()).isEqualTo(TRACE_ID);
        assertThat(job.context().parentId()).isEqualTo("00f067aa0ba902b7");
        assertThat(event.headers("traceparent")).as("one traceparent, the producer span's").hasSize(1);
        assertThat(header(event, "traceparent"))
                .isEqualTo("00-" + TRACE_ID + "-" + publish.context().spanId() + "-01");
        assertThat(header(event, "tracestate")).isEqualTo("piti=1");
        Map<String, SpanData> spans = byName();
        assertThat(spans.get("translation.succeeded publish").getParentSpanId()).isEqualTo(job.context().spanId());
        assertThat(spans.get("job process").getKind()).isEqualTo(io.opentelemetry.api.trace.SpanKind.CONSUMER);
    }

    @Test
    void aRecordWithoutAParentOrWithANoopOnesContextStartsATraceOfItsOwn() {
        Headers record = new RecordHeaders();
        Headers other = new RecordHeaders();

        tracing.startPublish(null, "catalogue announcement", "pitiserve.models", record).end();
        tracing.startPublish(io.micrometer.tracing.TraceContext.NOOP, "translation.started", "pitiserve.events", other)
                .end();

        assertThat(header(record, "traceparent")).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01");
        assertThat(header(other, "traceparent")).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01");
        assertThat(exported.getFinishedSpanItems()).allSatisfy(span ->
                assertThat(span.getParentSpanContext().isValid()).isFalse());
    }

    @Test
    void theJobsPhasesAreChildSpansAtTheTimesTheRunnerMeasuredWithTheStagesEndingWhereTheEngineReturned() {
        Span job = tracing.startJob(new RecordHeaders(), "pitiserve.requests.micro-mask", "tr_b");
        Instant begun = Instant.parse("2026-12-07T12:00:00Z");
        long ms = 1_000_000L;
        long t0 = 5_000 * ms;
        // fetch 2 ms, prepare 1 ms, engine 100 ms of which 90 in its stages (10 waiting for the scheduler), store 7 ms.
        long[] marks = {t0, t0 + 2 * ms, t0 + 3 * ms, t0 + 103 * ms, t0 + 110 * ms};
        tracing.phases(job.context(), begun, marks, new TranslationResult.Timings(10, 60, 20, 3, 2, 70));
        job.end();

        Map<String, SpanData> spans = byName();
        assertThat(spans.keySet()).contains("fetch input", "prepare", "encode", "base", "upsampler", "store results");
        long origin = TimeUnit.SECONDS.toNanos(begun.getEpochSecond());
        assertSpan(spans.get("fetch input"), origin, 0, 2);
        assertSpan(spans.get("prepare"), origin, 2, 3);
        assertSpan(spans.get("encode"), origin, 13, 23);
        assertSpan(spans.get("base"), origin, 23, 83);
        assertSpan(spans.get("upsampler"), origin, 83, 103);
        assertSpan(spans.get("store results"), origin, 103, 110);
        spans.values().stream().filter(s -> !s.getName().equals("job process"))
                .forEach(s -> assertThat(s.getParentSpanId()).isEqualTo(job.context().spanId()));
    }

    private static void assertSpan(SpanData span, long origin, long fromMs, long toMs) {
        // Timestamps go to the SDK in microseconds.
        assertThat(span.getStartEpochNanos() - origin).as(span.getName()).isEqualTo(fromMs * 1_000_000L);
        assertThat(span.getEndEpochNanos() - origin).as(span.getName()).isEqualTo(toMs * 1_000_000L);
    }

    private Map<String, SpanData> byName() {
        List<SpanData> spans = exported.getFinishedSpanItems();
        return spans.stream().collect(Collectors.toMap(SpanData::getName, Function.identity()));
    }

    private static String header(Headers headers, String name) {
        return new String(headers.lastHeader(name).value(), StandardCharsets.UTF_8);
    }
}
