package io.pitiserve.gateway.status;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

import io.pitiserve.common.events.EventCodec;
import io.pitiserve.gateway.config.GatewayProperties;
import io.pitiserve.gateway.config.PitiserveKafkaProperties;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Runs the {@link StatusViewTopology} and answers "what is job X" from the local global store,
 * falling back to {@link RecentSubmissions} for a job this instance accepted moments ago.
 */
@Component
public class StatusView implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(StatusView.class);

    private final Properties config;
    private final PitiserveKafkaProperties kafka;
    private final JobUpdates updates;
    private final RecentSubmissions recent;
    private final FoldedViews folded;
    private final List<StatusViewExtension> extensions;
    private volatile KafkaStreams streams;
    private volatile Thread starter;

    public StatusView(KafkaProperties boot, PitiserveKafkaProperties kafka, GatewayProperties gateway,
                      JobUpdates updates, RecentSubmissions recent, FoldedViews folded,
                      List<StatusViewExtension> extensions) {
        this.folded = folded;
        this.kafka = kafka;
        this.extensions = List.copyOf(extensions);
        this.updates = updates;
        this.recent = recent;
        this.config = new Properties();
        Map<String, Object> base = boot.buildStreamsProperties();
        config.putAll(base);
        config.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, String.join(",", boot.getBootstrapServers()));
        config.put(StreamsConfig.APPLICATION_ID_CONFIG, gateway.applicationId());
        config.put(StreamsConfig.STATE_DIR_CONFIG, gateway.stateDir().toAbsolutePath().toString());
        // Clients wait on this view: no record cache, frequent commits, and each fold sent on at once.
        // Kafka Streams lets its producers linger 100 ms by default, and a view crosses two of them
        // (the repartition topic and the job-views topic); the volume here is a few records per job.
        config.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
        config.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
        config.putIfAbsent(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), 0);
        config.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, LogAndContinueExceptionHandler.class);
        config.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE);
        // Request lanes are read by pattern; a lane created later (a model announced after the view started)
        // is found at the next metadata refresh. Its records wait there meanwhile and are read from the start.
        config.putIfAbsent(StreamsConfig.mainConsumerPrefix(ConsumerConfig.METADATA_MAX_AGE_CONFIG), 10_000);
    }

    @Override
    public synchronized void start() {
        KafkaStreams created = new KafkaStreams(StatusViewTopology.build(kafka.topics(), kafka.jobViewsTopic(),
                new EventCodec("/pitiserve/gateway"), updates, folded, extensions), config);
        created.setUncaughtExceptionHandler(e -> {
            log.error("the status view's stream thread failed; replacing it", e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        created.setStateListener((now, before) -> log.info("status view {} -> {}", before, now));
        streams = created;
        // KafkaStreams.start() blocks until the global store is restored; a gateway whose broker is
        // down must still start (and report itself not ready), so start off the main thread.
        Thread thread = new Thread(() -> {
            try {
                created.start();
            } catch (RuntimeException e) {
                log.error("the status view could not start", e);
            }
        }, "status-view-start");
        thread.setDaemon(true);
        starter = thread;
        thread.start();
    }

    @Override
    public synchronized void stop() {
        KafkaStreams current = streams;
        if (current != null) {
            current.close(Duration.ofSeconds(10));
        }
        streams = null;
    }

    @Override
    public boolean isRunning() {
        return streams != null;
    }

    /** Before its readers (the webhook dispatcher) start, after they stop. */
    @Override
    public int getPhase() {
        return SmartLifecycle.DEFAULT_PHASE - 100;
    }

    /** The Streams state, or null before start. */
    public KafkaStreams.State state() {
        KafkaStreams current = streams;
        return current == null ? null : current.state();
    }

    /**
     * The job's view, from the status view or, for a job accepted here moments ago, as queued. A
     * newer view this instance folded (and told its clients) but has not read back into its global
     * store yet comes first.
     *
     * @throws StatusViewUnavailableException when the store cannot be read now
     */
    public Optional<JobView> find(String jobId) {
        JobView stored = store().get(jobId);
        Optional<JobView> newer = folded.newerThan(jobId, stored);
        if (newer.isPresent()) {
            return newer;
        }
        if (stored != null) {
            return Optional.of(stored);
        }
        return recent.find(jobId);
    }

    /** Remembers a job just accepted, until the status view has read it back. */
    public void accepted(JobView view) {
        recent.remember(view);
    }

    /**
     * The partitions of the job-facts stream this instance folds now. Instances with the same
     * application id share them out; every instance still answers for every job.
     */
    public Set<Integer> foldedPartitions() {
        KafkaStreams current = streams;
        if (current == null) {
            return Set.of();
        }
        Set<Integer> partitions = new TreeSet<>();
        current.metadataForLocalThreads().forEach(thread -> thread.activeTasks().forEach(task -> {
            boolean folds = task.topicPartitions().stream()
                    .anyMatch(partition -> partition.topic().endsWith(StatusViewTopology.JOB_FACTS_TOPIC_SUFFIX));
            if (folds) {
                partitions.add(task.taskId().partition());
            }
        }));
        return partitions;
    }

    /**
     * The value of {@code key} in a store an extension added, or null.
     *
     * @throws StatusViewUnavailableException when the store cannot be read now
     */
    public <V> V lookup(String storeName, String key) {
        KafkaStreams current = streams;
        if (current == null) {
            throw new StatusViewUnavailableException("the status view is not started", null);
        }
        try {
            ReadOnlyKeyValueStore<String, V> store = current.store(StoreQueryParameters.fromNameAndType(storeName,
                    QueryableStoreTypes.keyValueStore()));
            return store.get(key);
        } catch (InvalidStateStoreException e) {
            throw new StatusViewUnavailableException("the status view is " + current.state(), e);
        }
    }

    private ReadOnlyKeyValueStore<String, JobView> store() {
        KafkaStreams current = streams;
        if (current == null) {
            throw new StatusViewUnavailableException("the status view is not started", null);
        }
        try {
            return current.store(StoreQueryParameters.fromNameAndType(StatusViewTopology.STORE,
                    QueryableStoreTypes.keyValueStore()));
        } catch (InvalidStateStoreException e) {
            throw new StatusViewUnavailableException("the status view is " + current.state(), e);
        }
    }
}
