package io.pitiserve.gateway.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * Where an integration test's gateway keeps its files: under the module's {@code target/}, which a
 * build cleans, rather than in the system's temporary directory, where every run would leave its
 * status view state and Tomcat's base directory behind.
 */
public final class ItDirectories {

    private ItDirectories() {
    }

    /** A fresh directory under {@code target/it-state}, named with {@code prefix}. */
    public static Path create(String prefix) {
        try {
            Path root = Files.createDirectories(Path.of("target", "it-state"));
            return Files.createTempDirectory(root, prefix).toAbsolutePath();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A fresh directory for one gateway: its status view state in it, Tomcat's base directory
     * below it.
     *
     * @return the state directory
     */
    public static Path registerGatewayDirectories(DynamicPropertyRegistry registry, String prefix) {
        Path state = create(prefix);
        registry.add("pitiserve.gateway.state-dir", state::toString);
        registry.add("server.tomcat.basedir", () -> state.resolve("tomcat").toString());
        return state;
    }
}
