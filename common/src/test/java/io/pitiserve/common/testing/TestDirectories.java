package io.pitiserve.common.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Directories for what a test's servers write (status view state, Tomcat's base directory): under
 * the module's {@code target/it-state}, which a build cleans, rather than the system's temporary
 * directory, where every run would leave them behind.
 */
public final class TestDirectories {

    private TestDirectories() {
    }

    /** A fresh directory under {@code target/it-state}, named with {@code prefix}. */
    public static Path fresh(String prefix) {
        try {
            Path root = Files.createDirectories(Path.of("target", "it-state"));
            return Files.createTempDirectory(root, prefix).toAbsolutePath();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
