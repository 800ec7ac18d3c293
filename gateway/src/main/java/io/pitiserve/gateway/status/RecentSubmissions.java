package io.pitiserve.gateway.status;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import org.springframework.stereotype.Component;

/**
 * Jobs this instance accepted in the last minute, as queued views. The status view reads a job back
 * from Kafka a few hundred milliseconds after its request was acknowledged; until then this bridge
 * lets the client that just got 202 read its job (and retry it with the same Idempotency-Key)
 * without a 404. It is never the store of record: a view in the status view always wins.
 */
@Component
public class RecentSubmissions {

    private static final int CAPACITY = 10_000;
    private static final Duration KEEP = Duration.ofMinutes(1);

    private record Entry(JobView view, Instant added) {
    }

    private final Clock clock;
    private final Map<String, Entry> entries = new LinkedHashMap<>(256, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
            return size() > CAPACITY;
        }
    };

    public RecentSubmissions() {
        this(Clock.systemUTC());
    }

    RecentSubmissions(Clock clock) {
        this.clock = clock;
    }

    public synchronized void remember(JobView view) {
        entries.put(view.jobId(), new Entry(view, clock.instant()));
    }

    public synchronized Optional<JobView> find(String jobId) {
        Entry entry = entries.get(jobId);
        if (entry == null) {
            return Optional.empty();
        }
        if (entry.added().plus(KEEP).isBefore(clock.instant())) {
            entries.remove(jobId);
            return Optional.empty();
        }
        return Optional.of(entry.view());
    }
}
