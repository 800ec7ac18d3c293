package io.pitiserve.gateway.config;

import java.net.URI;

import io.pitiserve.common.storage.S3Settings;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The bucket holding inputs and results, prefix {@code pitiserve.s3}. Without an endpoint the AWS
 * SDK's defaults apply (AWS itself); MinIO and the embedded s3proxy need an endpoint and path style.
 *
 * @param createBucket whether to create the bucket at start-up when missing (local mode, tests)
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

    public S3Settings settings() {
        return new S3Settings(endpoint, region, bucket, accessKey, secretKey, pathStyle);
    }
}
