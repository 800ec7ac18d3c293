package io.pitiserve.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import javax.imageio.ImageIO;

import io.pitiserve.client.PitiServeClient;
import io.pitiserve.client.Translation;
import io.pitiserve.client.TranslationRequest;
import io.pitiserve.client.TranslationStatus;
import io.pitiserve.worker.models.BundledModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
            PitiServeClient client = PitiServeClient.create(first.apiUrl(), apiKey);
            id = client.submit(TranslationRequest.builder("mask").input(BundledModels.example("mask.png"), "image/png")
                    .baseSteps("2").srSteps("2").build()).id();
            assertThat(client.await(id, Duration.ofMinutes(3)).status()).isEqualTo(TranslationStatus.SUCCEEDED);
        }

        try (LocalStack second = LocalStack.start(settings, Map.of())) {
            assertThat(second.credentials().apiKey()).isEqualTo(apiKey);
            PitiServeClient client = PitiServeClient.create(second.apiUrl(), apiKey);
            Translation job = client.await(id, Duration.ofMinutes(1));

            assertThat(job.status()).isEqualTo(TranslationStatus.SUCCEEDED);
            Translation.Result result = job.results().get(0);
            assertThat(URI.create(result.url()).getPort()).isEqualTo(second.s3Endpoint().getPort());
            BufferedImage image = ImageIO.read(client.download(result, dataDir.resolve("after-restart.png")).toFile());
            assertThat(image.getWidth()).isEqualTo(64);
        }
    }
}
