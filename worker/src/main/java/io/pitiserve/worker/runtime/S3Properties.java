package io.pitiserve.worker.runtime;

import io.pitiserve.common.storage.S3Settings;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.net.URI;

/**
 * The bucket holding inputs and results ({@code pitiserve.s3.*}).
 *
 * @param endpoint     null for AWS itself; MinIO or s3proxy otherwise (with {@code path-style: true})
 * @param createBucket whether to create the bucket at start (local mode and tests)
 */
@ConfigurationProperties("pitiserve.s3")
public record S3Properties(
        URI endpoint,
        @DefaultValue("us-east-1") String region,
        @DefaultValue("pitiserve") String bucket,
        String accessKey,
        String secretKey,
        @DefaultValue("false") boolean pathStyle,
        @DefaultValue("false") boolean createBucket) {

    public S3Properties {
        if (bucket == null || bucket.isBlank()) {
            throw new IllegalArgumentException("pitiserve.s3.bucket must not be blank");
        }
    }

    public S3Settings settings() {
        return new S3Settings(endpoint, region, bucket, accessKey, secretKey, pathStyle);
    }
}
