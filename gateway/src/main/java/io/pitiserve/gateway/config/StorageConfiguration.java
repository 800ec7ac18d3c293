package io.pitiserve.gateway.config;

import io.pitiserve.common.storage.S3Properties;
import io.pitiserve.common.storage.ObjectStore;
import io.pitiserve.common.storage.S3ObjectStore;
import io.pitiserve.gateway.tracing.GatewayTracing;
import io.pitiserve.gateway.tracing.TracedObjectStore;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;
import org.springframework.core.env.Environment;

/** The object store holding inputs and results. */
@Configuration(proxyBeanMethods = false)
public class StorageConfiguration {

    private static final Logger log = LoggerFactory.getLogger(StorageConfiguration.class);

    /** {@code pitiserve.s3.*}, the same record the worker binds. */
    @Bean
    S3Properties s3Properties(Environment environment) {
        return Binder.get(environment).bindOrCreate(S3Properties.PREFIX, S3Properties.class);
    }

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

    /** What the gateway's code uses: the store, its calls within a request's trace traced. */
    @Bean
    @Primary
    ObjectStore tracedObjectStore(S3ObjectStore objectStore, GatewayTracing tracing) {
        return new TracedObjectStore(objectStore, tracing.tracer());
    }
}
