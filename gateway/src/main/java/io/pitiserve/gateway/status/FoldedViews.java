package io.pitiserve.gateway.status;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

import org.springframework.stereotype.Component;

/**
 * Views this instance has just folded and sent to the job-views topic, until its global store has
 * read them back. The instance that folds a job tells its waiting clients at once instead of after
 * that round trip, and its reads answer with the same view, so that a client never reads an older
 * state from the instance that just told it a newer one. A view folded here is exactly what the
 * global store receives next (same events, same fold, same version); the global store stays the
 * store of record, and a view in it as new or newer always wins.
 */
@Component
public class FoldedViews {

    private static final int CAPACITY = 10_000;
    // The global store reads a view back within milliseconds; this only bounds what a lost write leaves.
    private static final Duration KEEP = Duration.ofMinutes(1);

    private final KeptViews entries;

    public FoldedViews(Clock clock) {
        this.entries = new KeptViews(clock, KEEP, CAPACITY);
    }

    /** Keeps {@code view} unless the same or a newer version of the job is kept already; true when kept. */
    public synchronized boolean folded(JobView view) {
        Optional<JobView> known = entries.find(view.jobId());
        if (known.isPresent() && known.get().version() >= view.version()) {
            return false;
        }
        entries.put(view);
        return true;
    }

    /** The global store now holds {@code stored}: forget what it has caught up with. */
    public synchronized void stored(JobView stored) {
        Optional<JobView> known = entries.find(stored.jobId());
        if (known.isPresent() && known.get().version() <= stored.version()) {
            entries.remove(stored.jobId());
        }
    }

    /** The view folded here if it is newer than {@code stored} (null: none stored). */
    public synchronized Optional<JobView> newerThan(String jobId, JobView stored) {
        return entries.find(jobId).filter(view -> stored == null || view.version() > stored.version());
    }
}
