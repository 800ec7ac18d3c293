package io.pitiserve.gateway.config;

import io.pitiserve.common.storage.S3ObjectStore;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The object store holding inputs and results. */
@Configuration(proxyBeanMethods = false)
public class StorageConfiguration {

    private static final Logger log = LoggerFactory.getLogger(StorageConfiguration.class);

    @Bean(destroyMethod = "close")
    S3ObjectStore objectStore(S3Properties s3) {
        S3ObjectStore store = new S3ObjectStore(s3.settings());
        if (s3.createBucket()) {
            try {
                store.ensureBucket();
            } catch (RuntimeException e) {
                // The gateway still starts; readiness reports the store until it answers.
                log.warn("could not create bucket {}: {}", s3.bucket(), e.getMessage());
            }
        }
        return store;
    }
}
