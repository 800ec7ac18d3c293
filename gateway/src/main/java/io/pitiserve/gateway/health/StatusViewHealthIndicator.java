package io.pitiserve.gateway.health;

import io.pitiserve.gateway.status.StatusView;

import org.apache.kafka.streams.KafkaStreams;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.stereotype.Component;

/** Whether the status view's Kafka Streams application is RUNNING (readiness). */
@Component
public class StatusViewHealthIndicator extends AbstractHealthIndicator {

    private final StatusView statusView;

    public StatusViewHealthIndicator(StatusView statusView) {
        super("the status view is not running");
        this.statusView = statusView;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        KafkaStreams.State state = statusView.state();
        (state == KafkaStreams.State.RUNNING ? builder.up() : builder.down())
                .withDetail("state", state == null ? "NOT_STARTED" : state.name());
    }
}
