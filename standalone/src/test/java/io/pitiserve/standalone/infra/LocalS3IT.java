package io.pitiserve.standalone.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

class LocalS3IT {

    private static final String BUCKET = "pitiserve";

    @TempDir
    Path dataDir;

    @Test
    void anObjectPutThroughTheS3ApiIsReadBackAndSurvivesARestart() {
        LocalS3.Settings settings = new LocalS3.Settings(dataDir, "127.0.0.1", 0, BUCKET, "local", "local-secret");
        try (LocalS3 s3 = LocalS3.start(settings); S3Client client = client(s3, "local-secret")) {
            client.putObject(b -> b.bucket(BUCKET).key("results/tr_1/sample-0.png"),
                    RequestBody.fromString("png bytes"));

            assertThat(client.getObjectAsBytes(b -> b.bucket(BUCKET).key("results/tr_1/sample-0.png")).asUtf8String())
                    .isEqualTo("png bytes");
        }

        try (LocalS3 s3 = LocalS3.start(settings); S3Client client = client(s3, "local-secret")) {
            assertThat(client.getObjectAsBytes(b -> b.bucket(BUCKET).key("results/tr_1/sample-0.png")).asUtf8String())
                    .isEqualTo("png bytes");
        }
    }

    @Test
    void aPresignedUrlDownloadsTheObjectWithAPlainHttpClient() throws Exception {
        LocalS3.Settings settings = new LocalS3.Settings(dataDir, "127.0.0.1", 0, BUCKET, "local", "local-secret");
        try (LocalS3 s3 = LocalS3.start(settings); S3Client client = client(s3, "local-secret");
             S3Presigner presigner = S3Presigner.builder()
                     .endpointOverride(s3.endpoint())
                     .region(Region.US_EAST_1)
                     .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local-secret")))
                     .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build())
                     .build()) {
            client.putObject(b -> b.bucket(BUCKET).key("inputs/local/tr_2"), RequestBody.fromString("mask"));
            URI url = presigner.presignGetObject(p -> p.signatureDuration(Duration.ofMinutes(5))
                    .getObjectRequest(g -> g.bucket(BUCKET).key("inputs/local/tr_2"))).url().toURI();

            HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(url).build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("mask");
        }
    }

    @Test
    void aRequestSignedWithTheWrongSecretIsRefused() {
        LocalS3.Settings settings = new LocalS3.Settings(dataDir, "127.0.0.1", 0, BUCKET, "local", "local-secret");
        try (LocalS3 s3 = LocalS3.start(settings); S3Client client = client(s3, "not-the-secret")) {
            assertThatThrownBy(() -> client.putObject(b -> b.bucket(BUCKET).key("x"), RequestBody.fromString("x")))
                    .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.statusCode()).isEqualTo(403));
        }
    }

    private static S3Client client(LocalS3 s3, String secret) {
        return S3Client.builder()
                .endpointOverride(s3.endpoint())
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", secret)))
                .forcePathStyle(true)
                .build();
    }
}
