package io.pitiserve.gateway.status;

import java.time.Clock;
import java.time.Duration;
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

    private final KeptViews entries;

    public RecentSubmissions(Clock clock) {
        this.entries = new KeptViews(clock, KEEP, CAPACITY);
    }

    public synchronized void remember(JobView view) {
        entries.put(view);
    }

    public synchronized Optional<JobView> find(String jobId) {
        return entries.find(jobId);
    }
}
