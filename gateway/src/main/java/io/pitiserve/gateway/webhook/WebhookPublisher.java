package io.pitiserve.gateway.webhook;

import io.pitiserve.common.json.WireJson;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.pitiserve.common.webhook.WebhookTopics;
import io.pitiserve.gateway.config.GatewayProperties;
import io.pitiserve.gateway.config.PitiserveKafkaProperties;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Component;

/**
 * Writes the dispatcher's records and returns once Kafka acknowledged them: pending deliveries on
 * the retry tier of their delay, the dead-letter topic, the delivery log and the disabled URLs.
 */
@Component
public class WebhookPublisher {

    /** Header of retry records: when they are due, epoch milliseconds (also in the JSON). */
    static final String DUE_HEADER = "pitiserve-due-at";

    private final KafkaTemplate<byte[], byte[]> kafka;
    private final WebhookTopics topics;
    private final WebhookProperties webhooks;
    private final Duration timeout;

    public WebhookPublisher(KafkaTemplate<byte[], byte[]> gatewayKafkaTemplate, PitiserveKafkaProperties kafka,
                            GatewayProperties gateway, WebhookProperties webhooks) {
        this.kafka = gatewayKafkaTemplate;
        this.topics = WebhookTopics.withPrefix(kafka.topicPrefix());
        this.webhooks = webhooks;
        this.timeout = gateway.publishTimeout().plusSeconds(1);
    }

    public WebhookTopics topics() {
        return topics;
    }

    /** Puts a delivery on the retry tier matching {@code delay} (its due time is in the record). */
    public void schedule(PendingDelivery pending, Duration delay) {
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topics.retryTier(webhooks.tierFor(delay)),
                utf8(pending.jobId()), WireJson.write(pending));
        record.headers().add(DUE_HEADER, utf8(Long.toString(pending.dueAt().toEpochMilli())));
        send(record);
    }

    public void deadLetter(PendingDelivery pending) {
        send(new ProducerRecord<>(topics.deadLetter(), utf8(pending.jobId()), WireJson.write(pending)));
    }

    public void log(String jobId, DeliveryAttempt attempt) {
        send(new ProducerRecord<>(topics.deliveries(), utf8(jobId), WireJson.write(attempt)));
    }

    public void disable(DisabledUrl disabled) {
        send(new ProducerRecord<>(topics.disabledUrls(), utf8(DisabledUrl.key(disabled.tenant(), disabled.url())),
                WireJson.write(disabled)));
    }

    public void enable(String tenant, String url) {
        send(new ProducerRecord<>(topics.disabledUrls(), utf8(DisabledUrl.key(tenant, url)), null));
    }

    private void send(ProducerRecord<byte[], byte[]> record) {
        try {
            kafka.send(record).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WebhookPublishException("interrupted while writing to " + record.topic(), e);
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            throw new WebhookPublishException("Kafka did not acknowledge a record on " + record.topic(),
                    e instanceof ExecutionException ? e.getCause() : e);
        }
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** Kafka did not take a webhook record; the caller keeps the work and tries again. */
    public static final class WebhookPublishException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        WebhookPublishException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
