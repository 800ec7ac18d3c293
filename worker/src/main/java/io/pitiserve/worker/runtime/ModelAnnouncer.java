package io.pitiserve.worker.runtime;

import io.pitiserve.common.catalogue.CatalogueCodec;
import io.pitiserve.common.catalogue.ModelAnnouncement;
import io.pitiserve.worker.engine.ModelManifest;
import io.pitiserve.worker.engine.PitiModel;
import io.pitiserve.worker.models.ServedModels;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import io.micrometer.tracing.Span;
import io.pitiserve.worker.runtime.tracing.JobTracing;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Announces every model this worker serves on the catalogue topic once it takes jobs, renews the
 * announcements every heartbeat under a lease of {@value #LEASE_HEARTBEATS} heartbeats, and
 * withdraws them with tombstones when it stops taking jobs. A worker that dies without stopping
 * drops out of the catalogue when its lease ends.
 */
public final class ModelAnnouncer implements SmartLifecycle {

    /** Starts after the requests consumer (the worker takes jobs before it says so) and stops before it. */
    public static final int PHASE = Integer.MAX_VALUE - 500;
    /** Heartbeats an announcement holds for: one lost heartbeat does not drop a worker. */
    static final int LEASE_HEARTBEATS = 3;

    private static final Logger log = LoggerFactory.getLogger(ModelAnnouncer.class);

    private final Producer<byte[], byte[]> producer;
    private final String topic;
    private final ServedModels models;
    private final String workerId;
    private final String device;
    private final Duration heartbeat;
    private final Clock clock;
    private final JobTracing tracing;
    private ScheduledExecutorService timer;
    private volatile boolean running;

    public ModelAnnouncer(Producer<byte[], byte[]> producer, String topic, ServedModels models, String workerId,
                          String device, Duration heartbeat, Clock clock, JobTracing tracing) {
        this.producer = producer;
        this.topic = topic;
        this.models = models;
        this.workerId = workerId;
        this.device = device;
        this.heartbeat = heartbeat;
        this.clock = clock;
        this.tracing = tracing;
    }

    @Override
    public void start() {
        running = true;
        timer = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "pitiserve-model-announcer");
            thread.setDaemon(true);
            return thread;
        });
        timer.scheduleWithFixedDelay(this::announce, 0, heartbeat.toMillis(), TimeUnit.MILLISECONDS);
        log.info("announcing {} on {} every {}", models.labels(), topic, heartbeat);
    }

    @Override
    public void stop() {
        running = false;
        if (timer != null) {
            timer.shutdownNow();
            try {
                timer.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (PitiModel model : models.models()) {
            send(ModelAnnouncement.key(model.manifest().name(), workerId), null);
        }
        producer.flush();
        log.info("withdrew {} from the catalogue", models.labels());
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }

    /** One heartbeat: every model's announcement, renewed. */
    void announce() {
        Instant now = clock.instant();
        for (PitiModel model : models.models()) {
            ModelAnnouncement announcement = announcement(model, now);
            send(announcement.key(), CatalogueCodec.toJson(announcement));
        }
    }

    ModelAnnouncement announcement(PitiModel model, Instant now) {
        ModelManifest manifest = model.manifest();
        if (manifest.singlePass()) {
            int size = manifest.generator().resolution();
            return new ModelAnnouncement(workerId, manifest.name(), manifest.version(), manifest.input().kind(),
                    manifest.input().size(), new ModelAnnouncement.Resolution(size, size), null,
                    model.precision().label(), device, now, now.plus(heartbeat.multipliedBy(LEASE_HEARTBEATS)),
                    models.typicalJobMs(manifest.name()), ModelAnnouncement.SINGLE_PASS);
        }
        ModelManifest.StageSpec base = manifest.stages().base();
        ModelManifest.StageSpec upsampler = manifest.stages().upsampler();
        return new ModelAnnouncement(workerId, manifest.name(), manifest.version(), manifest.input().kind(),
                manifest.input().size(), new ModelAnnouncement.Resolution(base.resolution(), upsampler.resolution()),
                new ModelAnnouncement.Defaults(manifest.sampler(), base.respacing(), upsampler.respacing(),
                        manifest.guidance().mode(), manifest.guidance().scale()),
                model.precision().label(), device, now, now.plus(heartbeat.multipliedBy(LEASE_HEARTBEATS)),
                models.typicalJobMs(manifest.name()));
    }

    /** Writes one catalogue record, in a trace of its own (its headers carry the context). */
    private void send(String key, byte[] value) {
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value);
        Span span = tracing.startPublish(null, value == null ? "catalogue withdrawal" : "catalogue announcement", topic,
                record.headers());
        try {
            producer.send(record, (metadata, e) -> {
                if (e != null) {
                    log.warn("catalogue record {} not written: {}", key, e.getMessage());
                    span.error(e);
                }
                span.end();
            });
        } catch (RuntimeException e) {
            span.error(e);
            span.end();
            // The next heartbeat tries again; a lapsed lease only hides this worker for a while.
            log.warn("catalogue record {} not handed to the producer: {}", key, e.getMessage());
        }
    }
}
