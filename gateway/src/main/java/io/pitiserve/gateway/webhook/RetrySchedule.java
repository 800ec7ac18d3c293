package io.pitiserve.gateway.webhook;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.function.DoubleSupplier;

/**
 * When a failed webhook attempt is tried again: the schedule's delay for that attempt, stretched
 * by a random fraction below {@code jitter} (so receivers that failed together are not retried in
 * lockstep), and never sooner than the receiver's {@code Retry-After}, which is capped at
 * {@code maxRetryAfter}.
 */
final class RetrySchedule {

    private final List<Duration> delays;
    private final double jitter;
    private final Duration maxRetryAfter;
    private final DoubleSupplier random;

    RetrySchedule(List<Duration> delays, double jitter, Duration maxRetryAfter, DoubleSupplier random) {
        this.delays = List.copyOf(delays);
        this.jitter = jitter;
        this.maxRetryAfter = maxRetryAfter;
        this.random = random;
    }

    /** Whether attempt {@code attempt} (1-based) was the last one the schedule allows. */
    boolean exhaustedAfter(int attempt) {
        return attempt > delays.size();
    }

    /** The delay after failed attempt {@code attempt} (1-based); {@code retryAfter} may be null. */
    Duration delayAfter(int attempt, Duration retryAfter) {
        Duration base = delays.get(attempt - 1);
        Duration delay = Duration.ofMillis((long) (base.toMillis() * (1 + random.getAsDouble() * jitter)));
        if (retryAfter != null) {
            Duration asked = retryAfter.compareTo(maxRetryAfter) > 0 ? maxRetryAfter : retryAfter;
            if (asked.compareTo(delay) > 0) {
                delay = asked;
            }
        }
        return delay;
    }

    /** {@code Retry-After} as delta seconds or an HTTP date; null when absent or unreadable. */
    static Duration retryAfter(String header, Instant now) {
        if (header == null || header.isBlank()) {
            return null;
        }
        String value = header.strip();
        try {
            long seconds = Long.parseLong(value);
            return seconds < 0 ? null : Duration.ofSeconds(seconds);
        } catch (NumberFormatException e) {
            try {
                Instant at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                Duration until = Duration.between(now, at);
                return until.isNegative() ? Duration.ZERO : until;
            } catch (DateTimeParseException unreadable) {
                return null;
            }
        }
    }
}
