package io.pitiserve.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import javax.imageio.ImageIO;

import io.pitiserve.client.Accepted;
import io.pitiserve.client.Evaluation;
import io.pitiserve.client.EvaluationRequest;
import io.pitiserve.client.Models;
import io.pitiserve.client.PitiServeClient;
import io.pitiserve.client.ProblemException;
import io.pitiserve.client.Translation;
import io.pitiserve.client.TranslationRequest;
import io.pitiserve.client.TranslationStatus;
import io.pitiserve.client.example.TranslateMask;
import io.pitiserve.worker.models.BundledModels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole local piti-serve, started by the same code as {@code serve} (embedded broker, S3
 * server, gateway and worker on free ports), driven over HTTP with the Java client.
 */
class LocalStackIT {

    /** The worker's micro model (64 px in, 64 px out): the bundled one is too slow for a test. */
    static final Path MICRO_MODEL = Path.of("../worker/src/test/resources/fixtures/models/micro-mask");
    /** The bundled example mask, where the README points. */
    static final Path EXAMPLE_MASK = Path.of("../worker/src/main/resources/pitiserve/examples/mask.png");
    /** The bundled single-pass baseline, served beside it on its own lane. */
    static final Path SPADE_MODEL = Path.of("../worker/src/main/resources/pitiserve/models/spade-mask");

    @TempDir
    static Path dataDir;

    static LocalStack stack;
    static PitiServeClient client;

    @BeforeAll
    static void startEverything() {
        LocalSettings settings = LocalSettings.onFreePorts(dataDir)
                .withModelDirs(List.of(MICRO_MODEL, SPADE_MODEL))
                .withProperty("pitiserve.worker.progress-interval", "0ms");
        stack = LocalStack.start(settings, Map.of());
        client = PitiServeClient.create(stack.apiUrl(), stack.credentials().apiKey());
    }

    @AfterAll
    static void stopEverything() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void theExampleMaskSubmittedOverHttpComesBackAsAPngBehindAPresignedUrl() throws Exception {
        TranslationRequest request = TranslationRequest.builder("mask")
                .input(BundledModels.example("mask.png"), "image/png").baseSteps("3").srSteps("2").seed(7).build();

        Accepted accepted = client.submit(request);
        String id = accepted.id();
        List<String> seen = new ArrayList<>();
        Translation job = client.follow(id, Duration.ofMinutes(3), event -> seen.add(event.name()));

        assertThat(id).matches("tr_[a-z2-7]{26}");
        assertThat(accepted.location()).isEqualTo(stack.apiUrl().resolve("/v1/translations/" + id));
        assertThat(job.status()).as("job %s", job).isEqualTo(TranslationStatus.SUCCEEDED);
        // The stream opens with the job's state when the client connects: queued, or running when a
        // worker took the job first (on a loaded machine it can).
        assertThat(seen).isNotEmpty().endsWith("succeeded");
        assertThat(seen.get(0)).isIn("queued", "running");
        assertThat(job.timings()).containsKey("total");
        Translation.Result result = job.results("sample").get(0);
        Path png = client.download(result, dataDir.resolve("downloads/sample-0.png"));
        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image).isNotNull();
        assertThat(image.getWidth()).isEqualTo(64);
        assertThat(image.getHeight()).isEqualTo(64);
    }

    @Test
    void aJobNamingTheSinglePassBaselineRunsOneForwardAndItsSeedFixesTheImages() throws Exception {
        Models models = client.models();
        assertThat(models.find("spade-mask")).as("GET /v1/models: %s", models)
                .hasValueSatisfying(spade -> assertThat(spade.defaultModel()).isFalse());

        // Diffusion parameters mean nothing to a single-pass model: they are ignored, not refused.
        TranslationRequest request = TranslationRequest.builder("mask")
                .input(BundledModels.example("mask.png"), "image/png").model("spade-mask").numSamples(2).seed(11)
                .sampler("ddim").baseSteps("3").build();
        List<Translation> jobs = new ArrayList<>();
        for (int run = 0; run < 2; run++) {
            jobs.add(client.await(client.submit(request).id(), Duration.ofMinutes(2)));
        }

        Translation job = jobs.get(0);
        assertThat(job.status()).as("job %s", job).isEqualTo(TranslationStatus.SUCCEEDED);
        assertThat(job.model()).startsWith("spade-mask@");
        List<Translation.Result> results = job.results();
        assertThat(results).hasSize(2);
        Path png = client.download(results.get(0), dataDir.resolve("downloads/spade-0.png"));
        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image.getWidth()).isEqualTo(256);
        assertThat(image.getHeight()).isEqualTo(256);
        assertThat(results.get(0).sha256()).as("two samples of one job").isNotEqualTo(results.get(1).sha256());
        assertThat(jobs.get(1).results().get(0).sha256()).as("the same seed again")
                .isEqualTo(results.get(0).sha256());
        assertThat(client.models().models()).extracting(Models.Model::kind).contains("single-pass", "diffusion");
    }

    @Test
    void anEvaluationSubmittedWithTheJavaClientComesBackWithItsTable() {
        Evaluation accepted = client.submitEvaluation(EvaluationRequest.builder("micro-mask")
                .dataset("bundled:world-heldout").limit(1).seed(3)
                .setting(Map.of("base_steps", "2", "sr_steps", "2")).build());

        Evaluation done = client.awaitEvaluation(accepted.id(), Duration.ofMinutes(2));

        assertThat(done.status()).as("%s", done).isEqualTo(TranslationStatus.SUCCEEDED);
        assertThat(done.progress()).isEqualTo(new Evaluation.Progress(1, 1));
        assertThat(done.result().get("rows")).asList().hasSize(1);
        assertThat(done.resultUrl()).startsWith("http");
    }

    @Test
    void theReadmesJavaExampleTranslatesTheExampleMaskAndVerifiesTheJobsWebhook() throws Exception {
        TranslateMask.Outcome outcome = TranslateMask.run(stack.apiUrl(), stack.credentials().apiKey(),
                stack.credentials().webhookSecret(), EXAMPLE_MASK, dataDir.resolve("example"));

        assertThat(outcome.images()).singleElement().satisfies(png -> {
            BufferedImage image = ImageIO.read(png.toFile());
            assertThat(image.getWidth()).isEqualTo(64);
            assertThat(png.getFileName().toString()).matches("tr_[a-z2-7]{26}-0\\.png");
        });
        assertThat(outcome.webhook()).as("the verified webhook").isNotNull();
        assertThat(outcome.webhook().type()).isEqualTo("translation.succeeded");
        assertThat(outcome.images().get(0).getFileName().toString()).startsWith(outcome.webhook().data().id());
    }

    @Test
    void aRequestWithoutTheLocalApiKeyIsRefused() {
        PitiServeClient stranger = PitiServeClient.create(stack.apiUrl(), "not-the-key");

        assertThatThrownBy(() -> stranger.submit(TranslationRequest.builder("mask")
                        .input(BundledModels.example("mask.png"), "image/png").build()))
                .isInstanceOfSatisfying(ProblemException.class, e -> {
                    assertThat(e.status()).isEqualTo(401);
                    assertThat(e.code()).isEqualTo("unauthorized");
                });
    }
}
