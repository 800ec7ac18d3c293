package io.pitiserve.gateway.quota;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

import io.pitiserve.gateway.status.JobView;

/**
 * The jobs of every tenant that are queued or running, as this gateway instance knows them.
 *
 * <p>Every instance reads every job's view (the status view's global store), so every instance
 * counts every tenant's jobs, whichever instance accepted them; an instance also counts a job it
 * accepts at once, before the view comes back from Kafka. Two instances admitting a tenant's jobs
 * in the same few milliseconds may together exceed the limit by one job each. After a restart an
 * instance counts a job from its next update on (a running job reports progress every step).
 *
 * <p>A finished job is remembered for {@code forgetAfter}, so that a late, older view of it (the
 * instance's own fold and the global store both report a change) does not count it again. A job
 * admitted here whose view never arrives within {@code forgetAfter} (its submission failed after
 * admission) stops counting then.
 */
final class InFlightJobs {

    private record Tracked(String tenant, long version, boolean terminal, Instant seen) {
    }

    private final Map<String, Tracked> jobs = new HashMap<>();
    private final Map<String, Integer> inFlight = new HashMap<>();
    private final Clock clock;
    private final Duration forgetAfter;
    private Instant lastSweep;

    InFlightJobs(Clock clock, Duration forgetAfter) {
        this.clock = clock;
        this.forgetAfter = forgetAfter;
        this.lastSweep = clock.instant();
    }

    /** Counts {@code jobId} for {@code tenant} if fewer than {@code limit} are in flight; false otherwise. */
    synchronized boolean tryAdmit(String tenant, String jobId, int limit) {
        if (jobs.containsKey(jobId)) {
            return true;
        }
        sweep();
        if (count(tenant) >= limit) {
            return false;
        }
        track(jobId, new Tracked(tenant, -1, false, clock.instant()));
        return true;
    }

    /** Forgets a job admitted by {@link #tryAdmit} that was then not accepted after all. */
    synchronized void release(String jobId) {
        Tracked tracked = jobs.get(jobId);
        if (tracked != null && tracked.version() < 0 && !tracked.terminal()) {
            track(jobId, null);
        }
    }

    /** Applies a job's newer view; an older one than already seen changes nothing. */
    synchronized void apply(JobView view) {
        Tracked known = jobs.get(view.jobId());
        if (known != null && known.version() > view.version()) {
            return;
        }
        if (known != null && known.terminal()) {
            return;
        }
        track(view.jobId(), new Tracked(view.tenant(), view.version(), view.terminal(), clock.instant()));
        sweep();
    }

    synchronized int count(String tenant) {
        return inFlight.getOrDefault(tenant, 0);
    }

    private void track(String jobId, Tracked now) {
        Tracked before = now == null ? jobs.remove(jobId) : jobs.put(jobId, now);
        if (before != null && !before.terminal()) {
            inFlight.merge(before.tenant(), -1, (a, b) -> a + b == 0 ? null : a + b);
        }
        if (now != null && !now.terminal()) {
            inFlight.merge(now.tenant(), 1, Integer::sum);
        }
    }

    private void sweep() {
        Instant now = clock.instant();
        if (Duration.between(lastSweep, now).compareTo(forgetAfter) < 0) {
            return;
        }
        lastSweep = now;
        Instant before = now.minus(forgetAfter);
        for (Iterator<Tracked> it = jobs.values().iterator(); it.hasNext(); ) {
            Tracked tracked = it.next();
            if ((tracked.terminal() || tracked.version() < 0) && tracked.seen().isBefore(before)) {
                if (!tracked.terminal()) {
                    inFlight.merge(tracked.tenant(), -1, (a, b) -> a + b == 0 ? null : a + b);
                }
                it.remove();
            }
        }
    }
}
