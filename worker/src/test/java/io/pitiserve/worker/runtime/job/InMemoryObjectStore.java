package io.pitiserve.worker.runtime.job;

import io.pitiserve.common.storage.ObjectStore;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;

/** An object store held in memory: what is put is there to get, list and check, with its content type. */
class InMemoryObjectStore implements ObjectStore {

    /** One stored object. */
    record Stored(byte[] bytes, String contentType) {
    }

    private final Map<String, Stored> objects = new ConcurrentSkipListMap<>();

    @Override
    public void put(String key, byte[] bytes, String contentType) {
        objects.put(key, new Stored(bytes.clone(), contentType));
    }

    @Override
    public Optional<byte[]> get(String key) {
        return Optional.ofNullable(objects.get(key)).map(stored -> stored.bytes().clone());
    }

    Stored stored(String key) {
        return objects.get(key);
    }

    @Override
    public boolean exists(String key) {
        return objects.containsKey(key);
    }

    @Override
    public List<String> list(String prefix, int max) {
        return objects.keySet().stream().filter(key -> key.startsWith(prefix)).limit(max).toList();
    }

    @Override
    public URI presignGet(String key, Duration ttl) {
        return URI.create("memory:/" + key);
    }

    @Override
    public boolean reachable() {
        return true;
    }
}
