package io.pitiserve.gateway.tracing;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import io.pitiserve.common.storage.ObjectStore;
import io.pitiserve.common.storage.StoredObject;

/**
 * An object store whose calls made inside a span (a submission's store of its input, a download)
 * are spans of their own in that trace; calls outside any span are not traced.
 */
public final class TracedObjectStore implements ObjectStore {

    private final ObjectStore store;
    private final Tracer tracer;

    public TracedObjectStore(ObjectStore store, Tracer tracer) {
        this.store = store;
        this.tracer = tracer;
    }

    @Override
    public void put(String key, byte[] bytes, String contentType) {
        traced("s3 put", key, () -> {
            store.put(key, bytes, contentType);
            return null;
        });
    }

    @Override
    public Optional<byte[]> get(String key) {
        return traced("s3 get", key, () -> store.get(key));
    }

    @Override
    public Optional<StoredObject> open(String key) {
        return traced("s3 get", key, () -> store.open(key));
    }

    @Override
    public Optional<byte[]> get(String key, long maxBytes) {
        return traced("s3 get", key, () -> store.get(key, maxBytes));
    }

    @Override
    public boolean exists(String key) {
        return traced("s3 head", key, () -> store.exists(key));
    }

    @Override
    public List<String> list(String prefix, int max) {
        return traced("s3 list", prefix, () -> store.list(prefix, max));
    }

    @Override
    public URI presignGet(String key, Duration ttl) {
        return store.presignGet(key, ttl);
    }

    @Override
    public boolean reachable() {
        return store.reachable();
    }

    private <T> T traced(String name, String key, Supplier<T> call) {
        Span parent = tracer.currentSpan();
        if (parent == null) {
            return call.get();
        }
        Span span = tracer.nextSpan(parent).name(name).tag("pitiserve.object_key", key).start();
        try (Tracer.SpanInScope scope = tracer.withSpan(span)) {
            return call.get();
        } catch (RuntimeException e) {
            span.error(e);
            throw e;
        } finally {
            span.end();
        }
    }
}
