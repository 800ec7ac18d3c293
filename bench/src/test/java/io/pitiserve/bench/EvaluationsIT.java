package io.pitiserve.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.pitiserve.common.storage.S3ObjectStore;
import io.pitiserve.standalone.LocalSettings;
import io.pitiserve.standalone.LocalStack;
import io.pitiserve.common.storage.S3Settings;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Evaluation jobs through the real local stack (embedded broker, S3 server, gateway, worker with the
 * micro test model): the gateway validates and queues them on the model's lane, the worker
 * translates and scores the bundled held-out scenes, the table comes back from GET.
 */
class EvaluationsIT {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** The bundled single-pass baseline: one forward per image, fast enough for a test. */
    private static final Path SPADE_MODEL = Path.of("../worker/src/main/resources/pitiserve/models/spade-mask");

    @TempDir
    static Path dataDir;

    static LocalStack stack;
    static EvaluationClient client;

    @BeforeAll
    static void startEverything() {
        LocalSettings settings = LocalSettings.onFreePorts(dataDir)
                .withModelDirs(List.of(WebhookBenchCommandIT.MICRO_MODEL, SPADE_MODEL))
                .withProperty("pitiserve.worker.progress-interval", "0ms")
                // 2 x 200 guided base steps + the model's upsampler steps are over it, 2 x 2 + 2 far below
                .withProperty("pitiserve.gateway.quotas.max-job-cost", "300");
        stack = LocalStack.start(settings, Map.of());
        client = new EvaluationClient(stack.apiUrl(), stack.credentials().apiKey());
    }

    @AfterAll
    static void stopEverything() {
        if (stack != null) {
            stack.close();
        }
    }

    private static ObjectNode evaluation(String model) {
        ObjectNode body = JSON.createObjectNode().put("model", model).put("dataset", "bundled:world-heldout")
                .put("limit", 2).put("seed", 3);
        body.putArray("settings").add(JSON.createObjectNode().put("base_steps", "2").put("sr_steps", "2"))
                .add(JSON.createObjectNode().put("sampler", "ddim").put("base_steps", "ddim2").put("sr_steps", "2")
                        .put("guidance_scale", 1.0));
        return body;
    }

    @Test
    void anEvaluationOfTwoImagesAtTwoSettingsComesBackAsAScoredTable() {
        EvaluationClient.Answer accepted = client.submit(evaluation("micro-mask"));
        assertThat(accepted.status()).as("%s", accepted.body()).isEqualTo(202);
        String id = accepted.body().path("id").asString();
        List<JsonNode> seen = new ArrayList<>();

        JsonNode done = client.await(id, Duration.ofMinutes(3), seen::add);

        assertThat(done.path("status").asString()).as("%s", done).isEqualTo("succeeded");
        JsonNode rows = done.path("result").path("rows");
        assertThat(rows.size()).isEqualTo(2);
        assertThat(done.path("result").path("images").asInt()).isEqualTo(2);
        for (JsonNode row : rows) {
            assertThat(row.path("miou").asDouble()).isBetween(0.0, 1.0);
            assertThat(row.path("fd").asDouble()).isGreaterThan(0.0);
            assertThat(row.path("seconds_per_image").asDouble()).isGreaterThan(0.0);
            assertThat(row.path("per_class").size()).isEqualTo(9);
        }
        // guided 2 base steps + 2 upsampler steps, then unguided: the calls per image, not the rows
        assertThat(rows.get(0).path("evaluations_per_image").asInt()).isEqualTo(4);
        assertThat(rows.get(0).path("guided").asBoolean()).isTrue();
        assertThat(rows.get(1).path("guided").asBoolean()).isFalse();
        assertThat(done.path("progress").path("images_done").asInt()).isEqualTo(4);
        assertThat(done.path("result_url").asString()).startsWith("http");
        assertThat(stack.objectsDir().toFile()).exists();
    }

    @Test
    void anEvaluationIsCancelledThroughItsCancelRoute() {
        ObjectNode all = evaluation("micro-mask");
        all.remove("limit");
        String id = client.submit(all).body().path("id").asString();

        EvaluationClient.Answer cancelling = client.cancel(id);
        JsonNode done = client.await(id, Duration.ofMinutes(3), update -> { });

        assertThat(cancelling.status()).isEqualTo(202);
        assertThat(done.path("status").asString()).as("%s", done).isEqualTo("cancelled");
        assertThat(client.cancel(id).body().path("code").asString()).isEqualTo("already_terminal");
    }

    @Test
    void anEvaluationOfTheTenantsOwnImagesInS3IsScoredAgainstTheirReferences() throws Exception {
        S3ObjectStore bucket = new S3ObjectStore(new S3Settings(stack.s3Endpoint(), S3ObjectStore.DEFAULT_REGION,
                stack.bucket(), stack.credentials().s3AccessKey(), stack.credentials().s3SecretKey(), true));
        byte[] mask = resource("/pitiserve/evaluation/world-heldout/1000000-mask.png");
        byte[] real = Files.readAllBytes(Path.of("../worker/src/test/resources/fixtures/scorer/0-image.png"));
        for (String name : List.of("first", "second")) {
            bucket.put("uploads/local/ours/inputs/" + name + ".png", mask, "image/png");
            bucket.put("uploads/local/ours/references/" + name + ".png", real, "image/png");
        }
        bucket.put("uploads/local/partial/inputs/lonely.png", mask, "image/png");
        ObjectNode ours = evaluation("micro-mask").put("limit", 4);
        ours.putObject("dataset").put("s3_prefix", "s3://" + stack.bucket() + "/uploads/local/ours");
        ObjectNode partial = evaluation("micro-mask");
        partial.putObject("dataset").put("s3_prefix", "s3://" + stack.bucket() + "/uploads/local/partial/");
        ObjectNode foreign = evaluation("micro-mask");
        foreign.putObject("dataset").put("s3_prefix", "s3://" + stack.bucket() + "/uploads/someone-else/");

        EvaluationClient.Answer accepted = client.submit(ours);
        JsonNode done = client.await(accepted.body().path("id").asString(), Duration.ofMinutes(3), update -> { });

        assertThat(done.path("status").asString()).as("%s", done).isEqualTo("succeeded");
        assertThat(done.path("result").path("images").asInt()).isEqualTo(2);
        assertThat(done.path("result").path("rows").get(0).path("miou").asDouble()).isBetween(0.0, 1.0);
        assertThat(done.path("result").path("rows").get(0).path("fd").asDouble()).isGreaterThan(0.0);
        assertThat(client.submit(partial).body().path("code").asString()).isEqualTo("incomplete_dataset");
        assertThat(client.submit(foreign).status()).isEqualTo(404);
    }

    private static byte[] resource(String name) throws java.io.IOException {
        try (java.io.InputStream in = EvaluationsIT.class.getResourceAsStream(name)) {
            return in.readAllBytes();
        }
    }

    @Test
    void theSinglePassBaselineIsEvaluatedTheSameWayWithOneForwardPerImage() {
        ObjectNode baseline = JSON.createObjectNode().put("model", "spade-mask").put("limit", 2);
        baseline.putArray("settings").addObject();

        EvaluationClient.Answer accepted = client.submit(baseline);
        JsonNode done = client.await(accepted.body().path("id").asString(), Duration.ofMinutes(3), update -> { });

        assertThat(done.path("status").asString()).as("%s", done).isEqualTo("succeeded");
        JsonNode row = done.path("result").path("rows").get(0);
        assertThat(row.path("label").asString()).isEqualTo("single pass");
        assertThat(row.path("evaluations_per_image").asInt()).isEqualTo(1);
        assertThat(row.path("released_gflop").isNull()).isTrue(); // PITI's released sizes do not apply
        assertThat(row.path("miou").asDouble()).isBetween(0.0, 1.0);
    }

    @Test
    void anUnknownModelIsRefusedAsForTranslations() {
        EvaluationClient.Answer refused = client.submit(evaluation("no-such-model"));

        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.body().path("code").asString()).isEqualTo("unknown_model");
    }

    @Test
    void emptySettingsAnUnknownDatasetAndABadSamplerAreRefusedWithTheirCodes() {
        ObjectNode empty = evaluation("micro-mask");
        empty.putArray("settings");
        ObjectNode dataset = evaluation("micro-mask").put("dataset", "s3://elsewhere/x");
        ObjectNode sampler = evaluation("micro-mask");
        ((ObjectNode) sampler.get("settings").get(0)).put("sampler", "euler");

        assertThat(client.submit(empty).body().path("code").asString()).isEqualTo("invalid_parameter");
        assertThat(client.submit(dataset).body().path("code").asString()).isEqualTo("unknown_dataset");
        EvaluationClient.Answer badSampler = client.submit(sampler);
        assertThat(badSampler.status()).isEqualTo(400);
        assertThat(badSampler.body().path("code").asString()).isEqualTo("invalid_parameter");
    }

    @Test
    void aSettingAboveTheKeysJobCostIsTooCostlyAndTooManyTranslationsTooLarge() {
        ObjectNode costly = evaluation("micro-mask");
        ((ObjectNode) costly.get("settings").get(0)).put("base_steps", "200");
        ObjectNode large = evaluation("micro-mask");
        large.remove("limit");
        for (int i = 0; i < 3; i++) {
            large.withArray("settings").add(JSON.createObjectNode().put("base_steps", "2").put("sr_steps", "2"));
        }

        EvaluationClient.Answer tooCostly = client.submit(costly);
        EvaluationClient.Answer tooLarge = client.submit(large);

        assertThat(tooCostly.status()).isEqualTo(400);
        assertThat(tooCostly.body().path("code").asString()).isEqualTo("job_too_costly");
        assertThat(tooLarge.status()).isEqualTo(400);
        assertThat(tooLarge.body().path("code").asString()).isEqualTo("evaluation_too_large");
        assertThat(tooLarge.body().path("translations").asInt()).isEqualTo(16 * 5);
    }

    @Test
    void aRequestWithoutTheApiKeyIsRefused() {
        EvaluationClient stranger = new EvaluationClient(stack.apiUrl(), "not-the-key");

        EvaluationClient.Answer refused = stranger.submit(evaluation("micro-mask"));

        assertThat(refused.status()).isEqualTo(401);
        assertThat(stranger.get("tr_abcdefghijklmnopqrstuvwxyz", Duration.ZERO).status()).isEqualTo(401);
    }

    @Test
    void aTranslationIsNotAnEvaluation() {
        EvaluationClient.Answer missing = client.get("tr_abcdefghijklmnopqrstuvwxyz", Duration.ZERO);

        assertThat(missing.status()).isEqualTo(404);
    }
}
