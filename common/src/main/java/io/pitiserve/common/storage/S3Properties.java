package io.pitiserve.common.storage;

import java.net.URI;

/**
 * The bucket holding inputs and results, configured as {@value #PREFIX}{@code .*} in the gateway and
 * the worker alike (each binds it with Spring's {@code Binder}; this record carries no Spring type).
 *
 * @param endpoint     null for AWS itself; MinIO or s3proxy otherwise (with {@code path-style: true})
 * @param region       the bucket's region ({@value S3ObjectStore#DEFAULT_REGION} when not set)
 * @param bucket       the bucket ({@value #DEFAULT_BUCKET} when not set; never blank)
 * @param createBucket whether to create the bucket at start when missing (local mode and tests)
 */
public record S3Properties(
        URI endpoint,
        String region,
        String bucket,
        String accessKey,
        String secretKey,
        boolean pathStyle,
        boolean createBucket) {

    /** The configuration prefix. */
    public static final String PREFIX = "pitiserve.s3";
    public static final String DEFAULT_BUCKET = "pitiserve";

    public S3Properties {
        region = region == null || region.isBlank() ? S3ObjectStore.DEFAULT_REGION : region;
        bucket = bucket == null ? DEFAULT_BUCKET : bucket;
        if (bucket.isBlank()) {
            throw new IllegalArgumentException(PREFIX + ".bucket must not be blank");
        }
    }

    public S3Settings settings() {
        return new S3Settings(endpoint, region, bucket, accessKey, secretKey, pathStyle);
    }
}
