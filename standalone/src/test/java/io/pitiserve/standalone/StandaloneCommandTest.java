package io.pitiserve.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.pitiserve.common.cli.CommandLine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StandaloneCommandTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @TempDir
    Path dir;

    @Test
    void helpPrintsTheUsageAndSucceeds() {
        assertThat(run("--help")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("serve").contains("demo").contains("--data-dir");
    }

    @Test
    void helpAfterACommandPrintsTheUsageInsteadOfRunningIt() {
        assertThat(run("serve", "--help")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("options of demo");
    }

    @Test
    void theBenchmarksAreNotCommandsOfTheStandaloneJar() {
        assertThat(run("bench", "pipeline")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("unknown command 'bench'");
        assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void anUnknownOptionEndsWithExitCode2AndOneLine() {
        assertThat(run("demo", "--colour", "red")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8).strip()).isEqualTo("error: unknown option --colour (see --help)");
    }

    @Test
    void anUnknownCommandEndsWithExitCode2() {
        assertThat(run("launch")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("unknown command 'launch'");
    }

    @Test
    void aModelDirectoryWithoutManifestIsRefusedBeforeAnythingStarts() {
        assertThat(run("serve", "--data-dir", dir.toString(), "--model", dir.toString())).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("holds no model.json");
    }

    @Test
    void flagsBecomeSettingsAndSetOptionsBecomeSpringProperties() {
        CommandLine line = new CommandLine(List.of("--data-dir", dir.toString(), "--http-port=8181", "--kafka-port", "0",
                "--set", "pitiserve.worker.threads=2", "--set=spring.kafka.client-id=x"),
                StandaloneCommand.COMMON_OPTIONS, Set.of());

        LocalSettings settings = StandaloneCommand.settings(line, Path.of("unused"), false);

        assertThat(settings.dataDir()).isEqualTo(dir.toAbsolutePath());
        assertThat(settings.httpPort()).isEqualTo(8181);
        assertThat(settings.kafkaPort()).isZero();
        assertThat(settings.kafkaControllerPort()).isEqualTo(LocalSettings.DEFAULT_KAFKA_CONTROLLER_PORT);
        assertThat(settings.s3Port()).isEqualTo(LocalSettings.DEFAULT_S3_PORT);
        assertThat(settings.properties()).isEqualTo(Map.of("pitiserve.worker.threads", "2", "spring.kafka.client-id", "x"));
    }

    @Test
    void aPortOutOfRangeIsAUsageError() {
        assertThat(run("serve", "--http-port", "70000")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--http-port must be a port");
    }

    @Test
    void thePlaygroundAddressCarriesAGeneratedKeyInItsFragmentOnly() {
        LocalCredentials generated = LocalCredentials.load(dir, Map.of());
        String url = StandaloneCommand.playgroundUrl(URI.create("http://127.0.0.1:8080"), generated);
        assertThat(url).isEqualTo("http://127.0.0.1:8080/#key=" + generated.apiKey());
        assertThat(URI.create(url).getRawPath()).isEqualTo("/");
    }

    @Test
    void thePlaygroundAddressNeverShowsAKeyFromTheEnvironment() {
        LocalCredentials fromEnv = LocalCredentials.load(dir, Map.of("PITISERVE_API_KEY", "pk_env_secret"));
        String url = StandaloneCommand.playgroundUrl(URI.create("http://127.0.0.1:8080"), fromEnv);
        assertThat(url).startsWith("http://127.0.0.1:8080/ ").doesNotContain("pk_env_secret").contains("PITISERVE_API_KEY");
    }

    @Test
    void serveSuggestsCommandsThatWorkAsPrintedWithAGeneratedKey() {
        LocalCredentials generated = LocalCredentials.load(dir, Map.of());

        String hint = StandaloneCommand.tryCommands(URI.create("http://127.0.0.1:8080"), generated);

        List<String> lines = hint.lines().toList();
        assertThat(lines.get(1)).isEqualTo("  export PITISERVE_API_KEY=" + generated.apiKey());
        assertThat(lines.get(2)).isEqualTo(
                "  curl -s -H \"Authorization: Bearer $PITISERVE_API_KEY\" http://127.0.0.1:8080/v1/models");
        assertThat(hint).contains("-F input=@" + StandaloneCommand.EXAMPLE_MASK, "http://127.0.0.1:8080/v1/translations");
        assertThat(Path.of("..").resolve(StandaloneCommand.EXAMPLE_MASK)).isRegularFile();
    }

    @Test
    void serveNeverPrintsAKeyFromTheEnvironmentInItsHint() {
        LocalCredentials fromEnv = LocalCredentials.load(dir, Map.of("PITISERVE_API_KEY", "pk_env_secret"));

        String hint = StandaloneCommand.tryCommands(URI.create("http://127.0.0.1:8080"), fromEnv);

        assertThat(hint).doesNotContain("pk_env_secret").doesNotContain("export")
                .contains("$PITISERVE_API_KEY");
    }

    private int run(String... args) {
        return StandaloneCommand.run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }
}
