package io.pitiserve.client.example;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

/** The README's "Use from Java" example is {@link TranslateMask}, word for word. */
class ReadmeExampleTest {

    @Test
    void theReadmeQuotesTheExampleFromItsImportsToItsEnd() throws Exception {
        String source = Files.readString(Path.of("src/test/java/io/pitiserve/client/example/TranslateMask.java"));
        String readme = Files.readString(Path.of("../README.md"));
        String quoted = source.substring(source.indexOf("\nimport ") + 1);

        assertThat(readme).as("README.md, section \"Use from Java\": paste TranslateMask.java from its first"
                + " import to its end").contains("```java\n" + quoted + "```\n");
    }
}
