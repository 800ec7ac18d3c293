package io.pitiserve.gateway.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

import io.micrometer.tracing.Span;
import io.micrometer.tracing.otel.bridge.OtelCurrentTraceContext;
import io.micrometer.tracing.otel.bridge.OtelPropagator;
import io.micrometer.tracing.otel.bridge.OtelTracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.pitiserve.common.json.WireJson;
import io.pitiserve.gateway.tracing.GatewayTracing;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The job's whole W3C trace context, tracestate included, kept with a pending delivery through its retries. */
class PendingDeliveryTraceTest {

    private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String PARENT = "00-" + TRACE_ID + "-00f067aa0ba902b7-01";
    private static final String STATE = "piti=1,vendor=abc";

    private final SdkTracerProvider provider = SdkTracerProvider.builder().build();
    private final io.opentelemetry.api.trace.Tracer otel = provider.get("test");
    private final GatewayTracing tracing = new GatewayTracing(
            new OtelTracer(otel, new OtelCurrentTraceContext(), event -> { }),
            new OtelPropagator(ContextPropagators.create(W3CTraceContextPropagator.getInstance()), otel));

    @AfterEach
    void close() {
        provider.close();
    }

    @Test
    void aRetryReadBackFromItsTierSendsTheTracestateOfTheJobsTrace() {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");
        PendingDelivery first = new PendingDelivery("msg_1", "tr_x", "acme", "https://h/x", "succeeded", "t", "{}",
                PARENT, STATE, 1, now, "event", now);

        byte[] record = WireJson.write(first.next(now.plusSeconds(5), PendingDelivery.RETRY, 2));
        PendingDelivery retry = WireJson.read(record, PendingDelivery.class);

        assertThat(retry.traceparent()).isEqualTo(PARENT);
        assertThat(retry.tracestate()).isEqualTo(STATE);
        Map<String, String> headers = new HashMap<>();
        Span span = tracing.startClientSpan("webhook delivery", retry.traceparent(), retry.tracestate(), headers);
        span.end();
        assertThat(span.context().traceId()).isEqualTo(TRACE_ID);
        assertThat(headers.get("traceparent")).isEqualTo("00-" + TRACE_ID + "-" + span.context().spanId() + "-01");
        assertThat(headers.get("tracestate")).isEqualTo(STATE);
    }

    @Test
    void aRecordWrittenBeforeTracestateWasKeptIsStillReadAndItsAttemptsContinueTheTrace() {
        String old = "{\"webhook_id\":\"msg_1\",\"job_id\":\"tr_x\",\"tenant\":\"acme\",\"url\":\"https://h/x\","
                + "\"event\":\"succeeded\",\"event_type\":\"t\",\"event_json\":\"{}\",\"traceparent\":\"" + PARENT
                + "\",\"attempt\":2,\"due_at\":\"2026-01-01T00:00:05Z\",\"origin\":\"retry\","
                + "\"first_seen\":\"2026-01-01T00:00:00Z\"}";

        PendingDelivery retry = WireJson.read(old.getBytes(StandardCharsets.UTF_8), PendingDelivery.class);

        assertThat(retry.traceparent()).isEqualTo(PARENT);
        assertThat(retry.tracestate()).isNull();
        assertThat(retry.attempt()).isEqualTo(2);
        Map<String, String> headers = new HashMap<>();
        Span span = tracing.startClientSpan("webhook delivery", retry.traceparent(), retry.tracestate(), headers);
        span.end();
        assertThat(span.context().traceId()).isEqualTo(TRACE_ID);
        assertThat(headers).doesNotContainKey("tracestate");
        assertThat(new String(WireJson.write(retry), StandardCharsets.UTF_8)).doesNotContain("tracestate");
    }

    @Test
    void aRedeliveryKeepsTheContextOfTheRequestThatAskedForIt() {
        Map<String, String> request = new HashMap<>();
        Span server = tracing.startClientSpan("http post", PARENT, STATE, request);
        GatewayTracing.Kept kept;
        try (var scope = tracing.inScope(server)) {
            kept = tracing.current();
        } finally {
            server.end();
        }

        assertThat(kept.traceparent()).isEqualTo("00-" + TRACE_ID + "-" + server.context().spanId() + "-01");
        assertThat(kept.tracestate()).isEqualTo(STATE);
        assertThat(tracing.current()).isEqualTo(new GatewayTracing.Kept(null, null));
    }
}
