package io.pitiserve.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalCredentialsTest {

    private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    @TempDir
    Path dataDir;

    @Test
    void generatedCredentialsAreKeptPrivatelyAndReusedAfterARestart() throws Exception {
        LocalCredentials first = LocalCredentials.load(dataDir, Map.of());
        LocalCredentials second = LocalCredentials.load(dataDir, Map.of());

        assertThat(second).usingRecursiveComparison().isEqualTo(first);
        assertThat(first.apiKey()).startsWith("pk_local_");
        assertThat(LocalCredentials.isWebhookSecret(first.webhookSecret())).isTrue();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dataDir.resolve("credentials.properties"))))
                .isEqualTo("rw-------");
    }

    @Test
    void theEnvironmentChoosesTheApiKeyAndWebhookSecret() {
        LocalCredentials credentials = LocalCredentials.load(dataDir,
                Map.of("PITISERVE_API_KEY", "my-key", "PITISERVE_WEBHOOK_SECRET", SECRET));

        assertThat(credentials.apiKey()).isEqualTo("my-key");
        assertThat(credentials.apiKeySource()).isEqualTo("PITISERVE_API_KEY");
        assertThat(credentials.webhookSecret()).isEqualTo(SECRET);
        assertThat(credentials.apiKeySha256())
                .isEqualTo("5e78863ed1ffb9fc66b1d61634b126bf8eb20267e7996297eeeb9b19c8c0f732");
    }

    @Test
    void theFileNeverHoldsAKeyOrSecretOtherThanTheOnesInUse() throws Exception {
        LocalCredentials.load(dataDir, Map.of());

        LocalCredentials credentials = LocalCredentials.load(dataDir,
                Map.of("PITISERVE_API_KEY", "my-key", "PITISERVE_WEBHOOK_SECRET", SECRET));

        java.util.Properties file = new java.util.Properties();
        try (var in = Files.newBufferedReader(dataDir.resolve("credentials.properties"))) {
            file.load(in);
        }
        assertThat(file).doesNotContainKeys("api-key", "webhook-secret")
                .containsEntry("s3-secret-key", credentials.s3SecretKey());
    }

    @Test
    void aWebhookSecretThatIsNotWhsecBase64IsRefused() {
        assertThatThrownBy(() -> LocalCredentials.load(dataDir, Map.of("PITISERVE_WEBHOOK_SECRET", "hunter2")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("PITISERVE_WEBHOOK_SECRET");
    }

    @Test
    void theSecretsNeverAppearInToString() {
        LocalCredentials credentials = LocalCredentials.load(dataDir, Map.of("PITISERVE_API_KEY", "my-key"));

        assertThat(credentials.toString()).doesNotContain("my-key").doesNotContain(credentials.s3SecretKey());
    }
}
