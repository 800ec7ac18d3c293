package io.pitiserve.gateway.status;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Tells this instance's waiting requests and event streams that a job's view changed. Fed by the
 * status view's global store as it applies each update, so it works for every job on every
 * instance. Listeners run on the status view's thread and must not block.
 */
@Component
public class JobUpdates {

    private static final Logger log = LoggerFactory.getLogger(JobUpdates.class);

    private final Map<String, Set<Consumer<JobView>>> listeners = new ConcurrentHashMap<>();
    private final Set<Consumer<JobView>> everyJob = new CopyOnWriteArraySet<>();

    /** Calls {@code listener} with every later view of every job (e.g. to count a tenant's jobs in flight). */
    public void subscribeAll(Consumer<JobView> listener) {
        everyJob.add(listener);
    }

    /** Calls {@code listener} with every later view of {@code jobId} until the returned handle is closed. */
    public Subscription subscribe(String jobId, Consumer<JobView> listener) {
        listeners.computeIfAbsent(jobId, id -> new CopyOnWriteArraySet<>()).add(listener);
        return () -> listeners.computeIfPresent(jobId, (id, set) -> {
            set.remove(listener);
            return set.isEmpty() ? null : set;
        });
    }

    void publish(JobView view) {
        tell(everyJob, view);
        Set<Consumer<JobView>> set = listeners.get(view.jobId());
        if (set != null) {
            tell(set, view);
        }
    }

    private static void tell(Set<Consumer<JobView>> set, JobView view) {
        for (Consumer<JobView> listener : set) {
            try {
                listener.accept(view);
            } catch (RuntimeException e) {
                log.warn("a listener of job {} failed", view.jobId(), e);
            }
        }
    }

    /** Stops a subscription; closing twice is harmless. */
    @FunctionalInterface
    public interface Subscription extends AutoCloseable {
        @Override
        void close();
    }
}
