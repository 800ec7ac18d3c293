package io.pitiserve.gateway.status;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * At most {@code capacity} job views kept for {@code keep} after they were put, the oldest dropped
 * first. Not thread-safe: its owners synchronise.
 */
final class KeptViews {

    private record Entry(JobView view, Instant added) {
    }

    private final Clock clock;
    private final Duration keep;
    private final Map<String, Entry> entries;

    KeptViews(Clock clock, Duration keep, int capacity) {
        this.clock = clock;
        this.keep = keep;
        this.entries = new LinkedHashMap<>(256, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
                return size() > capacity;
            }
        };
    }

    void put(JobView view) {
        entries.put(view.jobId(), new Entry(view, clock.instant()));
    }

    void remove(String jobId) {
        entries.remove(jobId);
    }

    /** The view kept for the job, unless it was put longer ago than {@code keep} (then it is dropped). */
    Optional<JobView> find(String jobId) {
        Entry entry = entries.get(jobId);
        if (entry == null) {
            return Optional.empty();
        }
        if (entry.added().plus(keep).isBefore(clock.instant())) {
            entries.remove(jobId);
            return Optional.empty();
        }
        return Optional.of(entry.view());
    }
}
