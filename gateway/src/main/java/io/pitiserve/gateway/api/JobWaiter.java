package io.pitiserve.gateway.api;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.pitiserve.gateway.config.GatewayProperties;
import io.pitiserve.gateway.status.JobUpdates;
import io.pitiserve.gateway.status.JobView;
import io.pitiserve.gateway.status.StatusView;

import org.springframework.stereotype.Component;

/**
 * {@code Prefer: wait=N} (RFC 7240): holds an answer until the job is terminal or N seconds have
 * passed, without holding a servlet thread.
 */
@Component
public class JobWaiter {

    private static final Pattern WAIT = Pattern.compile("(?:^|[,;\\s])wait\\s*=\\s*\"?(\\d{1,6})\"?", Pattern.CASE_INSENSITIVE);

    private final JobUpdates updates;
    private final StatusView statusView;
    private final Duration maxWait;

    public JobWaiter(JobUpdates updates, StatusView statusView, GatewayProperties properties) {
        this.updates = updates;
        this.statusView = statusView;
        this.maxWait = properties.maxWait();
    }

    /** The wait a Prefer header asks for, capped at {@code pitiserve.gateway.max-wait}; zero when none. */
    public Duration requestedWait(String prefer) {
        if (prefer == null) {
            return Duration.ZERO;
        }
        Matcher m = WAIT.matcher(prefer);
        if (!m.find()) {
            return Duration.ZERO;
        }
        Duration wanted = Duration.ofSeconds(Long.parseLong(m.group(1)));
        return wanted.compareTo(maxWait) > 0 ? maxWait : wanted;
    }

    /** Completes with the terminal view, or with the latest view once {@code wait} has passed. */
    public CompletableFuture<JobView> awaitTerminal(JobView current, Duration wait) {
        if (current.terminal() || wait.isZero() || wait.isNegative()) {
            return CompletableFuture.completedFuture(current);
        }
        return firstView(current.jobId(), JobView::terminal, wait)
                .thenApply(view -> view != null ? view : latest(current).orElse(current));
    }

    /**
     * The job's view if it passes {@code wanted}, waiting up to {@code grace} for one: a job another
     * instance accepted a moment ago reaches this instance's status view some milliseconds later.
     * Empty when none arrives in time. A view that fails {@code wanted} (another tenant's) is
     * waited out like a missing one, so the answer's timing does not tell them apart.
     */
    public CompletableFuture<Optional<JobView>> awaitKnown(String jobId, Predicate<JobView> wanted, Duration grace) {
        Optional<JobView> now = statusView.find(jobId).filter(wanted);
        if (now.isPresent() || grace.isZero() || grace.isNegative()) {
            return CompletableFuture.completedFuture(now);
        }
        return firstView(jobId, wanted, grace)
                .thenApply(view -> view != null ? Optional.of(view) : statusView.find(jobId).filter(wanted));
    }

    /**
     * The first view of the job that passes {@code wanted}, from the store or from the updates after
     * it; null once {@code wait} has passed without one. Holds no thread while it waits.
     */
    private CompletableFuture<JobView> firstView(String jobId, Predicate<JobView> wanted, Duration wait) {
        CompletableFuture<JobView> found = new CompletableFuture<>();
        JobUpdates.Subscription subscription = updates.subscribe(jobId, view -> {
            if (wanted.test(view)) {
                found.complete(view);
            }
        });
        // The view may have changed between the caller's read and the subscription.
        try {
            statusView.find(jobId).filter(wanted).ifPresent(found::complete);
        } catch (RuntimeException e) {
            // The store cannot be read now: the updates or the time-out answer.
        }
        return found.completeOnTimeout(null, wait.toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((view, failure) -> subscription.close());
    }

    private Optional<JobView> latest(JobView current) {
        try {
            return statusView.find(current.jobId());
        } catch (RuntimeException e) {
            return Optional.of(current);
        }
    }
}
