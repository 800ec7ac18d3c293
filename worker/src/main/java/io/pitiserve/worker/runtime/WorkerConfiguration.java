package io.pitiserve.worker.runtime;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.pitiserve.common.events.EventCodec;
import io.pitiserve.common.events.TopicSettings;
import io.pitiserve.common.events.Topics;
import io.pitiserve.common.storage.S3ObjectStore;
import io.pitiserve.common.storage.S3Settings;
import io.pitiserve.worker.engine.EngineOptions;
import io.pitiserve.worker.engine.PitiModel;
import io.pitiserve.worker.engine.Precision;
import io.pitiserve.worker.models.BundledModels;
import io.pitiserve.worker.runtime.job.JobRunner;
import io.pitiserve.worker.runtime.job.Retrier;
import io.pitiserve.worker.runtime.kafka.KafkaCancellationReader;
import io.pitiserve.worker.runtime.kafka.KafkaEventPublisher;
import io.pitiserve.worker.runtime.kafka.KafkaRequestConsumer;
import io.pitiserve.worker.runtime.metrics.WorkerMetrics;
import io.pitiserve.worker.scheduler.StepScheduler;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.core.KafkaAdmin;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * The worker service: model, object store, Kafka clients, topics, the control topic reader and the
 * requests consumer. Bean names start with {@code worker} so that they never clash with another
 * context's.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties({WorkerProperties.class, EngineProperties.class, SchedulerProperties.class,
        TopicSettings.class, S3Properties.class})
public class WorkerConfiguration {

    private static final Logger log = LoggerFactory.getLogger(WorkerConfiguration.class);

    @Bean
    Topics workerTopics(TopicSettings kafka) {
        return kafka.topics();
    }

    @Bean
    EventCodec workerEventCodec() {
        return new EventCodec("/pitiserve/worker");
    }

    @Bean(destroyMethod = "close")
    S3ObjectStore workerObjectStore(S3Properties s3) {
        S3ObjectStore store = new S3ObjectStore(s3.settings());
        if (s3.createBucket()) {
            store.ensureBucket();
        }
        return store;
    }

    @Bean(destroyMethod = "close")
    PitiModel workerModel(WorkerProperties worker, EngineProperties engine, SchedulerProperties scheduler,
            S3Properties s3) {
        configureNativeRuntime(intraOpThreads(worker.threads(), scheduler.computeThreads(),
                Runtime.getRuntime().availableProcessors()));
        Path directory = modelDirectory(worker, s3, engine.toPrecision());
        PitiModel model = PitiModel.load(directory, new EngineOptions(worker.device(), true, engine.toPrecision()));
        log.info("model {}@{} ({} inputs, {} px) loaded from {} on {}", model.manifest().name(),
                model.manifest().version(), model.manifest().input().kind(), model.manifest().input().size(),
                directory, worker.device() + " in " + engine.precision());
        return model;
    }

    @Bean(destroyMethod = "close")
    StepScheduler workerScheduler(WorkerProperties worker, SchedulerProperties scheduler) {
        return new StepScheduler(scheduler.toSettings(worker.concurrency()));
    }

    @Bean
    HealthIndicator workerModelHealthIndicator(PitiModel workerModel) {
        Health health = Health.up()
                .withDetail("model", workerModel.manifest().name() + "@" + workerModel.manifest().version())
                .withDetail("task", workerModel.manifest().input().kind())
                .withDetail("device", workerModel.device().toString())
                .build();
        return () -> health;
    }

    @Bean
    HealthIndicator workerSchedulerHealthIndicator(StepScheduler workerScheduler) {
        return () -> workerScheduler.isRunning()
                ? Health.up().withDetail("max-jobs", workerScheduler.settings().maxJobs())
                        .withDetail("policy", workerScheduler.settings().policy().name().toLowerCase()).build()
                : Health.down().withDetail("reason", "the step scheduler stopped").build();
    }

    @Bean(destroyMethod = "close")
    Producer<byte[], byte[]> workerProducer(KafkaProperties kafka) {
        Map<String, Object> config = new HashMap<>(kafka.buildProducerProperties());
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        // Every lifecycle event is awaited before the job goes on; lingering would only delay it.
        config.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 0);
        config.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
        config.putIfAbsent(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        config.putIfAbsent(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
        config.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "pitiserve-worker-events");
        return new KafkaProducer<>(config);
    }

    @Bean
    KafkaEventPublisher workerEventPublisher(Producer<byte[], byte[]> workerProducer, EventCodec workerEventCodec,
                                             Topics workerTopics) {
        return new KafkaEventPublisher(workerProducer, workerEventCodec, workerTopics.events(),
                workerTopics.deadLetter(), Duration.ofSeconds(40));
    }

    @Bean
    KafkaCancellationReader workerCancellationReader(KafkaProperties kafka, Topics workerTopics,
                                                     EventCodec workerEventCodec) {
        Map<String, Object> config = byteConsumerConfig(kafka);
        // Every worker reads every cancellation: no group, no commits, always from the beginning.
        config.remove(ConsumerConfig.GROUP_ID_CONFIG);
        config.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 50);
        // The reader opens two consumers (see KafkaCancellationReader): each gets a client id of its own.
        Supplier<Consumer<byte[], byte[]>> consumers = () -> {
            Map<String, Object> own = new HashMap<>(config);
            own.put(ConsumerConfig.CLIENT_ID_CONFIG, "pitiserve-worker-control-" + UUID.randomUUID());
            return new KafkaConsumer<>(own);
        };
        return new KafkaCancellationReader(consumers, workerTopics.control(), workerEventCodec);
    }

    /** Tags the worker's meters with the model it serves; resolved lazily, once the model is loaded. */
    @Bean
    static MeterFilter workerModelTagFilter(ObjectProvider<PitiModel> workerModel) {
        return WorkerMetrics.modelTag(() -> {
            PitiModel model = workerModel.getIfAvailable();
            return model == null ? "unknown" : model.manifest().name() + "@" + model.manifest().version();
        });
    }

    @Bean
    WorkerMetrics workerMetrics(ObjectProvider<MeterRegistry> meters, StepScheduler workerScheduler) {
        return new WorkerMetrics(meters.getIfAvailable(SimpleMeterRegistry::new), workerScheduler);
    }

    @Bean
    Retrier workerRetrier(WorkerProperties worker, WorkerMetrics workerMetrics) {
        return new Retrier(worker.retryInitialBackoff(), worker.retryMaxBackoff(), workerMetrics.registry());
    }

    @Bean
    JobRunner workerJobRunner(PitiModel workerModel, StepScheduler workerScheduler, S3ObjectStore workerObjectStore,
                              KafkaEventPublisher workerEventPublisher, KafkaCancellationReader workerCancellationReader,
                              Retrier workerRetrier, WorkerProperties worker, WorkerMetrics workerMetrics) {
        JobRunner.Settings settings = new JobRunner.Settings(workerId(worker), worker.progressInterval(),
                worker.cancellationCatchUp());
        return new JobRunner(workerModel, workerScheduler, workerObjectStore, workerEventPublisher, workerCancellationReader,
                workerRetrier, settings, workerMetrics.registry(), Clock.systemUTC());
    }

    @Bean
    KafkaRequestConsumer workerRequestConsumer(KafkaProperties kafka, Topics workerTopics, EventCodec workerEventCodec,
                                               JobRunner workerJobRunner, KafkaEventPublisher workerEventPublisher,
                                               Retrier workerRetrier, WorkerProperties worker,
                                               WorkerMetrics workerMetrics) {
        Map<String, Object> config = byteConsumerConfig(kafka);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, worker.groupId());
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // Small fetches: a worker takes only what it can start now; the rest stays for other workers.
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, worker.concurrency());
        config.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        config.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "pitiserve-worker-requests-" + UUID.randomUUID());
        Supplier<Consumer<byte[], byte[]>> consumers = workerMetrics.observed(() -> new KafkaConsumer<>(config));
        return new KafkaRequestConsumer(consumers, workerTopics.requests(), workerEventCodec, workerJobRunner,
                workerEventPublisher, workerRetrier, worker.concurrency(), worker.pollTimeout(), worker.drainTimeout());
    }

    @Bean
    @ConditionalOnProperty(name = "pitiserve.kafka.create-topics", havingValue = "true", matchIfMissing = true)
    KafkaAdmin.NewTopics workerNewTopics(TopicSettings kafka) {
        return new KafkaAdmin.NewTopics(declaredTopics(kafka).toArray(NewTopic[]::new));
    }

    /** Every topic the worker creates when missing: exactly the ones it shares with the gateway. */
    public static List<NewTopic> declaredTopics(TopicSettings settings) {
        return settings.sharedTopics().stream().map(spec -> {
            NewTopic topic = new NewTopic(spec.name(), Optional.of(spec.partitions()),
                    Optional.ofNullable(spec.replicationFactor()));
            return spec.compacted()
                    ? topic.configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT))
                    : topic;
        }).toList();
    }

    /** The model-source directory or S3 download, else model-dir, else the bundled default model. */
    static Path modelDirectory(WorkerProperties worker, S3Properties s3, Precision precision) {
        String source = worker.modelSource();
        if (source != null && !source.isBlank()) {
            if (!S3ModelSource.Location.isS3(source)) {
                return Path.of(source);
            }
            S3ModelSource.Location location = S3ModelSource.Location.parse(source);
            S3Settings settings = s3.settings();
            S3Settings modelBucket = new S3Settings(settings.endpoint(), settings.region(), location.bucket(),
                    settings.accessKey(), settings.secretKey(), settings.pathStyle());
            try (S3ObjectStore store = new S3ObjectStore(modelBucket)) {
                return new S3ModelSource(store, location, worker.s3ModelCacheDir()).fetch(precision);
            }
        }
        if (worker.modelDir() != null) {
            return worker.modelDir();
        }
        return BundledModels.extract(BundledModels.DEFAULT_MODEL,
                worker.modelCacheDir() != null ? worker.modelCacheDir() : BundledModels.defaultCacheRoot());
    }

    private static Map<String, Object> byteConsumerConfig(KafkaProperties kafka) {
        Map<String, Object> config = new HashMap<>(kafka.buildConsumerProperties());
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        return config;
    }

    private static String workerId(WorkerProperties worker) {
        if (worker.id() != null && !worker.id().isBlank()) {
            return worker.id();
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "worker-" + ProcessHandle.current().pid();
        }
    }

    /** DJL offline (libtorch comes from the jar) and a fixed intra-op thread count; before DJL loads PyTorch. */
    /**
     * PyTorch intra-op threads per call: the configured number, or else the cores shared out between the
     * scheduler's compute threads, so that calls running side by side do not oversubscribe the CPU.
     */
    static int intraOpThreads(int configured, int computeThreads, int cores) {
        if (configured > 0) {
            return configured;
        }
        return computeThreads > 0 ? Math.max(1, cores / computeThreads) : 0;
    }

    private static void configureNativeRuntime(int threads) {
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        if (System.getProperty("ai.djl.pytorch.graph_optimizer") == null) {
            System.setProperty("ai.djl.pytorch.graph_optimizer", "false");
        }
        if (threads > 0) {
            System.setProperty("ai.djl.pytorch.num_threads", String.valueOf(threads));
            System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        }
    }
}
