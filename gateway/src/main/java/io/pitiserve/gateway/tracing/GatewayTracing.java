package io.pitiserve.gateway.tracing;

import java.util.HashMap;
import java.util.Map;

import io.micrometer.tracing.Span;
import io.micrometer.tracing.TraceContext;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.propagation.Propagator;
import io.pitiserve.common.events.EventCodec;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * The gateway's own spans and trace context outside HTTP requests and Kafka sends (which Spring
 * instruments): a trace context kept with a webhook delivery is written and read, and an attempt's
 * context goes into its HTTP headers, only through the tracer's propagator. Without a tracer
 * (tracing switched off) there are no spans and no headers.
 */
@Component
public class GatewayTracing {

    /** The W3C header that a kept context is stored as. */
    private static final String TRACEPARENT = EventCodec.TRACEPARENT;

    private final Tracer tracer;
    private final Propagator propagator;

    @Autowired
    public GatewayTracing(ObjectProvider<Tracer> tracer, ObjectProvider<Propagator> propagator) {
        this(tracer.getIfAvailable(() -> Tracer.NOOP), propagator.getIfAvailable(() -> Propagator.NOOP));
    }

    public GatewayTracing(Tracer tracer, Propagator propagator) {
        this.tracer = tracer;
        this.propagator = propagator;
    }

    public Tracer tracer() {
        return tracer;
    }

    /** The current span's context as its {@code traceparent} header, or null when no span is current. */
    public String currentTraceparent() {
        Span current = tracer.currentSpan();
        return current == null ? null : traceparentOf(current.context());
    }

    /**
     * Starts a client span named {@code name}, a child of the context kept as {@code traceparent} (a
     * new trace when it is null or unreadable), and writes its own context into {@code headers}.
     */
    public Span startClientSpan(String name, String traceparent, Map<String, String> headers) {
        Map<String, String> kept = traceparent == null ? Map.of() : Map.of(TRACEPARENT, traceparent);
        Span span = propagator.extract(kept, Map::get).name(name).kind(Span.Kind.CLIENT).start();
        propagator.inject(span.context(), headers, Map::put);
        return span;
    }

    /** Makes {@code span} the current one on this thread until closed. */
    public Tracer.SpanInScope inScope(Span span) {
        return tracer.withSpan(span);
    }

    private String traceparentOf(TraceContext context) {
        Map<String, String> headers = new HashMap<>();
        propagator.inject(context, headers, Map::put);
        return headers.get(TRACEPARENT);
    }
}
