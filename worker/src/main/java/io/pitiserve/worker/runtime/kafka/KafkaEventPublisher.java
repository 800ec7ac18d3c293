package io.pitiserve.worker.runtime.kafka;

import io.micrometer.tracing.Span;
import io.micrometer.tracing.TraceContext;
import io.pitiserve.common.events.EncodedEvent;
import io.pitiserve.common.events.EventCodec;
import io.pitiserve.common.events.JobEvent;
import io.pitiserve.worker.runtime.job.EventSink;
import io.pitiserve.worker.runtime.job.JobAbandonedException;
import io.pitiserve.worker.runtime.job.TransientFailureException;
import io.pitiserve.worker.runtime.tracing.JobTracing;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Publishes job events on the events topic and unreadable records on the dead-letter topic. Every
 * event goes out in a producer span of the job's trace, whose context its headers carry; a dead
 * letter keeps the headers, trace context included, of the record it copies.
 */
public final class KafkaEventPublisher implements EventSink {

    /** Header of a dead-lettered record: why it could not be used. */
    public static final String DEAD_LETTER_REASON = "pitiserve-dead-letter-reason";
    public static final String ORIGINAL_TOPIC = "pitiserve-original-topic";
    public static final String ORIGINAL_PARTITION = "pitiserve-original-partition";
    public static final String ORIGINAL_OFFSET = "pitiserve-original-offset";

    private static final Logger log = LoggerFactory.getLogger(KafkaEventPublisher.class);

    private final Producer<byte[], byte[]> producer;
    private final EventCodec codec;
    private final String eventsTopic;
    private final String deadLetterTopic;
    private final Duration sendTimeout;
    private final JobTracing tracing;

    public KafkaEventPublisher(Producer<byte[], byte[]> producer, EventCodec codec, String eventsTopic,
                               String deadLetterTopic, Duration sendTimeout, JobTracing tracing) {
        this.producer = producer;
        this.codec = codec;
        this.eventsTopic = eventsTopic;
        this.deadLetterTopic = deadLetterTopic;
        this.sendTimeout = sendTimeout;
        this.tracing = tracing;
    }

    @Override
    public void publish(JobEvent event, TraceContext trace) {
        publishLater(event, trace).await();
    }

    @Override
    public Acknowledgement publishLater(JobEvent event, TraceContext trace) {
        ProducerRecord<byte[], byte[]> record = record(event);
        Span span = tracing.startPublish(trace, event.type(), eventsTopic, record.headers());
        Future<RecordMetadata> sent;
        try {
            sent = handOver(record, event.type());
        } catch (RuntimeException e) {
            span.error(e);
            span.end();
            throw e;
        }
        return () -> {
            try {
                acknowledged(sent, record, event.type());
            } catch (RuntimeException e) {
                span.error(e);
                throw e;
            } finally {
                span.end();
            }
        };
    }

    @Override
    public void publishEventually(JobEvent event, TraceContext trace) {
        ProducerRecord<byte[], byte[]> record = record(event);
        Span span = tracing.startPublish(trace, event.type(), eventsTopic, record.headers());
        try {
            producer.send(record, (metadata, failure) -> {
                if (failure != null) {
                    log.warn("{} of job {} was not published: {}", event.type(), event.jobId(), failure.getMessage());
                    span.error(failure);
                }
                span.end();
            });
        } catch (RuntimeException e) {
            span.error(e);
            span.end();
            throw e;
        }
    }

    /** Copies {@code record} to the dead-letter topic with {@code reason}, waiting for the broker. */
    public void deadLetter(ConsumerRecord<byte[], byte[]> record, String reason) {
        RecordHeaders headers = new RecordHeaders();
        for (Header header : record.headers()) {
            headers.add(header);
        }
        headers.add(DEAD_LETTER_REASON, utf8(reason));
        headers.add(ORIGINAL_TOPIC, utf8(record.topic()));
        headers.add(ORIGINAL_PARTITION, utf8(String.valueOf(record.partition())));
        headers.add(ORIGINAL_OFFSET, utf8(String.valueOf(record.offset())));
        send(new ProducerRecord<>(deadLetterTopic, null, record.key(), record.value(), headers), "dead letter");
    }

    private ProducerRecord<byte[], byte[]> record(JobEvent event) {
        EncodedEvent encoded = codec.encode(event, null);
        RecordHeaders headers = new RecordHeaders();
        for (Map.Entry<String, byte[]> header : encoded.headers().entrySet()) {
            headers.add(header.getKey(), header.getValue());
        }
        return new ProducerRecord<>(eventsTopic, null, encoded.key(), encoded.value(), headers);
    }

    private void send(ProducerRecord<byte[], byte[]> record, String what) {
        acknowledged(handOver(record, what), record, what);
    }

    private Future<RecordMetadata> handOver(ProducerRecord<byte[], byte[]> record, String what) {
        try {
            return producer.send(record);
        } catch (org.apache.kafka.common.KafkaException e) {
            // send() itself throws when metadata cannot be fetched in max.block.ms: a broker outage.
            throw new TransientFailureException("cannot publish the " + what + " on " + record.topic() + ": "
                    + e.getMessage(), e);
        }
    }

    private void acknowledged(Future<RecordMetadata> sent, ProducerRecord<byte[], byte[]> record, String what) {
        try {
            sent.get(sendTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new TransientFailureException("the broker did not take the " + what + " on " + record.topic() + ": "
                    + cause.getMessage(), cause);
        } catch (TimeoutException e) {
            throw new TransientFailureException("the broker did not acknowledge the " + what + " on " + record.topic()
                    + " within " + sendTimeout.toMillis() + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new JobAbandonedException("interrupted while publishing the " + what);
        }
    }

    private static byte[] utf8(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }
}
