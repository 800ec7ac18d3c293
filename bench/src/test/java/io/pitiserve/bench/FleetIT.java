package io.pitiserve.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;


import io.pitiserve.client.Models;
import io.pitiserve.client.PitiServeClient;
import io.pitiserve.client.ProblemException;
import io.pitiserve.client.Translation;
import io.pitiserve.client.TranslationRequest;
import io.pitiserve.client.TranslationStatus;
import io.pitiserve.common.events.EventCodec;
import io.pitiserve.common.events.JobEvent;
import io.pitiserve.common.events.Topics;
import io.pitiserve.common.events.TranslationStarted;
import io.pitiserve.common.events.UnreadableEventException;
import io.pitiserve.standalone.LocalSettings;
import io.pitiserve.standalone.LocalStack;
import io.pitiserve.standalone.StandaloneCommand;
import io.pitiserve.worker.models.BundledModels;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A fleet of two models on one machine: worker PROCESSES serving the mask model, the sketch model
 * and both, behind the real local broker, S3 server and gateway. Jobs only ever reach a worker
 * that serves their model; a declared model with no worker holds its jobs until one starts; a
 * model that exists nowhere is refused at submission. The tests run in order on one fleet.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FleetIT {

    static final Path MICRO_MASK = Path.of("../worker/src/test/resources/fixtures/models/micro-mask");
    static final Path MICRO_SKETCH = Path.of("../worker/src/test/resources/fixtures/models/micro-sketch");
    static final Path DATA_DIR = Path.of("target/fleet-it");
    static final int MIXED_JOBS = 100;
    static final Duration JOB_WAIT = Duration.ofMinutes(4);

    static LocalStack stack;
    static ScaleOutBenchmark.Fleet fleet;
    static ScaleOutBenchmark.Options options;
    static PitiServeClient client;
    static Topics topics = Topics.defaults();
    static String waitingSketchJob;

    @BeforeAll
    static void aStackWithTwoDeclaredModelsAndAMaskWorker() {
        assertThat(ScaleOutIT.WORKER_JAR).as("the worker's executable jar (built by the worker module's package phase)")
                .isRegularFile();
        StandaloneCommand.deleteRecursively(DATA_DIR);
        stack = LocalStack.start(LocalSettings.onFreePorts(DATA_DIR).withModelDir(MICRO_MASK.toAbsolutePath())
                .withProperty("pitiserve.gateway.models[1].name", "micro-sketch")
                .withProperty("pitiserve.gateway.models[1].task", "sketch"), Map.of());
        // Worker processes do the work; the in-process worker leaves before any job exists.
        stack.workerContext().stop();
        client = PitiServeClient.create(stack.apiUrl(), stack.credentials().apiKey());
        options = new ScaleOutBenchmark.Options(1, ScaleOutIT.WORKER_JAR, MICRO_MASK, 1, "4", "2",
                Duration.ofSeconds(6), Duration.ofSeconds(30), 3);
        fleet = new ScaleOutBenchmark.Fleet(stack, DATA_DIR.resolve("workers"));
        fleet.start("w-mask", options, Map.of("pitiserve.worker.models", MICRO_MASK.toAbsolutePath().toString(),
                "pitiserve.worker.heartbeat-interval", "1s"));
        await().atMost(Duration.ofMinutes(2)).until(() -> liveWorkers("micro-mask") == 1);
    }

    @AfterAll
    static void stopEverything() {
        if (fleet != null) {
            fleet.close();
        }
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    @Order(1)
    void aModelThatExistsNowhereIsRefusedAtOnceAndCreatesNoJob() throws Exception {
        long before = laneRecords();

        assertThatThrownBy(() -> client.submit(request("mask").model("no-such-model").build()))
                .isInstanceOfSatisfying(ProblemException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.code()).isEqualTo("unknown_model");
                    assertThat(e.detail()).contains("micro-mask (mask)").contains("micro-sketch (sketch)");
                });
        assertThatThrownBy(() -> client.submit(request("depth").build())).isInstanceOfSatisfying(ProblemException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.detail()).contains("no model serves task depth");
                });

        assertThat(laneRecords()).isEqualTo(before);
    }

    @Test
    @Order(2)
    void aJobForADeclaredModelWithNoWorkerWaitsAndRunsOnceAWorkerForItStarts() {
        assertThat(modelNamed("micro-sketch").scaledToZero()).isTrue();

        waitingSketchJob = client.submit(request("sketch").build()).id();

        // The mask worker is up and idle; the sketch job stays queued in its own lane.
        await().during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(6))
                .until(() -> client.get(waitingSketchJob).status() == TranslationStatus.QUEUED);
        assertThat(modelNamed("micro-sketch").queueDepth()).isEqualTo(1);

        fleet.start("w-sketch", options, Map.of("pitiserve.worker.models", MICRO_SKETCH.toAbsolutePath().toString(),
                "pitiserve.worker.heartbeat-interval", "1s"));

        Translation done = client.await(waitingSketchJob, JOB_WAIT);
        assertThat(done.status()).isEqualTo(TranslationStatus.SUCCEEDED);
        assertThat(done.model()).startsWith("micro-sketch@");
        assertThat(modelNamed("micro-sketch").scaledToZero()).isFalse();
    }

    @Test
    @Order(3)
    void aMixedStreamReachesOnlyWorkersThatServeEachJobsModelAndEveryJobSucceeds() throws Exception {
        fleet.start("w-both", options, Map.of("pitiserve.worker.models",
                MICRO_MASK.toAbsolutePath() + "," + MICRO_SKETCH.toAbsolutePath(),
                "pitiserve.worker.heartbeat-interval", "1s"));
        await().atMost(Duration.ofMinutes(2))
                .until(() -> liveWorkers("micro-mask") == 2 && liveWorkers("micro-sketch") == 2);

        Map<String, String> taskOf = new HashMap<>();
        for (int i = 0; i < MIXED_JOBS; i++) {
            String task = i % 5 < 3 ? "mask" : "sketch";
            taskOf.put(client.submit(request(task).build()).id(), task);
        }

        Map<String, Translation> finished = new HashMap<>();
        for (String id : taskOf.keySet()) {
            finished.put(id, client.await(id, JOB_WAIT));
        }
        assertThat(finished.values()).allSatisfy(job -> assertThat(job.status())
                .as("job %s: %s", job.id(), job.error()).isEqualTo(TranslationStatus.SUCCEEDED));
        finished.forEach((id, job) -> assertThat(job.model()).startsWith("micro-" + taskOf.get(id) + "@"));

        Map<String, String> workerOf = startedBy();
        Map<String, Set<String>> tasksByWorker = taskOf.entrySet().stream().collect(Collectors.groupingBy(
                job -> workerOf.get(job.getKey()), Collectors.mapping(Map.Entry::getValue, Collectors.toSet())));
        assertThat(tasksByWorker.getOrDefault("w-mask", Set.of())).isSubsetOf("mask");
        assertThat(tasksByWorker.getOrDefault("w-sketch", Set.of())).isSubsetOf("sketch");
        assertThat(tasksByWorker.keySet()).contains("w-both");
        assertThat(modelNamed("micro-mask").typicalJobMs()).isNotNull();
    }

    /** A four-step job of {@code task} on its bundled example input. */
    private static TranslationRequest.Builder request(String task) {
        TranslationRequest.Builder request = TranslationRequest.builder(task).baseSteps("4").srSteps("2");
        return task.equals("sketch") ? request.input(sketch(), "image/png")
                : request.input(BundledModels.example("mask.png"), "image/png");
    }

    private static int liveWorkers(String model) {
        try {
            return modelNamed(model).liveWorkers();
        } catch (RuntimeException e) {
            return -1;
        }
    }

    private static Models.Model modelNamed(String name) {
        return client.models().find(name).orElseThrow(() -> new AssertionError("no model " + name + " listed"));
    }

    /** Records on every request lane, summed. */
    private static long laneRecords() throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                stack.kafkaBootstrapServers()))) {
            List<String> lanes = admin.listTopics().names().get().stream()
                    .filter(name -> topics.lanes().matcher(name).matches()).toList();
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            admin.describeTopics(lanes).allTopicNames().get().values().forEach(d -> d.partitions().forEach(
                    p -> latest.put(new TopicPartition(d.name(), p.partition()), OffsetSpec.latest())));
            return admin.listOffsets(latest).all().get().values().stream().mapToLong(info -> info.offset()).sum();
        }
    }

    /** The worker of each job's first TranslationStarted, read from the events topic. */
    private static Map<String, String> startedBy() throws UnreadableEventException {
        EventCodec codec = new EventCodec("/pitiserve/fleet-it");
        Map<String, String> workers = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafkaBootstrapServers(),
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class))) {
            List<TopicPartition> partitions = consumer.partitionsFor(topics.events()).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    Map<String, byte[]> headers = new HashMap<>();
                    for (Header header : record.headers()) {
                        headers.put(header.key(), header.value());
                    }
                    JobEvent event = codec.decode(record.value(), headers);
                    if (event instanceof TranslationStarted started) {
                        workers.putIfAbsent(started.jobId(), started.worker());
                    }
                }
            }
        }
        return workers;
    }

    /** A sketch: white edges on black, a frame and a diagonal. */
    static byte[] sketch() {
        BufferedImage image = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
        for (int i = 8; i < 56; i++) {
            image.setRGB(i, 8, 0xffffff);
            image.setRGB(i, 55, 0xffffff);
            image.setRGB(8, i, 0xffffff);
            image.setRGB(55, i, 0xffffff);
            image.setRGB(i, i, 0xffffff);
        }
        return GatewayBenchmark.png(image);
    }
}
