package io.pitiserve.worker.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Java scorer against the tools scorer on the fixture of {@code piti_tools.evaluation_assets}:
 * four degraded world images with their masks, scored by {@code quality.py} with the classifier the
 * worker bundles. Tolerances: features are float32 sums (the order of additions differs), so pixel
 * features agree to 1e-3 and patch features to 1e-4; a pixel whose two best classes score within
 * that round-off may flip, so at most 0.1 % of the predicted labels may differ and mIoU and each
 * class's IoU agree to 2e-3; the Fréchet distance, from the same sums, agrees to 1e-4 relative.
 */
class ScorerParityTest {

    private static final Path FIXTURE = Path.of("src/test/resources/fixtures/scorer");
    private static JsonNode expected;

    @BeforeAll
    static void readExpected() throws IOException {
        expected = JsonMapper.builder().build().readTree(Files.readString(FIXTURE.resolve("expected.json")));
    }

    private static RgbImage image(String name) throws IOException {
        return RgbImage.decode(Files.readAllBytes(FIXTURE.resolve(name)));
    }

    @Test
    void pixelFeaturesMatchTheToolsAtSampledPixels() throws IOException {
        RgbImage first = image("0-image.png");
        float[] features = PixelFeatures.of(first);
        for (JsonNode pick : expected.get("pixel_features")) {
            int p = pick.get("y").intValue() * first.width() + pick.get("x").intValue();
            for (int f = 0; f < PixelFeatures.COUNT; f++) {
                assertThat((double) features[p * PixelFeatures.COUNT + f])
                        .as("feature %d at %s", f, pick).isCloseTo(pick.get("values").get(f).doubleValue(), within(1e-3));
            }
        }
    }

    @Test
    void patchFeaturesMatchTheTools() throws IOException {
        double[][] rows = PatchFeatures.of(image("0-image.png"));
        JsonNode want = expected.get("patch_features");
        for (int r = 0; r < want.size(); r++) {
            for (int f = 0; f < PatchFeatures.COUNT; f++) {
                assertThat(rows[r][f]).as("patch %d feature %d", r, f).isCloseTo(want.get(r).get(f).doubleValue(), within(1e-4));
            }
        }
    }

    @Test
    void theClassifierLabelsPixelsAsTheToolsDo() throws IOException {
        int[] predicted = PixelClassifier.world().predict(image("0-image.png"));
        RgbImage want = image("0-predicted.png"); // grey ids
        int differing = 0;
        for (int p = 0; p < predicted.length; p++) {
            if (predicted[p] != (want.rgb()[p * 3] & 0xFF)) {
                differing++;
            }
        }
        assertThat(differing).isLessThanOrEqualTo(predicted.length / 1000);
    }

    @Test
    void miouPerClassIouAndFrechetDistanceMatchTheTools() throws IOException {
        QualityScore score = new QualityScore(PixelClassifier.world());
        for (JsonNode item : expected.get("images")) {
            RgbImage output = image(item.get("image").stringValue());
            int[] truth = MaskLabels.of(image(item.get("mask").stringValue()), output.height());
            score.add(output, truth, WorldHeldOutSet.statistics(item.get("reference_patches")));
        }
        assertThat(score.miou()).isCloseTo(expected.get("miou").doubleValue(), within(2e-3));
        score.perClass().forEach((name, iou) -> {
            JsonNode want = expected.get("per_class").get(name);
            if (want.isNull()) {
                assertThat(iou).as(name).isNaN();
            } else {
                assertThat(iou).as(name).isCloseTo(want.doubleValue(), within(2e-3));
            }
        });
        double fd = expected.get("fd").doubleValue();
        assertThat(score.fd()).isCloseTo(fd, within(1e-4 * fd));
    }

    @Test
    void theReferenceStatisticsAgreeWithTheImagesTheyCameFrom() throws IOException {
        // statistics summed per image give what the tools compute over all patches at once
        List<PatchStatistics> parts = new ArrayList<>();
        for (JsonNode item : expected.get("images")) {
            parts.add(WorldHeldOutSet.statistics(item.get("reference_patches")));
        }
        PatchStatistics all = PatchStatistics.sum(parts);
        assertThat(FrechetDistance.between(all, all)).isCloseTo(expected.get("fd_real_against_itself").doubleValue(), within(1e-6));
        assertThat(all.count()).isEqualTo(4 * 64);
    }
}
