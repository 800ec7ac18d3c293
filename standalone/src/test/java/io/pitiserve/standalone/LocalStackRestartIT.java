package io.pitiserve.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import javax.imageio.ImageIO;

import io.pitiserve.worker.models.BundledModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class LocalStackRestartIT {

    @TempDir
    Path dataDir;

    @Test
    void aFinishedJobAndItsResultSurviveARestartOnOtherPortsWithTheSameApiKey() throws Exception {
        LocalSettings settings = LocalSettings.onFreePorts(dataDir).withModelDir(LocalStackIT.MICRO_MODEL);
        String id;
        String apiKey;
        try (LocalStack first = LocalStack.start(settings, Map.of())) {
            apiKey = first.credentials().apiKey();
            TranslationClient client = new TranslationClient(first.apiUrl(), apiKey);
            id = client.submit(BundledModels.example("mask.png"), "mask.png", "image/png",
                    JsonMapper.builder().build().createObjectNode().put("task", "mask").put("base_steps", "2")
                            .put("sr_steps", "2")).path("id").asString();
            assertThat(client.await(id, Duration.ofMinutes(3), job -> { }).path("status").asString())
                    .isEqualTo("succeeded");
        }

        try (LocalStack second = LocalStack.start(settings, Map.of())) {
            assertThat(second.credentials().apiKey()).isEqualTo(apiKey);
            TranslationClient client = new TranslationClient(second.apiUrl(), apiKey);
            JsonNode job = client.await(id, Duration.ofMinutes(1), update -> { });

            assertThat(job.path("status").asString()).isEqualTo("succeeded");
            URI url = URI.create(job.path("results").get(0).path("url").asString());
            assertThat(url.getPort()).isEqualTo(second.s3Endpoint().getPort());
            BufferedImage image = ImageIO.read(client.download(url, dataDir.resolve("after-restart.png")).toFile());
            assertThat(image.getWidth()).isEqualTo(64);
        }
    }
}
