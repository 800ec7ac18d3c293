package io.pitiserve.common.storage;

import java.net.URI;

/**
 * How to reach the bucket. {@code endpoint} null means AWS itself; set it (with
 * {@code pathStyle = true}) for MinIO or the embedded s3proxy.
 */
public record S3Settings(URI endpoint, String region, String bucket, String accessKey, String secretKey,
                         boolean pathStyle) {
}
