package io.pitiserve.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoCommandIT {

    @TempDir
    Path work;

    @Test
    void theDemoRunsAJobThroughEverythingAndLeavesThePngsInTheOutDirectory() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Path outDir = work.resolve("out");
        Path dataDir = work.resolve("data");

        int code = StandaloneCommand.run(List.of("demo",
                        "--model", LocalStackIT.MICRO_MODEL.toString(),
                        "--data-dir", dataDir.toString(),
                        "--out", outDir.toString(),
                        "--base-steps", "3", "--sr-steps", "2", "--num-samples", "2"),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));

        String stdout = out.toString(StandardCharsets.UTF_8);
        assertThat(code).as("stderr: %s", err.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(stdout).contains(outDir.resolve("sample-0.png").toString())
                .contains(outDir.resolve("sample-1.png").toString())
                .contains("\"status\" : \"succeeded\"");
        BufferedImage image = ImageIO.read(outDir.resolve("sample-1.png").toFile());
        assertThat(image.getWidth()).isEqualTo(64);
        assertThat(Files.exists(dataDir.resolve("credentials.properties"))).isTrue();
    }
}
