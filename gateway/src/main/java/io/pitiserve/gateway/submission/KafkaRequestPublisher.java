package io.pitiserve.gateway.submission;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.pitiserve.common.events.CancellationRequested;
import io.pitiserve.common.events.EncodedEvent;
import io.pitiserve.common.events.EventCodec;
import io.pitiserve.common.events.JobEvent;
import io.pitiserve.common.events.Topics;
import io.pitiserve.common.events.TranslationRequested;
import io.pitiserve.gateway.config.GatewayProperties;
import io.pitiserve.gateway.config.PitiserveKafkaProperties;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Component;

/**
 * Publishes the gateway's events and returns only once Kafka has acknowledged them (all in-sync
 * replicas), so that a 202 means the job is durable: TranslationRequested on its model's request
 * lane, CancellationRequested on the control topic, both keyed by job id. The template's observation
 * puts each send in a producer span of the current trace and its context in the record's headers.
 */
@Component
public class KafkaRequestPublisher {

    private final KafkaTemplate<byte[], byte[]> kafka;
    private final Topics topics;
    private final EventCodec codec = new EventCodec("/pitiserve/gateway");
    private final Duration timeout;

    public KafkaRequestPublisher(KafkaTemplate<byte[], byte[]> gatewayKafkaTemplate, PitiserveKafkaProperties kafka,
                                 GatewayProperties gateway) {
        this.kafka = gatewayKafkaTemplate;
        this.topics = kafka.topics();
        // The producer gives up after publish-timeout; wait a little longer so that its verdict wins.
        this.timeout = gateway.publishTimeout().plusSeconds(1);
    }

    /** Publishes {@code request} on the request lane of {@code model}, in the current trace. */
    public void publish(TranslationRequested request, String model) {
        send(topics.lane(model), request);
    }

    /** Publishes {@code cancellation} on the control topic, in the current trace. */
    public void publish(CancellationRequested cancellation) {
        send(topics.control(), cancellation);
    }

    private void send(String topic, JobEvent event) {
        EncodedEvent encoded = codec.encode(event, null);
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, encoded.key(), encoded.value());
        for (Map.Entry<String, byte[]> header : encoded.headers().entrySet()) {
            record.headers().add(header.getKey(), header.getValue());
        }
        try {
            kafka.send(record).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PublishFailedException("interrupted while publishing " + event.type(), e);
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            throw new PublishFailedException("Kafka did not acknowledge " + event.type() + " for job " + event.jobId()
                    + " on " + topic, e instanceof ExecutionException ? e.getCause() : e);
        }
    }

    static String utf8(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
