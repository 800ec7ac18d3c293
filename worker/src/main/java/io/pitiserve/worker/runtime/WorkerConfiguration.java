package io.pitiserve.worker.runtime;

import io.pitiserve.common.storage.S3Properties;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.propagation.Propagator;
import io.pitiserve.common.consumption.TopicReplay;
import io.pitiserve.common.events.EventCodec;
import io.pitiserve.common.events.TopicSettings;
import io.pitiserve.common.events.Topics;
import io.pitiserve.common.storage.S3ObjectStore;
import io.pitiserve.worker.engine.EngineOptions;
import io.pitiserve.worker.engine.ModelManifest;
import io.pitiserve.worker.engine.PitiModel;
import io.pitiserve.worker.models.ServedModels;
import io.pitiserve.worker.engine.Precision;
import io.pitiserve.worker.runtime.job.JobRunner;
import io.pitiserve.worker.runtime.job.Retrier;
import io.pitiserve.worker.runtime.kafka.KafkaCancellationReader;
import io.pitiserve.worker.runtime.kafka.KafkaEventPublisher;
import io.pitiserve.worker.runtime.kafka.KafkaRequestConsumer;
import io.pitiserve.worker.runtime.tracing.JobTracing;
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
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
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
@EnableConfigurationProperties({WorkerProperties.class, EngineProperties.class, SchedulerProperties.class})
public class WorkerConfiguration {

    private static final Logger log = LoggerFactory.getLogger(WorkerConfiguration.class);

    /** {@code pitiserve.kafka}, bound here: the record lives in common, which knows no Spring. */
    @Bean
    TopicSettings workerTopicSettings(Environment environment) {
        return Binder.get(environment).bindOrCreate("pitiserve.kafka", TopicSettings.class);
    }

    @Bean
    Topics workerTopics(TopicSettings kafka) {
        return kafka.topics();
    }

    @Bean
    EventCodec workerEventCodec() {
        return new EventCodec("/pitiserve/worker");
    }

    @Bean
    S3Properties workerS3Properties(Environment environment) {
        return Binder.get(environment).bindOrCreate(S3Properties.PREFIX, S3Properties.class);
    }

    @Bean(destroyMethod = "close")
    S3ObjectStore workerObjectStore(S3Properties s3) {
        S3ObjectStore store = new S3ObjectStore(s3.settings());
        if (s3.createBucket()) {
            store.ensureBucket();
        }
        return store;
    }

    /**
     * Every configured model, checked against the memory budget before any network loads, then loaded;
     * a model that fails to load closes the ones loaded before it.
     */
    @Bean(destroyMethod = "close")
    ServedModels workerModels(WorkerProperties worker, EngineProperties engine, SchedulerProperties scheduler,
                              S3Properties s3, Topics workerTopics) {
        configureNativeRuntime(intraOpThreads(worker.threads(), scheduler.computeThreads(),
                Runtime.getRuntime().availableProcessors()));
        Precision precision = engine.toPrecision();
        List<Path> directories = ModelSources.directories(worker, s3, precision);
        List<ModelManifest> manifests = directories.stream().map(PitiModel::readManifest).toList();
        Map<String, Long> estimates = MemoryBudget.estimates(directories, manifests, precision,
                scheduler.toSettings(worker.concurrency()));
        Long budget = MemoryBudget.budget(worker.memoryBudget() == null ? null : worker.memoryBudget().toBytes(),
                worker.device());
        MemoryBudget.check(estimates, budget, worker.memoryBudget() != null ? "pitiserve.worker.memory-budget"
                : "this machine's memory less the JVM heap");
        List<PitiModel> loaded = new ArrayList<>();
        try {
            for (Path directory : directories) {
                PitiModel model = PitiModel.load(directory, new EngineOptions(worker.device(), true, precision));
                loaded.add(model);
                log.info("model {} ({} inputs, {} px, estimated {}) loaded from {} on {}", ServedModels.label(model),
                        model.manifest().input().kind(), model.manifest().input().size(),
                        MemoryBudget.megabytes(estimates.get(ServedModels.label(model))), directory,
                        worker.device() + " in " + engine.precision());
            }
            return new ServedModels(loaded, workerTopics);
        } catch (RuntimeException e) {
            loaded.forEach(PitiModel::close);
            throw e;
        }
    }

    /** The worker's one clock: job event times, deadlines and announcements read it. */
    @Bean
    Clock workerClock() {
        return Clock.systemUTC();
    }

    @Bean(destroyMethod = "close")
    StepScheduler workerScheduler(WorkerProperties worker, SchedulerProperties scheduler, Clock workerClock) {
        return new StepScheduler(scheduler.toSettings(worker.concurrency()), workerClock);
    }

    @Bean
    HealthIndicator workerModelHealthIndicator(ServedModels workerModels, WorkerProperties worker) {
        Health health = Health.up()
                .withDetail("models", workerModels.models().stream().map(ServedModels::label).toList())
                .withDetail("tasks", workerModels.models().stream().map(m -> m.manifest().input().kind()).toList())
                .withDetail("lanes", workerModels.lanes())
                .withDetail("device", worker.device())
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

    /** The worker's spans; without a tracer (tracing switched off) none, and no trace headers. */
    @Bean
    JobTracing workerTracing(ObjectProvider<Tracer> tracer, ObjectProvider<Propagator> propagator) {
        return new JobTracing(tracer.getIfAvailable(() -> Tracer.NOOP), propagator.getIfAvailable(() -> Propagator.NOOP));
    }

    @Bean
    KafkaEventPublisher workerEventPublisher(Producer<byte[], byte[]> workerProducer, EventCodec workerEventCodec,
                                             Topics workerTopics, JobTracing workerTracing) {
        return new KafkaEventPublisher(workerProducer, workerEventCodec, workerTopics.events(),
                workerTopics.deadLetter(), Duration.ofSeconds(40), workerTracing);
    }

    @Bean
    KafkaCancellationReader workerCancellationReader(KafkaProperties kafka, Topics workerTopics,
                                                     EventCodec workerEventCodec) {
        Map<String, Object> config = new HashMap<>(kafka.buildConsumerProperties());
        // A poll cut short for a catch-up fetches again only once the fetch parked at the broker returns.
        config.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 50);
        // Every worker reads every cancellation: a replay, no group, no commits, always from the beginning.
        Supplier<Consumer<byte[], byte[]>> consumers = TopicReplay.consumers(config, "pitiserve-worker-control-");
        return new KafkaCancellationReader(consumers, workerTopics.control(), workerEventCodec);
    }

    /** Tags the worker's meters with the models it serves; resolved lazily, once they are loaded. */
    @Bean
    static MeterFilter workerModelTagFilter(ObjectProvider<ServedModels> workerModels) {
        return WorkerMetrics.modelTag(() -> {
            ServedModels models = workerModels.getIfAvailable();
            return models == null ? "unknown" : models.labels();
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
    JobRunner workerJobRunner(ServedModels workerModels, StepScheduler workerScheduler, S3ObjectStore workerObjectStore,
                              KafkaEventPublisher workerEventPublisher, KafkaCancellationReader workerCancellationReader,
                              Retrier workerRetrier, WorkerProperties worker, WorkerMetrics workerMetrics,
                              JobTracing workerTracing, Clock workerClock) {
        JobRunner.Settings settings = new JobRunner.Settings(workerId(worker), worker.progressInterval(),
                worker.cancellationCatchUp());
        return new JobRunner(workerModels, workerScheduler, workerObjectStore, workerEventPublisher, workerCancellationReader,
                workerRetrier, settings, workerMetrics.registry(), workerClock, workerTracing);
    }

    @Bean
    KafkaRequestConsumer workerRequestConsumer(KafkaProperties kafka, ServedModels workerModels,
                                               EventCodec workerEventCodec,
                                               JobRunner workerJobRunner, KafkaEventPublisher workerEventPublisher,
                                               Retrier workerRetrier, WorkerProperties worker,
                                               WorkerMetrics workerMetrics, JobTracing workerTracing,
                                               Clock workerClock) {
        Map<String, Object> config = byteConsumerConfig(kafka);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, worker.groupId());
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // Small fetches: a worker takes only what it can start now; the rest stays for other workers.
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, worker.concurrency());
        config.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        config.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "pitiserve-worker-requests-" + UUID.randomUUID());
        Supplier<Consumer<byte[], byte[]>> consumers = workerMetrics.observed(() -> new KafkaConsumer<>(config));
        return new KafkaRequestConsumer(consumers, workerModels.byLane(), workerEventCodec, workerJobRunner,
                workerEventPublisher, workerRetrier, worker.concurrency(), worker.pollTimeout(), worker.drainTimeout(),
                workerTracing, workerClock);
    }

    @Bean
    ModelAnnouncer workerModelAnnouncer(Producer<byte[], byte[]> workerProducer, Topics workerTopics,
                                        ServedModels workerModels, WorkerProperties worker, JobTracing workerTracing,
                                        Clock workerClock) {
        return new ModelAnnouncer(workerProducer, workerTopics.models(), workerModels, workerId(worker),
                worker.device(), worker.heartbeatInterval(), workerClock, workerTracing);
    }

    @Bean
    @ConditionalOnProperty(name = "pitiserve.kafka.create-topics", havingValue = "true", matchIfMissing = true)
    KafkaAdmin.NewTopics workerNewTopics(TopicSettings kafka, ServedModels workerModels) {
        List<String> models = workerModels.models().stream().map(m -> m.manifest().name()).toList();
        return new KafkaAdmin.NewTopics(declaredTopics(kafka, models).toArray(NewTopic[]::new));
    }

    /**
     * Every topic the worker creates when missing: the ones it shares with the gateway, exactly as the
     * gateway declares them, and the request lanes of the models it serves.
     */
    public static List<NewTopic> declaredTopics(TopicSettings settings, List<String> models) {
        List<TopicSettings.TopicSpec> specs = new ArrayList<>(settings.sharedTopics());
        models.forEach(model -> specs.add(settings.lane(model)));
        return specs.stream().map(spec -> {
            NewTopic topic = new NewTopic(spec.name(), Optional.of(spec.partitions()),
                    Optional.ofNullable(spec.replicationFactor()));
            return spec.compacted()
                    ? topic.configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT))
                    : topic;
        }).toList();
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
