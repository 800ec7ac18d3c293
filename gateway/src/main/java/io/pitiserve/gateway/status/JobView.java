package io.pitiserve.gateway.status;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import io.pitiserve.common.events.JobEvent;
import io.pitiserve.common.events.TranslationCancelled;
import io.pitiserve.common.events.TranslationFailed;
import io.pitiserve.common.events.TranslationParams;
import io.pitiserve.common.events.TranslationProgress;
import io.pitiserve.common.events.TranslationRequested;
import io.pitiserve.common.events.TranslationStarted;
import io.pitiserve.common.events.TranslationSucceeded;
import io.pitiserve.common.jobs.JobState;
import io.pitiserve.common.jobs.JobTransitions;

/**
 * Everything the gateway knows about one job, folded from its events in the status view. The
 * state only moves through {@link JobTransitions}; the other fields are filled by whichever event
 * carries them, in whatever order the request and the worker's events arrive.
 *
 * @param version     how many events changed this view; Server-Sent Events use it to skip stale updates
 * @param fingerprint params + input fingerprint of the accepted request (see {@link Fingerprints})
 * @param model       the model that served the job, from its success; an evaluation's from its request
 *                    on, which always names it
 * @param webhook     where the client wants to be told, from the request; null for none
 * @param kind        the request's kind: translation (also when null) or evaluation
 */
public record JobView(
        String jobId,
        String tenant,
        JobState state,
        long version,
        Instant created,
        Instant started,
        Instant finished,
        Instant updated,
        String fingerprint,
        String inputKey,
        Progress progress,
        int attempt,
        List<TranslationSucceeded.ResultImage> results,
        String model,
        Long seed,
        Map<String, Double> timings,
        List<String> notes,
        Map<String, String> metadata,
        Failure error,
        String cancelReason,
        TranslationParams.Webhook webhook,
        String kind) {

    /** The last progress report: {@code step} of {@code of} steps of {@code stage} are done. */
    public record Progress(String stage, int step, int of) {
    }

    /** Why a job failed: a stable code and a message for developers. */
    public record Failure(String code, String message) {
    }

    public JobView {
        results = results == null ? List.of() : List.copyOf(results);
        notes = notes == null ? List.of() : List.copyOf(notes);
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
        timings = timings == null ? Map.of() : Map.copyOf(timings);
    }

    /** A view of a request just accepted, before the status view has read it back. */
    public static JobView accepted(TranslationRequested request) {
        return apply(null, request);
    }

    /** Whether the job is an evaluation rather than a translation. */
    public boolean evaluation() {
        return TranslationRequested.EVALUATION.equals(kind);
    }

    public boolean terminal() {
        return state != null && state.terminal();
    }

    /**
     * The view after {@code event}; {@code current} null when nothing is known yet. Returns
     * {@code current} itself when the event changes nothing (a repeat, a late progress report, a
     * cancellation request).
     */
    public static JobView apply(JobView current, JobEvent event) {
        JobState before = current == null ? null : current.state();
        JobState after = JobTransitions.next(before, event);
        Builder b = current == null ? new Builder(event.jobId(), event.tenant()) : new Builder(current);
        boolean changed = after != before;
        b.state = after;
        if (event instanceof TranslationRequested r) {
            // May arrive after the worker's first events: fill in what only the request carries.
            if (b.created == null) {
                b.created = r.time();
                b.fingerprint = Fingerprints.of(r.params(), r.inputSha256());
                b.inputKey = r.inputKey();
                if (b.metadata.isEmpty() && r.params().metadata() != null) {
                    b.metadata = r.params().metadata();
                }
                b.webhook = r.params().webhook();
                b.kind = r.kind();
                if (b.model == null && r.evaluation()) {
                    // The model is the evaluation's subject: shown while it is queued or running too.
                    b.model = r.params().model();
                }
                changed = true;
            }
        } else if (event instanceof TranslationStarted s) {
            if (after == JobState.RUNNING && s.attempt() > b.attempt) {
                b.started = b.started == null ? s.time() : b.started;
                b.attempt = s.attempt();
                changed = true;
            }
        } else if (event instanceof TranslationProgress p) {
            if (after == JobState.RUNNING && ahead(b.progress, p)) {
                b.progress = new Progress(p.stage(), p.step(), p.of());
                b.started = b.started == null ? p.time() : b.started;
                changed = true;
            }
        } else if (event instanceof TranslationSucceeded s) {
            if (changed) {
                // Workers do not report the upsampler's last step (Succeeded follows it at once).
                if (b.progress != null && stageRank(b.progress.stage()) == stageRank("upsampler")) {
                    b.progress = new Progress(b.progress.stage(), b.progress.of(), b.progress.of());
                }
                b.finished = s.time();
                b.results = s.results();
                b.model = s.model();
                b.seed = s.seed();
                b.timings = s.timings();
                b.notes = s.notes();
                if (s.metadata() != null && !s.metadata().isEmpty()) {
                    b.metadata = s.metadata();
                }
            }
        } else if (event instanceof TranslationFailed f) {
            if (changed) {
                b.finished = f.time();
                b.error = new Failure(f.code(), f.message());
            }
        } else if (event instanceof TranslationCancelled c) {
            if (changed) {
                b.finished = c.time();
                b.cancelReason = c.reason();
            }
        }
        // A CancellationRequested is a request, not a fact: only a worker's TranslationCancelled cancels.
        if (!changed) {
            return current;
        }
        b.version++;
        b.updated = event.time();
        return b.build();
    }

    /** Stages run base then upsampler; within a stage steps only go forward. */
    private static boolean ahead(Progress current, TranslationProgress p) {
        if (current == null) {
            return true;
        }
        int stageOrder = Integer.compare(stageRank(p.stage()), stageRank(current.stage()));
        return stageOrder > 0 || (stageOrder == 0 && p.step() > current.step());
    }

    private static int stageRank(String stage) {
        return switch (stage == null ? "" : stage) {
            case "encode" -> 0;
            case "base" -> 1;
            case "upsampler", "sr" -> 2;
            default -> 1;
        };
    }

    private static final class Builder {
        private final String jobId;
        private final String tenant;
        private JobState state;
        private long version;
        private Instant created;
        private Instant started;
        private Instant finished;
        private Instant updated;
        private String fingerprint;
        private String inputKey;
        private Progress progress;
        private int attempt;
        private List<TranslationSucceeded.ResultImage> results = List.of();
        private String model;
        private Long seed;
        private Map<String, Double> timings = Map.of();
        private List<String> notes = List.of();
        private Map<String, String> metadata = Map.of();
        private Failure error;
        private String cancelReason;
        private TranslationParams.Webhook webhook;
        private String kind;

        Builder(String jobId, String tenant) {
            this.jobId = jobId;
            this.tenant = tenant;
        }

        Builder(JobView v) {
            this(v.jobId(), v.tenant());
            state = v.state();
            version = v.version();
            created = v.created();
            started = v.started();
            finished = v.finished();
            updated = v.updated();
            fingerprint = v.fingerprint();
            inputKey = v.inputKey();
            progress = v.progress();
            attempt = v.attempt();
            results = v.results();
            model = v.model();
            seed = v.seed();
            timings = v.timings();
            notes = v.notes();
            metadata = v.metadata();
            error = v.error();
            cancelReason = v.cancelReason();
            webhook = v.webhook();
            kind = v.kind();
        }

        JobView build() {
            return new JobView(jobId, tenant, state, version, created, started, finished, updated, fingerprint, inputKey,
                    progress, attempt, results, model, seed, timings, notes, metadata, error, cancelReason, webhook, kind);
        }
    }
}
