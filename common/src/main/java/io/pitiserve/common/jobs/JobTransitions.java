package io.pitiserve.common.jobs;

import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.pitiserve.common.events.CancellationRequested;
import io.pitiserve.common.events.JobEvent;
import io.pitiserve.common.events.TranslationCancelled;
import io.pitiserve.common.events.TranslationFailed;
import io.pitiserve.common.events.TranslationProgress;
import io.pitiserve.common.events.TranslationRequested;
import io.pitiserve.common.events.TranslationStarted;
import io.pitiserve.common.events.TranslationSucceeded;

/**
 * The one table of legal job state changes, and the one function that applies an event to a state.
 *
 * <pre>
 *   QUEUED  -> RUNNING | SUCCEEDED | FAILED | CANCELLED
 *   RUNNING -> SUCCEEDED | FAILED | CANCELLED
 *   SUCCEEDED, FAILED, CANCELLED -> nothing (terminal)
 * </pre>
 *
 * Delivery is at-least-once, so {@link #next} never fails: an event that repeats a transition
 * already applied (a redelivered Started), that would move a job backwards (a Requested after
 * Started) or that arrives after a terminal state (a late Progress, a second terminal event)
 * leaves the state as it is. QUEUED may jump straight to a terminal state because a job can fail
 * validation or be cancelled before it starts, and because the first Started of a job may be lost
 * with a crashed worker while a later attempt finishes it.
 */
public final class JobTransitions {

    private static final Map<JobState, Set<JobState>> LEGAL = new EnumMap<>(JobState.class);

    static {
        LEGAL.put(JobState.QUEUED, EnumSet.of(JobState.RUNNING, JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED));
        LEGAL.put(JobState.RUNNING, EnumSet.of(JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED));
        LEGAL.put(JobState.SUCCEEDED, EnumSet.noneOf(JobState.class));
        LEGAL.put(JobState.FAILED, EnumSet.noneOf(JobState.class));
        LEGAL.put(JobState.CANCELLED, EnumSet.noneOf(JobState.class));
    }

    private JobTransitions() {
    }

    /**
     * The state after {@code event}. {@code current} null means nothing is known of the job yet
     * (a status view that starts reading mid-stream): the event's own state is taken as is.
     * A {@link CancellationRequested} is a request, not a fact, and changes nothing; only a
     * {@link TranslationCancelled} cancels. Illegal or repeated transitions return {@code current}.
     */
    public static JobState next(JobState current, JobEvent event) {
        Optional<JobState> target = target(event);
        if (target.isEmpty()) {
            return current;
        }
        if (current == null) {
            return target.get();
        }
        return legal(current, target.get()) ? target.get() : current;
    }

    /** Whether {@code from -> to} is in the table; staying in the same state is not a transition. */
    public static boolean legal(JobState from, JobState to) {
        return from != null && to != null && LEGAL.get(from).contains(to);
    }

    /** The states {@code from} may move to; empty for terminal states. */
    public static Set<JobState> allowedFrom(JobState from) {
        return Set.copyOf(LEGAL.get(from));
    }

    /**
     * The state an event moves a job towards: Requested -> QUEUED, Started and Progress -> RUNNING,
     * Succeeded, Failed, Cancelled -> their terminal state; empty for a CancellationRequested.
     */
    public static Optional<JobState> target(JobEvent event) {
        if (event == null) {
            return Optional.empty();
        }
        if (event instanceof TranslationRequested) {
            return Optional.of(JobState.QUEUED);
        } else if (event instanceof TranslationStarted || event instanceof TranslationProgress) {
            return Optional.of(JobState.RUNNING);
        } else if (event instanceof TranslationSucceeded) {
            return Optional.of(JobState.SUCCEEDED);
        } else if (event instanceof TranslationFailed) {
            return Optional.of(JobState.FAILED);
        } else if (event instanceof TranslationCancelled) {
            return Optional.of(JobState.CANCELLED);
        } else if (event instanceof CancellationRequested) {
            return Optional.empty();
        }
        throw new IllegalArgumentException("unhandled event " + event.getClass().getName());
    }
}
