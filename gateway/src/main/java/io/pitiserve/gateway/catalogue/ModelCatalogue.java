package io.pitiserve.gateway.catalogue;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.pitiserve.common.catalogue.CatalogueCodec;
import io.pitiserve.common.catalogue.ModelAnnouncement;
import io.pitiserve.common.consumption.ReplayHandler;
import io.pitiserve.common.consumption.ReplaySettings;
import io.pitiserve.common.consumption.TopicReplay;
import io.pitiserve.common.events.UnreadableEventException;
import io.pitiserve.gateway.config.GatewayProperties;
import io.pitiserve.gateway.config.PitiserveKafkaProperties;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Every model the gateway can route to: the ones operators declare ({@code pitiserve.gateway.models},
 * which exist with no worker at all) and the ones workers announce on the catalogue topic, which
 * this instance reads whole, from the beginning, on its own thread: a {@link TopicReplay} (no consumer group).
 */
@Component
public class ModelCatalogue implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(ModelCatalogue.class);

    private final List<GatewayProperties.Model> declared;
    private final Clock clock;
    private final Map<String, ModelAnnouncement> announcements = new ConcurrentHashMap<>();
    private final TopicReplay replay;
    // System.nanoTime() at start: what route waits, once, to have read.
    private volatile long startedAt;
    private boolean read; // polling thread only

    @Autowired
    public ModelCatalogue(GatewayProperties gateway, PitiserveKafkaProperties kafka, KafkaProperties boot, Clock clock) {
        this(gateway.models(), kafka.topics().models(), boot.buildConsumerProperties(), clock);
    }

    ModelCatalogue(List<GatewayProperties.Model> declared, String topic, Map<String, Object> consumerProperties,
                   Clock clock) {
        this.declared = List.copyOf(declared);
        this.clock = clock;
        this.replay = new TopicReplay(TopicReplay.consumers(consumerProperties, "pitiserve-gateway-catalogue-"), topic,
                new ReplaySettings("pitiserve-catalogue", Duration.ofMillis(500), true), new ReplayHandler() {
                    @Override
                    public void apply(ConsumerRecord<byte[], byte[]> record) {
                        ModelCatalogue.this.apply(record);
                    }

                    @Override
                    public void caughtUp() {
                        logFirstRead();
                    }
                });
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
        if (found == null && replay.isRunning() && !replay.caughtUp(startedAt)) {
            replay.awaitCaughtUp(startedAt, Duration.ofSeconds(2));
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
        startedAt = System.nanoTime();
        replay.start();
        replay.catchUp(startedAt);
    }

    @Override
    public void stop() {
        replay.stop();
    }

    @Override
    public boolean isRunning() {
        return replay.isRunning();
    }

    private void logFirstRead() {
        if (!read) {
            read = true;
            log.info("model catalogue read: {} live model(s) announced", entries().stream()
                    .filter(e -> !e.live().isEmpty()).count());
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
}
