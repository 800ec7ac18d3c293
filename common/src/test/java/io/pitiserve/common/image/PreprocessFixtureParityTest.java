package io.pitiserve.common.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.pitiserve.common.npy.NpyArray;
import io.pitiserve.common.npy.NpyReader;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Our preprocessing against the Python reference pipeline (Pillow + OpenCV conventions), from the
 * fixtures {@code tools/} writes into {@code fixtures/preprocess/}. Skipped only while that directory
 * does not exist; once it does, a missing file fails the test.
 */
class PreprocessFixtureParityTest {

    private static final double TOLERANCE = 1e-6;

    private Path fixtures;

    @BeforeEach
    void findFixtures() throws URISyntaxException {
        URL directory = getClass().getResource("/fixtures/preprocess");
        assumeTrue(directory != null, "fixtures/preprocess not generated yet (python3 -m piti_tools.fixtures)");
        fixtures = Path.of(directory.toURI());
    }

    @Test
    void theColourCodedMaskMatchesTheReference() throws IOException {
        ConditionImage prepared = InputKind.MASK.preprocessor().prepare(bytes("mask.png"));

        assertMatches(prepared, reference("mask_ref.npy", 3));
    }

    @Test
    void theLabelIdMaskMatchesTheSameReference() throws IOException {
        ConditionImage prepared = InputKind.MASK.preprocessor().prepare(bytes("mask_labels.png"));

        assertMatches(prepared, reference("mask_ref.npy", 3));
    }

    @Test
    void theWhiteOnBlackSketchMatchesTheReference() throws IOException {
        ConditionImage prepared = InputKind.SKETCH.preprocessor().prepare(bytes("sketch.png"));

        assertThat(prepared.notes()).isEmpty();
        assertMatches(prepared, reference("sketch_ref.npy", 1));
    }

    @Test
    void theBlackOnWhiteSketchIsInvertedAndMatchesTheSameReference() throws IOException {
        ConditionImage prepared = InputKind.SKETCH.preprocessor().prepare(bytes("sketch_black_on_white.png"));

        assertThat(prepared.notes()).containsExactly(ConditionImage.SKETCH_INVERTED);
        assertMatches(prepared, reference("sketch_ref.npy", 1));
    }

    private byte[] bytes(String name) throws IOException {
        return Files.readAllBytes(fixtures.resolve(name));
    }

    private NpyArray reference(String name, int channels) throws IOException {
        NpyArray array = NpyReader.read(fixtures.resolve(name));
        assertThat(array.shape()).containsExactly(channels, 256, 256);
        return array;
    }

    private static void assertMatches(ConditionImage prepared, NpyArray reference) {
        float[] actual = prepared.data();
        float[] expected = reference.data();
        assertThat(actual).hasSameSizeAs(expected);
        double worst = 0;
        int worstIndex = -1;
        for (int i = 0; i < actual.length; i++) {
            double difference = Math.abs((double) actual[i] - expected[i]);
            if (difference > worst) {
                worst = difference;
                worstIndex = i;
            }
        }
        assertThat(worst).as("max |difference|, first at flat index %d", worstIndex).isLessThanOrEqualTo(TOLERANCE);
    }
}
