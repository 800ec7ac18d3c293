package io.pitiserve.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.pitiserve.client.Evaluation;
import io.pitiserve.client.EvaluationRequest;
import io.pitiserve.client.PitiServeClient;
import io.pitiserve.client.ProblemException;
import io.pitiserve.client.TranslationStatus;
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

/**
 * Evaluation jobs through the real local stack (embedded broker, S3 server, gateway, worker with the
 * micro test model): the gateway validates and queues them on the model's lane, the worker
 * translates and scores the bundled held-out scenes, the table comes back from GET.
 */
class EvaluationsIT {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** The bundled single-pass baseline: one forward per image, fast enough for a test. */
    private static final Path SPADE_MODEL = Path.of("../worker/src/main/resources/pitiserve/models/spade-mask");
    private static final Map<String, Object> GUIDED = Map.of("base_steps", "2", "sr_steps", "2");
    private static final Map<String, Object> UNGUIDED = unguided();

    @TempDir
    static Path dataDir;

    static LocalStack stack;
    static PitiServeClient client;

    @BeforeAll
    static void startEverything() {
        LocalSettings settings = LocalSettings.onFreePorts(dataDir)
                .withModelDirs(List.of(WebhookBenchCommandIT.MICRO_MODEL, SPADE_MODEL))
                .withProperty("pitiserve.worker.progress-interval", "0ms")
                // 2 x 200 guided base steps + the model's upsampler steps are over it, 2 x 2 + 2 far below
                .withProperty("pitiserve.gateway.quotas.max-job-cost", "300");
        stack = LocalStack.start(settings, Map.of());
        client = PitiServeClient.create(stack.apiUrl(), stack.credentials().apiKey());
    }

    @AfterAll
    static void stopEverything() {
        if (stack != null) {
            stack.close();
        }
    }

    private static Map<String, Object> unguided() {
        Map<String, Object> setting = new LinkedHashMap<>();
        setting.put("sampler", "ddim");
        setting.put("base_steps", "ddim2");
        setting.put("sr_steps", "2");
        setting.put("guidance_scale", 1.0);
        return setting;
    }

    /** Two held-out images of the bundled set, no settings yet. */
    private static EvaluationRequest.Builder twoImages(String model) {
        return EvaluationRequest.builder(model).dataset("bundled:world-heldout").limit(2).seed(3);
    }

    /** Two held-out images at a guided and an unguided setting. */
    private static EvaluationRequest.Builder evaluation(String model) {
        return twoImages(model).setting(GUIDED).setting(UNGUIDED);
    }

    private static Evaluation await(Evaluation accepted) {
        return client.awaitEvaluation(accepted.id(), Duration.ofMinutes(3));
    }

    /** The refusal {@code call} met. */
    private static ProblemException refusal(Runnable call) {
        try {
            call.run();
        } catch (ProblemException e) {
            return e;
        }
        throw new AssertionError("the request was not refused");
    }

    @Test
    void anEvaluationOfTwoImagesAtTwoSettingsComesBackAsAScoredTable() {
        Evaluation accepted = client.submitEvaluation(evaluation("micro-mask").build());
        List<Evaluation> seen = new ArrayList<>();

        Evaluation done = client.awaitEvaluation(accepted.id(), Duration.ofMinutes(3), Duration.ofSeconds(5), seen::add);

        assertThat(accepted.status()).isEqualTo(TranslationStatus.QUEUED);
        assertThat(done.status()).as("%s", done).isEqualTo(TranslationStatus.SUCCEEDED);
        JsonNode result = JSON.valueToTree(done.result());
        JsonNode rows = result.path("rows");
        assertThat(rows.size()).isEqualTo(2);
        assertThat(result.path("images").asInt()).isEqualTo(2);
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
        assertThat(done.progress().imagesDone()).isEqualTo(4);
        assertThat(seen).last().isSameAs(done);
        assertThat(done.resultUrl()).startsWith("http");
        assertThat(stack.objectsDir().toFile()).exists();
    }

    @Test
    void anEvaluationIsCancelledThroughItsCancelRoute() {
        Evaluation accepted = client.submitEvaluation(evaluation("micro-mask").member("limit", null).build());

        client.cancelEvaluation(accepted.id()); // refused unless answered 202 (or 200)
        Evaluation done = await(accepted);

        assertThat(done.status()).as("%s", done).isEqualTo(TranslationStatus.CANCELLED);
        assertThat(refusal(() -> client.cancelEvaluation(accepted.id())).code()).isEqualTo("already_terminal");
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
        EvaluationRequest ours = evaluation("micro-mask").limit(4)
                .s3Dataset("s3://" + stack.bucket() + "/uploads/local/ours").build();
        EvaluationRequest partial = evaluation("micro-mask")
                .s3Dataset("s3://" + stack.bucket() + "/uploads/local/partial/").build();
        EvaluationRequest foreign = evaluation("micro-mask")
                .s3Dataset("s3://" + stack.bucket() + "/uploads/someone-else/").build();

        Evaluation done = await(client.submitEvaluation(ours));

        assertThat(done.status()).as("%s", done).isEqualTo(TranslationStatus.SUCCEEDED);
        JsonNode result = JSON.valueToTree(done.result());
        assertThat(result.path("images").asInt()).isEqualTo(2);
        assertThat(result.path("rows").get(0).path("miou").asDouble()).isBetween(0.0, 1.0);
        assertThat(result.path("rows").get(0).path("fd").asDouble()).isGreaterThan(0.0);
        assertThat(refusal(() -> client.submitEvaluation(partial)).code()).isEqualTo("incomplete_dataset");
        assertThat(refusal(() -> client.submitEvaluation(foreign)).status()).isEqualTo(404);
    }

    private static byte[] resource(String name) throws java.io.IOException {
        try (java.io.InputStream in = EvaluationsIT.class.getResourceAsStream(name)) {
            return in.readAllBytes();
        }
    }

    @Test
    void theSinglePassBaselineIsEvaluatedTheSameWayWithOneForwardPerImage() {
        EvaluationRequest baseline = EvaluationRequest.builder("spade-mask").limit(2).setting(Map.of()).build();

        Evaluation done = await(client.submitEvaluation(baseline));

        assertThat(done.status()).as("%s", done).isEqualTo(TranslationStatus.SUCCEEDED);
        JsonNode row = JSON.valueToTree(done.result()).path("rows").get(0);
        assertThat(row.path("label").asString()).isEqualTo("single pass");
        assertThat(row.path("evaluations_per_image").asInt()).isEqualTo(1);
        assertThat(row.path("released_gflop").isNull()).isTrue(); // PITI's released sizes do not apply
        assertThat(row.path("miou").asDouble()).isBetween(0.0, 1.0);
    }

    @Test
    void anUnknownModelIsRefusedAsForTranslations() {
        ProblemException refused = refusal(() -> client.submitEvaluation(evaluation("no-such-model").build()));

        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.code()).isEqualTo("unknown_model");
    }

    @Test
    void emptySettingsAnUnknownDatasetAndABadSamplerAreRefusedWithTheirCodes() {
        EvaluationRequest empty = twoImages("micro-mask").member("settings", List.of()).build();
        EvaluationRequest dataset = evaluation("micro-mask").dataset("s3://elsewhere/x").build();
        Map<String, Object> euler = new LinkedHashMap<>(GUIDED);
        euler.put("sampler", "euler");
        EvaluationRequest sampler = twoImages("micro-mask").setting(euler).setting(UNGUIDED).build();

        assertThat(refusal(() -> client.submitEvaluation(empty)).code()).isEqualTo("invalid_parameter");
        assertThat(refusal(() -> client.submitEvaluation(dataset)).code()).isEqualTo("unknown_dataset");
        ProblemException badSampler = refusal(() -> client.submitEvaluation(sampler));
        assertThat(badSampler.status()).isEqualTo(400);
        assertThat(badSampler.code()).isEqualTo("invalid_parameter");
    }

    @Test
    void aSettingAboveTheKeysJobCostIsTooCostlyAndTooManyTranslationsTooLarge() {
        EvaluationRequest costly = twoImages("micro-mask").setting(Map.of("base_steps", "200", "sr_steps", "2"))
                .setting(UNGUIDED).build();
        EvaluationRequest.Builder large = evaluation("micro-mask").member("limit", null);
        for (int i = 0; i < 3; i++) {
            large.setting(GUIDED);
        }

        ProblemException tooCostly = refusal(() -> client.submitEvaluation(costly));
        ProblemException tooLarge = refusal(() -> client.submitEvaluation(large.build()));

        assertThat(tooCostly.status()).isEqualTo(400);
        assertThat(tooCostly.code()).isEqualTo("job_too_costly");
        assertThat(tooLarge.status()).isEqualTo(400);
        assertThat(tooLarge.code()).isEqualTo("evaluation_too_large");
        assertThat(tooLarge.problem().properties().get("translations")).isEqualTo(16 * 5);
    }

    @Test
    void aRequestWithoutTheApiKeyIsRefused() {
        PitiServeClient stranger = PitiServeClient.create(stack.apiUrl(), "not-the-key");

        ProblemException refused = refusal(() -> stranger.submitEvaluation(evaluation("micro-mask").build()));

        assertThat(refused.status()).isEqualTo(401);
        assertThat(refusal(() -> stranger.getEvaluation("tr_abcdefghijklmnopqrstuvwxyz", Duration.ZERO)).status())
                .isEqualTo(401);
    }

    @Test
    void aTranslationIsNotAnEvaluation() {
        ProblemException missing = refusal(() -> client.getEvaluation("tr_abcdefghijklmnopqrstuvwxyz", Duration.ZERO));

        assertThat(missing.status()).isEqualTo(404);
    }
}
