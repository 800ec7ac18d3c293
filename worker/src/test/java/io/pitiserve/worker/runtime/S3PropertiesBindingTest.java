package io.pitiserve.worker.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.Map;

import io.pitiserve.common.storage.S3Properties;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** {@code pitiserve.s3.*} as the worker and the gateway bind it: the shared record through Spring's Binder. */
class S3PropertiesBindingTest {

    private static S3Properties bind(Map<String, String> properties) {
        return new Binder(new MapConfigurationPropertySource(properties))
                .bindOrCreate(S3Properties.PREFIX, S3Properties.class);
    }

    @Test
    void nothingConfiguredMeansAwsItselfWithTheDefaultBucketAndRegion() {
        S3Properties s3 = bind(Map.of());

        assertThat(s3.endpoint()).isNull();
        assertThat(s3.bucket()).isEqualTo("pitiserve");
        assertThat(s3.region()).isEqualTo("us-east-1");
        assertThat(s3.pathStyle()).isFalse();
        assertThat(s3.createBucket()).isFalse();
    }

    @Test
    void kebabCaseKeysBindEveryMember() {
        S3Properties s3 = bind(Map.of("pitiserve.s3.endpoint", "http://127.0.0.1:9000", "pitiserve.s3.bucket", "b1",
                "pitiserve.s3.region", "eu-west-1", "pitiserve.s3.access-key", "ak", "pitiserve.s3.secret-key", "sk",
                "pitiserve.s3.path-style", "true", "pitiserve.s3.create-bucket", "true"));

        assertThat(s3).isEqualTo(new S3Properties(URI.create("http://127.0.0.1:9000"), "eu-west-1", "b1", "ak", "sk",
                true, true));
        assertThat(s3.settings().bucket()).isEqualTo("b1");
    }

    @Test
    void aBlankBucketIsRefusedAtStart() {
        assertThatThrownBy(() -> bind(Map.of("pitiserve.s3.bucket", " ")))
                .isInstanceOf(BindException.class)
                .rootCause().hasMessageContaining("pitiserve.s3.bucket must not be blank");
    }
}
