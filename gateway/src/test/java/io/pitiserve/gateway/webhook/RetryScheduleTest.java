package io.pitiserve.gateway.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

class RetryScheduleTest {

    static final List<Duration> DEFAULT = List.of(Duration.ofSeconds(5), Duration.ofMinutes(5), Duration.ofMinutes(30),
            Duration.ofHours(2), Duration.ofHours(5), Duration.ofHours(10), Duration.ofHours(14), Duration.ofHours(20),
            Duration.ofHours(24));

    @Test
    void eachRetryWaitsItsScheduledDelayStretchedByLessThanTheJitter() {
        RetrySchedule none = new RetrySchedule(DEFAULT, 0.1, Duration.ofHours(24), () -> 0.0);
        RetrySchedule most = new RetrySchedule(DEFAULT, 0.1, Duration.ofHours(24), () -> 0.999);

        assertThat(none.delayAfter(1, null)).isEqualTo(Duration.ofSeconds(5));
        assertThat(none.delayAfter(9, null)).isEqualTo(Duration.ofHours(24));
        assertThat(most.delayAfter(2, null)).isBetween(Duration.ofMinutes(5), Duration.ofSeconds(330));
    }

    @Test
    void retryAfterPostponesButNeverHastensAndIsCapped() {
        RetrySchedule schedule = new RetrySchedule(DEFAULT, 0, Duration.ofHours(24), () -> 0.0);

        assertThat(schedule.delayAfter(1, Duration.ofSeconds(60))).isEqualTo(Duration.ofSeconds(60));
        assertThat(schedule.delayAfter(2, Duration.ofSeconds(1))).isEqualTo(Duration.ofMinutes(5));
        assertThat(schedule.delayAfter(1, Duration.ofDays(30))).isEqualTo(Duration.ofHours(24));
    }

    @Test
    void theNinthRetryIsTheLast() {
        RetrySchedule schedule = new RetrySchedule(DEFAULT, 0, Duration.ofHours(24), () -> 0.0);

        assertThat(schedule.exhaustedAfter(9)).isFalse();
        assertThat(schedule.exhaustedAfter(10)).isTrue();
    }

    @Test
    void retryAfterIsReadAsSecondsOrAnHttpDate() {
        Instant now = Instant.parse("2026-11-27T08:00:00Z");

        assertThat(RetrySchedule.retryAfter("120", now)).isEqualTo(Duration.ofSeconds(120));
        assertThat(RetrySchedule.retryAfter("Fri, 27 Nov 2026 08:01:30 GMT", now)).isEqualTo(Duration.ofSeconds(90));
        assertThat(RetrySchedule.retryAfter("Fri, 27 Nov 2026 07:00:00 GMT", now)).isZero();
        assertThat(RetrySchedule.retryAfter("soon", now)).isNull();
        assertThat(RetrySchedule.retryAfter("-5", now)).isNull();
        assertThat(RetrySchedule.retryAfter(null, now)).isNull();
    }

    @Test
    void aDelayWaitsOnTheTierOfTheLargestDelayNotAboveIt() {
        WebhookProperties properties = properties(List.of("1.2.3.0/24"));

        assertThat(properties.tiers()).first().isEqualTo(Duration.ZERO);
        assertThat(properties.tiers()).hasSize(10);
        assertThat(properties.tierFor(Duration.ofMillis(200))).isZero();
        assertThat(properties.tierFor(Duration.ofMillis(5400))).isEqualTo(Duration.ofSeconds(5));
        assertThat(properties.tierFor(Duration.ofMinutes(40))).isEqualTo(Duration.ofMinutes(30));
        assertThat(properties.tierFor(Duration.ofDays(3))).isEqualTo(Duration.ofHours(24));
    }

    @Test
    void aBadConfigurationFailsAtStartWithTheKeyNamed() {
        assertThatThrownBy(() -> properties(List.of("10.0.0.0/40")))
                .hasMessageContaining("pitiserve.webhooks.allowed-cidrs[0]");
        assertThatThrownBy(() -> new WebhookProperties(true, "g", List.of(Duration.ZERO), 0.1, Duration.ofHours(1),
                Duration.ofSeconds(5), Duration.ofSeconds(15), DataSize.ofKilobytes(16), true, List.of(), 4, 8,
                Duration.ofMinutes(2), 50))
                .hasMessageContaining("pitiserve.webhooks.retry-schedule[0]");
        assertThatThrownBy(() -> new WebhookProperties(true, "g", DEFAULT, 0.1, Duration.ofHours(1),
                Duration.ofSeconds(20), Duration.ofSeconds(15), DataSize.ofKilobytes(16), true, List.of(), 4, 8,
                Duration.ofMinutes(2), 50))
                .hasMessageContaining("connect-timeout");
    }

    static WebhookProperties properties(List<String> cidrs) {
        return new WebhookProperties(true, "pitiserve-webhooks", DEFAULT, 0.1, Duration.ofHours(24),
                Duration.ofSeconds(5), Duration.ofSeconds(15), DataSize.ofKilobytes(16), true, cidrs, 32, 1024,
                Duration.ofMinutes(2), 50);
    }
}
