package io.pitiserve.gateway.tracing;

import java.util.HashMap;
import java.util.Map;

import io.micrometer.tracing.Span;
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

    /** The W3C headers that a kept context is stored as. */
    private static final String TRACEPARENT = EventCodec.TRACEPARENT;
    public static final String TRACESTATE = "tracestate";

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

    /** A trace context as its W3C headers, to be kept: either may be null. */
    public record Kept(String traceparent, String tracestate) {

        static final Kept NONE = new Kept(null, null);
    }

    /** The current span's context as its W3C headers; both null when no span is current. */
    public Kept current() {
        Span current = tracer.currentSpan();
        if (current == null) {
            return Kept.NONE;
        }
        Map<String, String> headers = new HashMap<>();
        propagator.inject(current.context(), headers, Map::put);
        return new Kept(headers.get(TRACEPARENT), headers.get(TRACESTATE));
    }

    /**
     * Starts a client span named {@code name}, a child of the context kept as {@code traceparent} and
     * {@code tracestate} (a new trace when the traceparent is null or unreadable), and writes its own
     * context, the tracestate included, into {@code headers}.
     */
    public Span startClientSpan(String name, String traceparent, String tracestate, Map<String, String> headers) {
        Map<String, String> kept = new HashMap<>();
        if (traceparent != null) {
            kept.put(TRACEPARENT, traceparent);
            if (tracestate != null && !tracestate.isBlank()) {
                kept.put(TRACESTATE, tracestate);
            }
        }
        Span span = propagator.extract(kept, Map::get).name(name).kind(Span.Kind.CLIENT).start();
        propagator.inject(span.context(), headers, Map::put);
        return span;
    }

    /** Makes {@code span} the current one on this thread until closed. */
    public Tracer.SpanInScope inScope(Span span) {
        return tracer.withSpan(span);
    }
}
