package io.pitiserve.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import javax.imageio.ImageIO;

import io.pitiserve.worker.models.BundledModels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The whole local piti-serve, started by the same code as {@code serve} (embedded broker, S3
 * server, gateway and worker on free ports), driven over HTTP like any client.
 */
class LocalStackIT {

    /** The worker's micro model (64 px in, 64 px out): the bundled one is too slow for a test. */
    static final Path MICRO_MODEL = Path.of("../worker/src/test/resources/fixtures/models/micro-mask");
    /** The bundled single-pass baseline, served beside it on its own lane. */
    static final Path SPADE_MODEL = Path.of("../worker/src/main/resources/pitiserve/models/spade-mask");

    @TempDir
    static Path dataDir;

    static LocalStack stack;
    static TranslationClient client;

    @BeforeAll
    static void startEverything() {
        LocalSettings settings = LocalSettings.onFreePorts(dataDir)
                .withModelDirs(List.of(MICRO_MODEL, SPADE_MODEL))
                .withProperty("pitiserve.worker.progress-interval", "0ms");
        stack = LocalStack.start(settings, Map.of());
        client = new TranslationClient(stack.apiUrl(), stack.credentials().apiKey());
    }

    @AfterAll
    static void stopEverything() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void theExampleMaskSubmittedOverHttpComesBackAsAPngBehindAPresignedUrl() throws Exception {
        ObjectNode params = JsonMapper.builder().build().createObjectNode()
                .put("task", "mask").put("base_steps", "3").put("sr_steps", "2").put("seed", 7);

        JsonNode accepted = client.submit(BundledModels.example("mask.png"), "mask.png", "image/png", params);
        String id = accepted.path("id").asString();
        List<String> seen = new ArrayList<>();
        JsonNode job = client.await(id, Duration.ofMinutes(3), update -> seen.add(update.path("status").asString()));

        assertThat(id).matches("tr_[a-z2-7]{26}");
        assertThat(job.path("status").asString()).as("job %s", job).isEqualTo("succeeded");
        assertThat(seen).last().isEqualTo("succeeded");
        JsonNode result = job.path("results").get(0);
        Path png = client.download(URI.create(result.path("url").asString()), dataDir.resolve("downloads/sample-0.png"));
        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image).isNotNull();
        assertThat(image.getWidth()).isEqualTo(64);
        assertThat(image.getHeight()).isEqualTo(64);
    }

    @Test
    void aJobNamingTheSinglePassBaselineRunsOneForwardAndItsSeedFixesTheImages() throws Exception {
        JsonNode listed = client.models().path("models");
        JsonNode spade = null;
        for (JsonNode model : listed) {
            if (model.path("name").asString().equals("spade-mask")) {
                spade = model;
            }
        }
        assertThat(spade).as("GET /v1/models: %s", listed).isNotNull();
        assertThat(spade.path("default").asBoolean()).isFalse();

        // Diffusion parameters mean nothing to a single-pass model: they are ignored, not refused.
        ObjectNode params = JsonMapper.builder().build().createObjectNode()
                .put("task", "mask").put("model", "spade-mask").put("num_samples", 2).put("seed", 11)
                .put("sampler", "ddim").put("base_steps", "3");
        List<JsonNode> jobs = new ArrayList<>();
        for (int run = 0; run < 2; run++) {
            String id = client.submit(BundledModels.example("mask.png"), "mask.png", "image/png", params)
                    .path("id").asString();
            jobs.add(client.await(id, Duration.ofMinutes(2), update -> { }));
        }

        JsonNode job = jobs.get(0);
        assertThat(job.path("status").asString()).as("job %s", job).isEqualTo("succeeded");
        assertThat(job.path("model").asString()).startsWith("spade-mask@");
        JsonNode results = job.path("results");
        assertThat(results).hasSize(2);
        Path png = client.download(URI.create(results.get(0).path("url").asString()),
                dataDir.resolve("downloads/spade-0.png"));
        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image.getWidth()).isEqualTo(256);
        assertThat(image.getHeight()).isEqualTo(256);
        assertThat(results.get(0).path("sha256").asString()).as("two samples of one job")
                .isNotEqualTo(results.get(1).path("sha256").asString());
        assertThat(jobs.get(1).path("results").get(0).path("sha256").asString()).as("the same seed again")
                .isEqualTo(results.get(0).path("sha256").asString());
        assertThat(client.models().path("models").findValues("kind").stream().map(JsonNode::asString))
                .contains("single-pass", "diffusion");
    }

    @Test
    void aRequestWithoutTheLocalApiKeyIsRefused() {
        TranslationClient stranger = new TranslationClient(stack.apiUrl(), "not-the-key");
        ObjectNode params = JsonMapper.builder().build().createObjectNode().put("task", "mask");

        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> stranger.submit(BundledModels.example("mask.png"), "mask.png", "image/png", params))
                .isInstanceOf(TranslationClient.ApiException.class)
                .hasMessageContaining("HTTP 401");
    }
}
