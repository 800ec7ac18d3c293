package io.pitiserve.gateway.webhook;

import io.pitiserve.common.json.WireJson;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;

import io.pitiserve.common.consumption.ConsumptionLoop;
import io.pitiserve.common.consumption.ConsumptionSettings;
import io.pitiserve.common.consumption.RecordHandler;
import io.pitiserve.common.consumption.Subscription;
import io.pitiserve.common.events.EventCodec;
import io.pitiserve.common.events.JobEvent;
import io.pitiserve.common.events.TranslationParams;
import io.pitiserve.common.webhook.WebhookEvent;
import io.pitiserve.common.webhook.WebhookTopics;
import io.pitiserve.gateway.config.PitiserveKafkaProperties;
import io.pitiserve.gateway.status.JobView;
import io.pitiserve.gateway.status.StatusView;
import io.pitiserve.gateway.status.StatusViewUnavailableException;
import io.pitiserve.gateway.tracing.GatewayTracing;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * The webhook dispatcher: a {@link ConsumptionLoop} in its own group ({@code pitiserve.webhooks.consumer-group})
 * over the events topic and every retry tier, with a pool of delivery threads and up to
 * {@code max-in-flight} records started at once (it resumes taking records at half).
 *
 * <p>An event whose job asked for a webhook of that kind becomes a first attempt; a failed
 * attempt becomes a record on the retry tier of its delay, carrying its due time. A tier's
 * partition whose next record is not due yet is paused and rewound to that record until it is, so
 * waiting records hold no thread and nothing but their own tier's partition. Attempts run on the
 * pool, never on the polling thread, so a slow receiver (up to the request timeout) takes one
 * thread, not the dispatcher. Offsets are committed up to the first unfinished record of each
 * partition; an attempt is finished once its log, retry or dead-letter records are acknowledged,
 * so a dispatcher that stops or crashes mid-retry loses nothing.
 *
 * <p>The job's webhook (URL and events) comes from the status view, which folds the request; an
 * event that arrives before its job is known there waits on the immediate tier for up to
 * {@code view-wait}.
 */
@Component
public class WebhookDispatcher implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(WebhookDispatcher.class);
    private static final Duration VIEW_RETRY = Duration.ofMillis(250);
    private static final Duration GAUGE_INTERVAL = Duration.ofSeconds(5);

    private final WebhookProperties properties;
    private final Map<String, Object> consumerConfig;
    private final String eventsTopic;
    private final WebhookTopics topics;
    private final Pattern subscription;
    private final StatusView statusView;
    private final WebhookViews views;
    private final WebhookDelivery delivery;
    private final WebhookPublisher publisher;
    private final WebhookMetrics metrics;
    private final EventCodec codec = new EventCodec("/pitiserve/gateway");
    private final Clock clock;
    private long nextGauges;

    private volatile boolean running;
    private volatile ConsumptionLoop loop;

    public WebhookDispatcher(WebhookProperties properties, KafkaProperties boot, PitiserveKafkaProperties kafka,
                             StatusView statusView, WebhookViews views, WebhookDelivery delivery,
                             WebhookPublisher publisher, WebhookMetrics metrics, Clock clock) {
        this.properties = properties;
        this.clock = clock;
        this.statusView = statusView;
        this.views = views;
        this.delivery = delivery;
        this.publisher = publisher;
        this.metrics = metrics;
        this.eventsTopic = kafka.topics().events();
        this.topics = publisher.topics();
        this.subscription = Pattern.compile(Pattern.quote(eventsTopic) + "|" + topics.retryTierPattern().pattern());
        Map<String, Object> config = new HashMap<>(boot.buildConsumerProperties());
        config.put(ConsumerConfig.GROUP_ID_CONFIG, properties.consumerGroup());
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // A new group starts at the oldest retained records: receivers deduplicate on webhook-id,
        // the dispatcher skips what the delivery log shows delivered and events older than the retry horizon.
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 500);
        config.put(ConsumerConfig.METADATA_MAX_AGE_CONFIG, 5000);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "pitiserve-webhook-dispatcher");
        this.consumerConfig = config;
    }

    @Override
    public synchronized void start() {
        if (!properties.dispatcherEnabled() || running) {
            return;
        }
        running = true;
        int maxInFlight = properties.maxInFlight();
        loop = new ConsumptionLoop(
                () -> new KafkaConsumer<>(consumerConfig, new ByteArrayDeserializer(), new ByteArrayDeserializer()),
                Subscription.pattern(subscription),
                new ConsumptionSettings("webhook-dispatcher", "webhook-delivery", properties.concurrency(), maxInFlight,
                        maxInFlight / 2, Duration.ofMillis(100), properties.requestTimeout().plusSeconds(15), true),
                new Handler(), clock);
        loop.start();
        log.info("webhook dispatcher started (group {}, tiers {}, {} delivery threads)", properties.consumerGroup(),
                properties.tiers(), properties.concurrency());
    }

    @Override
    public synchronized void stop() {
        if (!running) {
            return;
        }
        running = false;
        ConsumptionLoop current = loop;
        if (current != null) {
            current.stop();
        }
        log.info("webhook dispatcher stopped");
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** The status view, which it reads, starts in an earlier phase and stops in a later one. */
    @Override
    public int getPhase() {
        return SmartLifecycle.DEFAULT_PHASE;
    }

    /** The dispatcher's records: first attempts from the events topic, due attempts from the retry tiers. */
    private final class Handler implements RecordHandler {

        @Override
        public boolean handle(ConsumerRecord<byte[], byte[]> record, BooleanSupplier abandoned) {
            try {
                if (record.topic().equals(eventsTopic)) {
                    handleEvent(record);
                } else {
                    handleRetry(record);
                }
                return true;
            } catch (WebhookPublisher.WebhookPublishException e) {
                log.warn("a webhook record of {}-{} stays uncommitted: {}", record.topic(), record.partition(),
                        e.getMessage());
                return false;
            }
        }

        /** A retry tier's record waits, its partition paused, until it is due. */
        @Override
        public Instant notBefore(ConsumerRecord<byte[], byte[]> record) {
            return record.topic().equals(eventsTopic) ? null : dueOf(record);
        }

        /**
         * Not while the status view is not running (starting, restoring, rebalancing): its jobs' webhooks
         * are unknown then, and waiting for it must not use up the events' {@code view-wait}.
         */
        @Override
        public boolean accepting() {
            return statusView.state() == org.apache.kafka.streams.KafkaStreams.State.RUNNING;
        }

        @Override
        public void afterPoll(Consumer<byte[], byte[]> consumer) {
            if (System.nanoTime() - nextGauges > 0) {
                updateGauges(consumer);
                nextGauges = System.nanoTime() + GAUGE_INTERVAL.toNanos();
            }
        }
    }

    private void handleEvent(ConsumerRecord<byte[], byte[]> record) {
        Map<String, byte[]> headers = new HashMap<>();
        for (Header header : record.headers()) {
            headers.put(header.key(), header.value());
        }
        JobEvent event;
        try {
            event = codec.decode(record.value(), headers);
        } catch (io.pitiserve.common.events.UnreadableEventException e) {
            log.debug("skipping an unreadable record on {}: {}", record.topic(), e.getMessage());
            return;
        }
        // Kept with the delivery as the record carries it: every attempt is a span in the job's trace.
        byte[] tracestate = headers.get(GatewayTracing.TRACESTATE);
        consider(event, EventCodec.traceparent(headers),
                tracestate == null ? null : new String(tracestate, StandardCharsets.UTF_8), clock.instant());
    }

    private void handleRetry(ConsumerRecord<byte[], byte[]> record) {
        PendingDelivery pending;
        try {
            pending = WireJson.read(record.value(), PendingDelivery.class);
        } catch (IllegalArgumentException e) {
            log.warn("skipping an unreadable retry record on {}: {}", record.topic(), e.getMessage());
            return;
        }
        if (PendingDelivery.AWAITING_VIEW.equals(pending.origin())) {
            try {
                JobEvent event = io.pitiserve.common.events.EventCodec.fromJson(
                        pending.eventJson().getBytes(StandardCharsets.UTF_8),
                        io.pitiserve.common.events.EventTypes.classOf(pending.eventType()));
                consider(event, pending.traceparent(), pending.tracestate(), pending.firstSeen());
            } catch (io.pitiserve.common.events.UnreadableEventException | RuntimeException e) {
                log.warn("skipping an unreadable waiting event of job {}: {}", pending.jobId(), e.getMessage());
            }
            return;
        }
        delivery.attempt(pending);
    }

    /** Sends the first attempt for an event its job's webhook wants, or lets it wait for the job's view. */
    private void consider(JobEvent event, String traceparent, String tracestate, Instant firstSeen) {
        WebhookEvent kind = WebhookEvent.of(event);
        if (kind == null) {
            return;
        }
        Instant now = clock.instant();
        if (event.time().isBefore(now.minus(properties.maxRetryAfter()))) {
            log.debug("skipping a {} of job {} older than the retry horizon", kind.wireName(), event.jobId());
            return;
        }
        JobView view;
        try {
            view = statusView.find(event.jobId()).orElse(null);
        } catch (StatusViewUnavailableException e) {
            view = null;
        }
        if (view == null || view.created() == null) {
            MDC.put("jobId", event.jobId());
            try {
                if (firstSeen.plus(properties.viewWait()).isBefore(now)) {
                    log.warn("job {} is still unknown to the status view {} after its {} event; no webhook is sent for it",
                            event.jobId(), properties.viewWait(), kind.wireName());
                    return;
                }
                PendingDelivery waiting = new PendingDelivery(null, event.jobId(), event.tenant(), null,
                        kind.wireName(), event.type(), new String(EventCodec.toJson(event), StandardCharsets.UTF_8),
                        traceparent, tracestate, 0, now.plus(VIEW_RETRY), PendingDelivery.AWAITING_VIEW, firstSeen);
                WebhookDelivery.durably(() -> publisher.schedule(waiting, Duration.ZERO));
            } finally {
                MDC.remove("jobId");
            }
            return;
        }
        TranslationParams.Webhook webhook = view.webhook();
        if (webhook == null || webhook.url() == null) {
            return;
        }
        List<String> wanted = webhook.events() == null || webhook.events().isEmpty()
                ? WebhookEvent.DEFAULTS.stream().map(WebhookEvent::wireName).toList() : webhook.events();
        if (!wanted.contains(kind.wireName())) {
            return;
        }
        String webhookId = WebhookIds.of(event);
        if (views.logQuietly(event.jobId()).map(l -> l.delivered(webhookId)).orElse(false)) {
            log.debug("webhook {} of job {} was already delivered; skipping the repeated event", webhookId, event.jobId());
            return;
        }
        delivery.attempt(new PendingDelivery(webhookId, event.jobId(), view.tenant(), webhook.url(), kind.wireName(),
                event.type(), new String(EventCodec.toJson(event), StandardCharsets.UTF_8), traceparent, tracestate, 1,
                now, "event", firstSeen));
    }

    private static Instant dueOf(ConsumerRecord<byte[], byte[]> record) {
        Header due = record.headers().lastHeader(WebhookPublisher.DUE_HEADER);
        if (due != null) {
            try {
                return Instant.ofEpochMilli(Long.parseLong(new String(due.value(), StandardCharsets.UTF_8)));
            } catch (NumberFormatException e) {
                // Fall back to the JSON.
            }
        }
        try {
            Instant at = WireJson.read(record.value(), PendingDelivery.class).dueAt();
            return at == null ? Instant.EPOCH : at;
        } catch (IllegalArgumentException e) {
            return Instant.EPOCH;
        }
    }

    private void updateGauges(Consumer<byte[], byte[]> kafka) {
        try {
            long pending = 0;
            for (TopicPartition tp : kafka.assignment()) {
                if (!tp.topic().equals(eventsTopic)) {
                    OptionalLong lag = kafka.currentLag(tp);
                    pending += lag.orElse(0);
                }
            }
            metrics.pendingRetries(pending);
            List<TopicPartition> dlt = kafka.partitionsFor(topics.deadLetter(), Duration.ofSeconds(2)).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            Map<TopicPartition, Long> end = kafka.endOffsets(dlt, Duration.ofSeconds(2));
            Map<TopicPartition, Long> begin = kafka.beginningOffsets(dlt, Duration.ofSeconds(2));
            metrics.deadLetters(end.entrySet().stream()
                    .mapToLong(e -> e.getValue() - begin.getOrDefault(e.getKey(), 0L)).sum());
        } catch (RuntimeException e) {
            log.debug("could not update webhook gauges: {}", e.getMessage());
        }
    }
}
