package io.pitiserve.gateway.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import io.pitiserve.common.events.TopicSettings;
import io.pitiserve.gateway.config.PitiserveKafkaProperties;

import org.junit.jupiter.api.Test;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.util.unit.DataSize;

class WebhookDispatcherSwitchTest {

    @Test
    void aGatewayWithTheDispatcherSwitchedOffNeitherConsumesNorSends() {
        WebhookProperties off = new WebhookProperties(false, "pitiserve-webhooks", RetryScheduleTest.DEFAULT, 0.1,
                Duration.ofHours(24), Duration.ofSeconds(5), Duration.ofSeconds(15), DataSize.ofKilobytes(16), true,
                List.of(), 32, 1024, Duration.ofMinutes(2), 50);
        PitiserveKafkaProperties kafka = new PitiserveKafkaProperties(TopicSettings.defaults());
        WebhookDispatcher dispatcher = new WebhookDispatcher(off, new KafkaProperties(), kafka, null, null, null,
                new WebhookPublisher(null, kafka, WebhookPayloadsTest.gateway(), off), null, java.time.Clock.systemUTC());

        dispatcher.start();

        assertThat(dispatcher.isRunning()).isFalse();
    }
}
