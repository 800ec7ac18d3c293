package io.pitiserve.gateway.webhook;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

import io.pitiserve.common.events.EventCodec;
import io.pitiserve.common.events.JobEvent;
import io.pitiserve.common.events.TranslationParams;
import io.pitiserve.common.webhook.WebhookEvent;
import io.pitiserve.common.webhook.WebhookTopics;
import io.pitiserve.gateway.config.PitiserveKafkaProperties;
import io.pitiserve.gateway.status.JobView;
import io.pitiserve.gateway.status.StatusView;
import io.pitiserve.gateway.status.StatusViewUnavailableException;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * The webhook dispatcher: one Kafka consumer in its own group ({@code pitiserve.webhooks.consumer-group})
 * over the events topic and every retry tier, and a pool of delivery threads.
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
    private final Clock clock = Clock.systemUTC();
    private volatile OffsetLedger ledger = new OffsetLedger();
    private final Map<TopicPartition, Instant> pausedUntil = new ConcurrentHashMap<>();
    private final Set<TopicPartition> pausedForLoad = new HashSet<>();
    private final AtomicInteger inFlight = new AtomicInteger();

    private volatile boolean running;
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    private volatile Thread loop;
    private volatile ThreadPoolExecutor workers;

    public WebhookDispatcher(WebhookProperties properties, KafkaProperties boot, PitiserveKafkaProperties kafka,
                             StatusView statusView, WebhookViews views, WebhookDelivery delivery,
                             WebhookPublisher publisher, WebhookMetrics metrics) {
        this.properties = properties;
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
        ledger = new OffsetLedger();
        inFlight.set(0);
        AtomicInteger threadNumber = new AtomicInteger();
        workers = new ThreadPoolExecutor(properties.concurrency(), properties.concurrency(), 60, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), runnable -> {
                    Thread thread = new Thread(runnable, "webhook-delivery-" + threadNumber.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                });
        consumer = new KafkaConsumer<>(consumerConfig, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        Thread thread = new Thread(this::pollLoop, "webhook-dispatcher");
        thread.setDaemon(true);
        loop = thread;
        thread.start();
        log.info("webhook dispatcher started (group {}, tiers {}, {} delivery threads)", properties.consumerGroup(),
                properties.tiers(), properties.concurrency());
    }

    @Override
    public synchronized void stop() {
        if (!running) {
            return;
        }
        running = false;
        KafkaConsumer<byte[], byte[]> current = consumer;
        if (current != null) {
            current.wakeup();
        }
        Thread thread = loop;
        if (thread != null) {
            try {
                thread.join(properties.requestTimeout().plusSeconds(30).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
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

    private void pollLoop() {
        KafkaConsumer<byte[], byte[]> kafka = consumer;
        long nextGauges = 0;
        try {
            kafka.subscribe(subscription, new Rebalance(kafka));
            while (running) {
                resumeDue(kafka);
                relieveLoad(kafka);
                ConsumerRecords<byte[], byte[]> records;
                try {
                    records = kafka.poll(Duration.ofMillis(100));
                } catch (WakeupException e) {
                    break;
                }
                for (TopicPartition tp : records.partitions()) {
                    take(kafka, tp, records.records(tp));
                }
                commit(kafka, null);
                if (System.nanoTime() > nextGauges) {
                    updateGauges(kafka);
                    nextGauges = System.nanoTime() + GAUGE_INTERVAL.toNanos();
                }
            }
        } catch (WakeupException e) {
            // stopping
        } catch (RuntimeException e) {
            log.error("the webhook dispatcher's poll loop failed; deliveries stop until restart", e);
        } finally {
            drain(kafka);
        }
    }

    private void take(KafkaConsumer<byte[], byte[]> kafka, TopicPartition tp, List<ConsumerRecord<byte[], byte[]>> batch) {
        boolean retryTier = !tp.topic().equals(eventsTopic);
        Instant now = clock.instant();
        for (ConsumerRecord<byte[], byte[]> record : batch) {
            if (retryTier) {
                Instant due = dueOf(record);
                if (due.isAfter(now)) {
                    kafka.seek(tp, record.offset());
                    kafka.pause(List.of(tp));
                    pausedUntil.put(tp, due);
                    return;
                }
            }
            ledger.begin(tp, record.offset());
            inFlight.incrementAndGet();
            workers.execute(() -> {
                boolean finished = false;
                try {
                    if (retryTier) {
                        handleRetry(record);
                    } else {
                        handleEvent(record);
                    }
                    finished = true;
                } catch (WebhookPublisher.WebhookPublishException e) {
                    log.warn("a webhook record of {} stays uncommitted: {}", tp, e.getMessage());
                } catch (RuntimeException e) {
                    log.error("could not handle record {} of {}; skipping it", record.offset(), tp, e);
                    finished = true;
                } finally {
                    if (finished) {
                        ledger.end(tp, record.offset());
                    }
                    inFlight.decrementAndGet();
                }
            });
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
        consider(event, EventCodec.traceparent(headers), clock.instant());
    }

    private void handleRetry(ConsumerRecord<byte[], byte[]> record) {
        PendingDelivery pending;
        try {
            pending = WebhookJson.read(record.value(), PendingDelivery.class);
        } catch (IllegalArgumentException e) {
            log.warn("skipping an unreadable retry record on {}: {}", record.topic(), e.getMessage());
            return;
        }
        if (PendingDelivery.AWAITING_VIEW.equals(pending.origin())) {
            try {
                JobEvent event = io.pitiserve.common.events.EventCodec.fromJson(
                        pending.eventJson().getBytes(StandardCharsets.UTF_8),
                        io.pitiserve.common.events.EventTypes.classOf(pending.eventType()));
                consider(event, pending.traceparent(), pending.firstSeen());
            } catch (io.pitiserve.common.events.UnreadableEventException | RuntimeException e) {
                log.warn("skipping an unreadable waiting event of job {}: {}", pending.jobId(), e.getMessage());
            }
            return;
        }
        delivery.attempt(pending);
    }

    /** Sends the first attempt for an event its job's webhook wants, or lets it wait for the job's view. */
    private void consider(JobEvent event, String traceparent, Instant firstSeen) {
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
                        traceparent, 0, now.plus(VIEW_RETRY), PendingDelivery.AWAITING_VIEW, firstSeen);
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
                event.type(), new String(EventCodec.toJson(event), StandardCharsets.UTF_8), traceparent, 1, now,
                "event", firstSeen));
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
            Instant at = WebhookJson.read(record.value(), PendingDelivery.class).dueAt();
            return at == null ? Instant.EPOCH : at;
        } catch (IllegalArgumentException e) {
            return Instant.EPOCH;
        }
    }

    private void resumeDue(KafkaConsumer<byte[], byte[]> kafka) {
        Instant now = clock.instant();
        List<TopicPartition> due = new ArrayList<>();
        pausedUntil.forEach((tp, at) -> {
            if (!at.isAfter(now)) {
                due.add(tp);
            }
        });
        if (due.isEmpty()) {
            return;
        }
        due.forEach(pausedUntil::remove);
        List<TopicPartition> resumable = due.stream().filter(tp -> !pausedForLoad.contains(tp))
                .filter(kafka.assignment()::contains).toList();
        kafka.resume(resumable);
    }

    /**
     * Stops taking records while too many are unfinished (resumes at half), and while the status
     * view is not running (starting, restoring, rebalancing): its jobs' webhooks are unknown then,
     * and waiting for it must not use up the events' {@code view-wait}.
     */
    private void relieveLoad(KafkaConsumer<byte[], byte[]> kafka) {
        int busy = inFlight.get();
        boolean viewReady = statusView.state() == org.apache.kafka.streams.KafkaStreams.State.RUNNING;
        if ((busy >= properties.maxInFlight() || !viewReady) && pausedForLoad.isEmpty()) {
            for (TopicPartition tp : kafka.assignment()) {
                if (!pausedUntil.containsKey(tp)) {
                    pausedForLoad.add(tp);
                }
            }
            kafka.pause(pausedForLoad);
        } else if (busy <= properties.maxInFlight() / 2 && viewReady && !pausedForLoad.isEmpty()) {
            List<TopicPartition> resumable = pausedForLoad.stream().filter(tp -> !pausedUntil.containsKey(tp))
                    .filter(kafka.assignment()::contains).toList();
            kafka.resume(resumable);
            pausedForLoad.clear();
        }
    }

    private void commit(KafkaConsumer<byte[], byte[]> kafka, Collection<TopicPartition> only) {
        Map<TopicPartition, OffsetAndMetadata> offsets = ledger.committable(only);
        offsets.keySet().retainAll(kafka.assignment());
        if (offsets.isEmpty()) {
            return;
        }
        try {
            kafka.commitSync(offsets, Duration.ofSeconds(10));
            ledger.committed(offsets);
        } catch (WakeupException e) {
            kafka.commitSync(offsets, Duration.ofSeconds(10));
            ledger.committed(offsets);
            throw e;
        } catch (RuntimeException e) {
            log.warn("could not commit webhook offsets: {}", e.getMessage());
        }
    }

    private void updateGauges(KafkaConsumer<byte[], byte[]> kafka) {
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

    /** Lets the attempts in progress finish, commits what finished and closes the consumer. */
    private void drain(KafkaConsumer<byte[], byte[]> kafka) {
        ThreadPoolExecutor pool = workers;
        pool.shutdown();
        try {
            if (!pool.awaitTermination(properties.requestTimeout().plusSeconds(15).toMillis(), TimeUnit.MILLISECONDS)) {
                pool.shutdownNow();
            }
        } catch (InterruptedException e) {
            pool.shutdownNow();
            Thread.currentThread().interrupt();
        }
        try {
            Map<TopicPartition, OffsetAndMetadata> offsets = ledger.committable(null);
            offsets.keySet().retainAll(kafka.assignment());
            if (!offsets.isEmpty()) {
                kafka.commitSync(offsets, Duration.ofSeconds(10));
            }
        } catch (RuntimeException e) {
            log.warn("could not commit webhook offsets on stop: {}", e.getMessage());
        }
        try {
            kafka.close(Duration.ofSeconds(10));
        } catch (RuntimeException e) {
            log.warn("the webhook consumer did not close cleanly: {}", e.getMessage());
        }
        pausedUntil.clear();
        pausedForLoad.clear();
    }

    /** On revocation: finish the partitions' attempts in progress and commit them, so the next owner resumes exactly. */
    private final class Rebalance implements ConsumerRebalanceListener {

        private final KafkaConsumer<byte[], byte[]> kafka;

        Rebalance(KafkaConsumer<byte[], byte[]> kafka) {
            this.kafka = kafka;
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            long deadline = System.nanoTime() + properties.requestTimeout().plusSeconds(15).toNanos();
            while (ledger.busy(partitions) && System.nanoTime() < deadline) {
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            Map<TopicPartition, OffsetAndMetadata> offsets = ledger.committable(partitions);
            if (!offsets.isEmpty()) {
                try {
                    kafka.commitSync(offsets, Duration.ofSeconds(10));
                } catch (RuntimeException e) {
                    log.warn("could not commit webhook offsets of revoked partitions: {}", e.getMessage());
                }
            }
            ledger.forget(partitions);
            partitions.forEach(pausedUntil::remove);
            pausedForLoad.removeAll(partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            // Committed offsets say where to resume; nothing is paused on a fresh assignment.
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            ledger.forget(partitions);
            partitions.forEach(pausedUntil::remove);
            pausedForLoad.removeAll(partitions);
        }
    }
}
