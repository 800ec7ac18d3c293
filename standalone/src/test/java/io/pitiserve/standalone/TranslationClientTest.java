package io.pitiserve.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TranslationClientTest {

    private static final byte[] RESULT = "a result smaller than the file it replaces".getBytes();

    @TempDir
    Path dir;

    private HttpServer server;
    private URI base;

    @BeforeEach
    void serve() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/result.png", exchange -> {
            exchange.sendResponseHeaders(200, RESULT.length);
            try (OutputStream body = exchange.getResponseBody()) {
                body.write(RESULT);
            }
        });
        server.createContext("/gone.png", exchange -> {
            exchange.sendResponseHeaders(404, -1);
            exchange.close();
        });
        server.start();
        base = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void aDownloadReplacesALargerFileFromAnEarlierRunWhole() throws IOException {
        Path target = dir.resolve("sample-0.png");
        Files.write(target, new byte[10_000]);

        new TranslationClient(base, "key").download(base.resolve("/result.png"), target);

        assertThat(Files.readAllBytes(target)).isEqualTo(RESULT);
        assertThat(dir.resolve("sample-0.png.part")).doesNotExist();
    }

    @Test
    void aFailedDownloadKeepsTheFileThatWasThereAndLeavesNoPartialFile() throws IOException {
        Path target = dir.resolve("sample-0.png");
        byte[] earlier = {1, 2, 3};
        Files.write(target, earlier);

        assertThatThrownBy(() -> new TranslationClient(base, "key").download(base.resolve("/gone.png"), target))
                .isInstanceOf(TranslationClient.ApiException.class)
                .hasMessageContaining("HTTP 404");

        assertThat(Files.readAllBytes(target)).isEqualTo(earlier);
        assertThat(dir.resolve("sample-0.png.part")).doesNotExist();
    }
}
