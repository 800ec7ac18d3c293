package io.pitiserve.worker.cli;

import io.pitiserve.worker.TestResources;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code translate} end to end through {@link WorkerCommand#run}: files written, stdout, exit codes
 * and the one-line errors, on the micro model (64 px input, 16 px base, 64 px output).
 */
class TranslateCommandTest {

    /** Colours of the COCO-Stuff palette: label 0 (person), label 1 (bicycle), unlabelled. */
    private static final int PERSON = 0x800000;
    private static final int BICYCLE = 0x008000;
    private static final int UNLABELLED = 0x000000;

    @TempDir
    Path tmp;

    // ---- successful runs ---------------------------------------------------------------------

    @Test
    void aTranslateWritesTheSampleAndTheBaseImageAndPrintsTheirPaths() throws IOException {
        Path out = tmp.resolve("out");
        Result result = translate(fastArgs(out, "--seed", "3", "--save-base"));

        assertThat(result.code).as(result.err).isZero();
        Path sample = out.resolve("sample-0.png");
        Path base = out.resolve("base-0.png");
        assertThat(result.outLines()).containsExactly(sample.toString(), base.toString());
        BufferedImage image = ImageIO.read(sample.toFile());
        assertThat(image).isNotNull();
        assertThat(image.getWidth()).isEqualTo(64);
        assertThat(image.getHeight()).isEqualTo(64);
        BufferedImage baseImage = ImageIO.read(base.toFile());
        assertThat(baseImage).isNotNull();
        assertThat(baseImage.getWidth()).isEqualTo(16);
        assertThat(baseImage.getHeight()).isEqualTo(16);
        assertThat(result.err).contains("done in").contains("base 5 steps").contains("upsampler 3 steps");
    }

    @Test
    void theSameSeedTwiceWritesIdenticalPngBytes() throws IOException {
        Path first = tmp.resolve("first");
        Path second = tmp.resolve("second");
        assertThat(translate(fastArgs(first, "--seed", "11")).code).isZero();
        assertThat(translate(fastArgs(second, "--seed", "11")).code).isZero();

        assertThat(Files.readAllBytes(second.resolve("sample-0.png")))
                .isEqualTo(Files.readAllBytes(first.resolve("sample-0.png")));
    }

    @Test
    void twoSamplesAreWrittenAsSampleZeroAndSampleOneAndNoBaseImageUnlessAsked() throws IOException {
        Path out = tmp.resolve("out");
        Result result = translate(fastArgs(out, "--seed", "5", "--num-samples", "2"));

        assertThat(result.code).as(result.err).isZero();
        assertThat(result.outLines()).containsExactly(
                out.resolve("sample-0.png").toString(), out.resolve("sample-1.png").toString());
        try (Stream<Path> files = Files.list(out)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("sample-0.png", "sample-1.png");
        }
        assertThat(Files.readAllBytes(out.resolve("sample-0.png")))
                .as("two samples of one job differ")
                .isNotEqualTo(Files.readAllBytes(out.resolve("sample-1.png")));
    }

    @Test
    void recordedNoiseOfTheRightShapeIsUsedInsteadOfTheSeed() throws IOException {
        // The parity case pipeline-ddpm-cfg: micro-mask, 1 sample, base "10", upsampler "4".
        Path noise = TestResources.path("fixtures/parity/pipeline-ddpm-cfg/noise");
        Path first = tmp.resolve("first");
        Path second = tmp.resolve("second");
        Result result = translate(List.of("translate", "--model", microMask().toString(), "--input", mask().toString(),
                "--out", first.toString(), "--base-steps", "10", "--sr-steps", "4", "--noise", noise.toString(),
                "--seed", "1", "--quiet"));
        Result otherSeed = translate(List.of("translate", "--model", microMask().toString(), "--input", mask().toString(),
                "--out", second.toString(), "--base-steps", "10", "--sr-steps", "4", "--noise", noise.toString(),
                "--seed", "2", "--quiet"));

        assertThat(result.code).as(result.err).isZero();
        assertThat(otherSeed.code).as(otherSeed.err).isZero();
        assertThat(Files.readAllBytes(second.resolve("sample-0.png")))
                .as("with noise files for both stages the seed plays no part")
                .isEqualTo(Files.readAllBytes(first.resolve("sample-0.png")));
    }

    // ---- refusals ----------------------------------------------------------------------------

    @Test
    void recordedNoiseOfTheWrongShapeForTheStepsIsRefusedNamingTheNeededShape() {
        Path noise = TestResources.path("fixtures/parity/pipeline-ddpm-cfg/noise");
        Result result = translate(List.of("translate", "--model", microMask().toString(), "--input", mask().toString(),
                "--out", tmp.resolve("out").toString(), "--base-steps", "20", "--sr-steps", "4",
                "--noise", noise.toString(), "--quiet"));

        assertThat(result.code).isEqualTo(2);
        assertThat(result.errLines()).singleElement().asString()
                .startsWith("error: ")
                .contains("base noise has shape [11, 1, 3, 16, 16]")
                .contains("needs [21, 1, 3, 16, 16]");
        assertThat(tmp.resolve("out")).doesNotExist();
    }

    static Stream<Arguments> badCommandLines() {
        return Stream.of(
                Arguments.of("missing --out", List.of("--base-steps", "5"), "--out"),
                Arguments.of("unknown option", List.of("--out", "OUT", "--colour", "red"), "unknown option --colour"),
                Arguments.of("option without its value", List.of("--out", "OUT", "--seed"), "--seed needs a value"),
                Arguments.of("input that does not exist", List.of("--out", "OUT", "--input", "NO_SUCH_FILE"),
                        "does not exist"),
                Arguments.of("sketch task on a mask model", List.of("--out", "OUT", "--task", "sketch"),
                        "--task sketch needs a sketch model"),
                Arguments.of("unknown task", List.of("--out", "OUT", "--task", "photo"), "unknown input kind 'photo'"),
                Arguments.of("impossible ddim respacing", List.of("--out", "OUT", "--base-steps", "ddim999"),
                        "ddim999"),
                Arguments.of("zero samples", List.of("--out", "OUT", "--num-samples", "0"), "got 0"),
                Arguments.of("too many samples", List.of("--out", "OUT", "--num-samples", "17"), "got 17"),
                Arguments.of("non-numeric guidance scale", List.of("--out", "OUT", "--guidance-scale", "abc"),
                        "--guidance-scale must be a number, got 'abc'"),
                Arguments.of("guidance scale out of range", List.of("--out", "OUT", "--guidance-scale", "25"),
                        "guidance scale must be in [0, 20.0], got 25.0"),
                Arguments.of("unknown sampler", List.of("--out", "OUT", "--sampler", "euler"),
                        "unknown sampler 'euler'"),
                Arguments.of("ddim eta out of range", List.of("--out", "OUT", "--sampler", "ddim", "--eta", "2"),
                        "eta must be in [0, 1]"),
                Arguments.of("non-integer seed", List.of("--out", "OUT", "--seed", "x1"),
                        "--seed must be an integer, got 'x1'"),
                Arguments.of("noise directory that does not exist", List.of("--out", "OUT", "--noise", "NO_SUCH_DIR"),
                        "noise directory"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badCommandLines")
    void aBadCommandLineExitsWithTwoAndOneErrorLineNamingTheProblem(String why, List<String> options, String expected) {
        List<String> args = new ArrayList<>(List.of("translate", "--model", microMask().toString(), "--input",
                mask().toString(), "--quiet"));
        for (String option : options) {
            args.add(option.replace("OUT", tmp.resolve("out").toString())
                    .replace("NO_SUCH_FILE", tmp.resolve("missing.png").toString())
                    .replace("NO_SUCH_DIR", tmp.resolve("no-noise").toString()));
        }
        // The last --input wins; "input that does not exist" overrides the valid one.
        Result result = translate(args);

        assertThat(result.code).as(result.err).isEqualTo(2);
        assertThat(result.errLines()).singleElement().asString().startsWith("error: ").contains(expected);
        assertThat(result.out).isEmpty();
        assertThat(tmp.resolve("out")).doesNotExist();
    }

    @Test
    void anOutputPathThatIsAFileIsRefusedBeforeAnyWork() throws IOException {
        Path file = Files.writeString(tmp.resolve("taken"), "not a directory");
        Result result = translate(new ArrayList<>(List.of("translate", "--model", microMask().toString(), "--input",
                mask().toString(), "--quiet", "--out", file.toString())));

        assertThat(result.code).isEqualTo(2);
        assertThat(result.errLines()).singleElement().asString().contains("exists and is not a directory");
        assertThat(Files.readString(file)).isEqualTo("not a directory");
    }

    @Test
    void aMaskPixelOffThePaletteIsRefusedNamingItsCoordinates() throws IOException {
        Path input = tmp.resolve("off-palette.png");
        BufferedImage image = maskImage();
        image.setRGB(5, 7, 0x010203);
        ImageIO.write(image, "png", input.toFile());

        Result result = translate(fastArgs(tmp.resolve("out"), input));

        assertThat(result.code).isEqualTo(2);
        assertThat(result.errLines()).singleElement().asString()
                .startsWith("error: invalid input (unknown_palette_colour): ")
                .contains("pixel (5, 7)")
                .contains("(1, 2, 3)");
    }

    @Test
    void aTextFileAsInputIsRefusedAsAnUnsupportedFormat() throws IOException {
        Path input = Files.writeString(tmp.resolve("mask.txt"), "person, person, sky\n");

        Result result = translate(fastArgs(tmp.resolve("out"), input));

        assertThat(result.code).isEqualTo(2);
        assertThat(result.errLines()).singleElement().asString()
                .startsWith("error: invalid input (unsupported_format): ")
                .contains("not a PNG or JPEG");
    }

    @Test
    void aModelDirectoryWithoutModelJsonFailsWithExitCodeOneNamingModelJson() throws IOException {
        Path empty = Files.createDirectory(tmp.resolve("empty-model"));

        Result result = translate(List.of("translate", "--model", empty.toString(), "--input", mask().toString(),
                "--out", tmp.resolve("out").toString(), "--quiet"));

        // A model that cannot be loaded is not a usage error: exit code 1, still one line.
        assertThat(result.code).isEqualTo(1);
        assertThat(result.errLines()).singleElement().asString()
                .startsWith("error: ")
                .contains("no model.json in " + empty);
    }

    @Test
    void aModelWhoseDecoderWasAlteredIsRefusedWithAChecksumMismatch() throws IOException {
        Path copy = tmp.resolve("micro-mask");
        copyTree(microMask(), copy);
        Path decoder = copy.resolve("base/decoder.pt");
        Files.write(decoder, new byte[] {0}, StandardOpenOption.APPEND);

        Result result = translate(fastArgs(tmp.resolve("out"), mask(), copy));

        assertThat(result.code).isEqualTo(1);
        assertThat(result.errLines()).singleElement().asString()
                .startsWith("error: ")
                .contains("checksum mismatch for " + decoder);
    }

    // ---- helpers -----------------------------------------------------------------------------

    private record Result(int code, String out, String err) {
        List<String> outLines() {
            return out.lines().toList();
        }

        List<String> errLines() {
            return err.lines().toList();
        }
    }

    private static Result translate(List<String> args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = WorkerCommand.run(args, o, e);
        }
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private List<String> fastArgs(Path out, String... extra) {
        List<String> args = fastArgs(out, mask(), microMask());
        args.addAll(List.of(extra));
        return args;
    }

    private List<String> fastArgs(Path out, Path input) {
        return fastArgs(out, input, microMask());
    }

    private static List<String> fastArgs(Path out, Path input, Path model) {
        return new ArrayList<>(List.of("translate", "--model", model.toString(), "--input", input.toString(),
                "--out", out.toString(), "--base-steps", "5", "--sr-steps", "3", "--quiet"));
    }

    /** A valid 64 x 64 colour-coded mask, written once per test. */
    private Path mask() {
        Path file = tmp.resolve("mask.png");
        if (!Files.exists(file)) {
            try {
                ImageIO.write(maskImage(), "png", file.toFile());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return file;
    }

    /** Person on the left, a bicycle bottom right, unlabelled top right. */
    private static BufferedImage maskImage() {
        BufferedImage image = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 64; x++) {
                image.setRGB(x, y, x < 32 ? PERSON : y >= 32 ? BICYCLE : UNLABELLED);
            }
        }
        return image;
    }

    private static Path microMask() {
        return TestResources.microMask();
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path path : paths.toList()) {
                Path target = to.resolve(from.relativize(path).toString());
                if (Files.isDirectory(path)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(path, target);
                }
            }
        }
    }
}
