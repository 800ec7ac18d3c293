package io.pitiserve.gateway.catalogue;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.pitiserve.common.catalogue.CatalogueCodec;
import io.pitiserve.common.catalogue.ModelAnnouncement;
import io.pitiserve.common.events.UnreadableEventException;
import io.pitiserve.gateway.config.GatewayProperties;
import io.pitiserve.gateway.config.PitiserveKafkaProperties;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Every model the gateway can route to: the ones operators declare ({@code pitiserve.gateway.models},
 * which exist with no worker at all) and the ones workers announce on the catalogue topic, which
 * this instance reads whole, from the beginning, on its own thread (no consumer group).
 */
@Component
public class ModelCatalogue implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(ModelCatalogue.class);

    private final List<GatewayProperties.Model> declared;
    private final String topic;
    private final Map<String, Object> consumerConfig;
    private final Clock clock;
    private final Map<String, ModelAnnouncement> announcements = new ConcurrentHashMap<>();
    private final CountDownLatch caughtUp = new CountDownLatch(1);
    private volatile boolean running;
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    private Thread thread;

    @Autowired
    public ModelCatalogue(GatewayProperties gateway, PitiserveKafkaProperties kafka, KafkaProperties boot, Clock clock) {
        this(gateway.models(), kafka.topics().models(), boot.buildConsumerProperties(), clock);
    }

    ModelCatalogue(List<GatewayProperties.Model> declared, String topic, Map<String, Object> consumerProperties,
                   Clock clock) {
        this.declared = List.copyOf(declared);
        this.topic = topic;
        this.clock = clock;
        Map<String, Object> config = new HashMap<>(consumerProperties);
        config.remove(ConsumerConfig.GROUP_ID_CONFIG);
        config.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "pitiserve-gateway-catalogue-" + UUID.randomUUID());
        this.consumerConfig = config;
    }

    /** A model as the gateway knows it: declared, announced by live workers, or both. */
    public record Entry(String name, String task, String version, boolean declaredDefault, boolean declared,
                        List<ModelAnnouncement> live) {

        /** The freshest announcement, or null when no worker serves the model now. */
        public ModelAnnouncement latest() {
            return live.stream().max(Comparator.comparing(ModelAnnouncement::announcedAt)).orElse(null);
        }

        /**
         * Whether the live workers serve the model as one generator forward per sample (no sampler,
         * steps or guidance); false for a model no worker announces now.
         */
        public boolean singlePass() {
            ModelAnnouncement announced = latest();
            return announced != null && ModelAnnouncement.SINGLE_PASS.equals(announced.kindOrDefault());
        }

        /** Whether {@code asked} names this model: its name, its version, or {@code name@version}. */
        boolean answersTo(String asked) {
            if (asked.equals(name)) {
                return true;
            }
            List<String> versions = new ArrayList<>();
            if (version != null) {
                versions.add(version);
            }
            live.forEach(a -> versions.add(a.version()));
            return versions.stream().anyMatch(v -> asked.equals(v) || asked.equals(name + "@" + v));
        }
    }

    /** Every known model, declared ones first in their order, then announced ones by name. */
    public List<Entry> entries() {
        Instant now = clock.instant();
        Map<String, List<ModelAnnouncement>> live = new LinkedHashMap<>();
        announcements.values().stream().filter(a -> a.liveAt(now))
                .sorted(Comparator.comparing(ModelAnnouncement::model).thenComparing(ModelAnnouncement::worker))
                .forEach(a -> live.computeIfAbsent(a.model(), m -> new ArrayList<>()).add(a));
        Map<String, Entry> entries = new LinkedHashMap<>();
        for (GatewayProperties.Model model : declared) {
            List<ModelAnnouncement> workers = live.getOrDefault(model.name(), List.of());
            entries.put(model.name(), new Entry(model.name(), model.task(), model.version(), model.defaultModel(),
                    true, List.copyOf(workers)));
        }
        live.forEach((name, workers) -> entries.computeIfAbsent(name, n -> {
            ModelAnnouncement latest = workers.get(workers.size() - 1);
            return new Entry(name, latest.task(), null, false, false, List.copyOf(workers));
        }));
        return List.copyOf(entries.values());
    }

    /**
     * The model a job of {@code task} runs on: {@code asked} (name, version or {@code name@version})
     * when given, else the task's default (the declared default, else the first declared model of the
     * task, else the first live one by name). Waits a moment, once, for a gateway that has just started
     * to read the catalogue before saying no.
     *
     * @throws UnknownModelException naming what exists when no known model fits
     */
    public Entry route(String task, String asked) {
        Entry found = find(task, asked);
        if (found == null && caughtUp.getCount() > 0) {
            try {
                caughtUp.await(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            found = find(task, asked);
        }
        if (found == null) {
            throw new UnknownModelException(task, asked, entries());
        }
        return found;
    }

    /** The model {@link #route} would pick now, without waiting; null when none. */
    public Entry find(String task, String asked) {
        List<Entry> ofTask = entries().stream().filter(e -> e.task().equals(task)).toList();
        if (asked != null && !asked.isBlank()) {
            return ofTask.stream().filter(e -> e.answersTo(asked.strip())).findFirst().orElse(null);
        }
        return ofTask.stream().filter(Entry::declaredDefault).findFirst()
                .or(() -> ofTask.stream().filter(Entry::declared).findFirst())
                .or(() -> ofTask.stream().findFirst())
                .orElse(null);
    }

    @Override
    public void start() {
        running = true;
        thread = new Thread(this::read, "pitiserve-catalogue");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void stop() {
        running = false;
        KafkaConsumer<byte[], byte[]> current = consumer;
        if (current != null) {
            current.wakeup();
        }
        if (thread != null) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    private void read() {
        while (running) {
            try (KafkaConsumer<byte[], byte[]> created = new KafkaConsumer<>(consumerConfig)) {
                consumer = created;
                readWith(created);
            } catch (WakeupException e) {
                return;
            } catch (KafkaException | IllegalStateException e) {
                if (running) {
                    log.warn("reading the model catalogue {} failed, starting over: {}", topic, e.getMessage());
                    sleepQuietly(Duration.ofSeconds(1));
                }
            } finally {
                consumer = null;
            }
        }
    }

    private void readWith(KafkaConsumer<byte[], byte[]> kafka) {
        List<TopicPartition> partitions = List.of();
        while (running && partitions.isEmpty()) {
            List<PartitionInfo> infos = kafka.partitionsFor(topic, Duration.ofSeconds(5));
            partitions = infos == null ? List.of()
                    : infos.stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            if (partitions.isEmpty()) {
                sleepQuietly(Duration.ofMillis(500)); // created by whichever app starts first
            }
        }
        kafka.assign(partitions);
        kafka.seekToBeginning(partitions);
        Map<TopicPartition, Long> ends = kafka.endOffsets(partitions);
        while (running) {
            for (ConsumerRecord<byte[], byte[]> record : kafka.poll(Duration.ofMillis(500))) {
                apply(record);
            }
            if (caughtUp.getCount() > 0 && ends.entrySet().stream()
                    .allMatch(end -> kafka.position(end.getKey()) >= end.getValue())) {
                caughtUp.countDown();
                log.info("model catalogue read: {} live model(s) announced", entries().stream()
                        .filter(e -> !e.live().isEmpty()).count());
            }
        }
    }

    void apply(ConsumerRecord<byte[], byte[]> record) {
        String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
        if (key == null) {
            return;
        }
        if (record.value() == null) {
            announcements.remove(key);
            return;
        }
        try {
            announcements.put(key, CatalogueCodec.fromJson(record.value()));
        } catch (UnreadableEventException e) {
            log.warn("skipping catalogue record {}: {}", key, e.getMessage());
        }
    }

    private static void sleepQuietly(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
