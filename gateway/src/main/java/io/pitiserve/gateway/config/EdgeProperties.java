package io.pitiserve.gateway.config;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * How the gateway's HTTP edge treats request bodies, prefix {@code pitiserve.gateway.edge}. Slow
 * clients must not hold the request threads: only {@code max-concurrent-bodies} requests read a
 * body at once (the others get 503 {@code too_many_uploads} at once, before their body is read),
 * and a body that arrives slower than {@code min-body-rate} on average, once {@code body-rate-grace}
 * has passed, is cut off with 408 {@code body_too_slow}. Tomcat's own
 * {@code server.tomcat.connection-timeout} bounds each single wait for bytes.
 *
 * @param maxConcurrentBodies requests of all tenants together that may read a body at the same
 *                            time (1..request threads)
 * @param minBodyRate         the slowest average rate a body may arrive at, per second
 * @param bodyRateGrace       how long a body may arrive slower than that before it is cut off
 *                            (covers a client's slow start)
 * @param uploadRetryAfter    the {@code Retry-After} of a 503 {@code too_many_uploads}
 * @param maxBodySize         the largest request body; one that announces more ({@code Content-Length})
 *                            gets 413 {@code request_too_large} before it is read
 */
@ConfigurationProperties("pitiserve.gateway.edge")
public record EdgeProperties(
        @DefaultValue("32") int maxConcurrentBodies,
        @DefaultValue("4KB") DataSize minBodyRate,
        @DefaultValue("10s") Duration bodyRateGrace,
        @DefaultValue("2s") Duration uploadRetryAfter,
        @DefaultValue("33MB") DataSize maxBodySize) {

    public EdgeProperties {
        if (maxConcurrentBodies < 1) {
            throw new IllegalArgumentException("pitiserve.gateway.edge.max-concurrent-bodies must be at least 1, was "
                    + maxConcurrentBodies);
        }
        if (minBodyRate.isNegative()) {
            throw new IllegalArgumentException("pitiserve.gateway.edge.min-body-rate must not be negative, was "
                    + minBodyRate);
        }
        if (bodyRateGrace.isNegative()) {
            throw new IllegalArgumentException("pitiserve.gateway.edge.body-rate-grace must not be negative, was "
                    + bodyRateGrace);
        }
    }
}
