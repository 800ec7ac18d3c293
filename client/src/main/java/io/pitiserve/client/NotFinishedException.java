package io.pitiserve.client;

import java.time.Duration;

/** A wait for a job ran out before the job finished; the job goes on. */
public class NotFinishedException extends PitiServeException {

    private static final long serialVersionUID = 1L;

    private final transient Object last;

    public NotFinishedException(String id, Duration waited, Translation last) {
        this(id, waited, last == null ? null : last.status(), last);
    }

    public NotFinishedException(String id, Duration waited, Evaluation last) {
        this(id, waited, last == null ? null : last.status(), last);
    }

    private NotFinishedException(String id, Duration waited, TranslationStatus status, Object last) {
        super("job " + id + " did not finish within " + waited.toMillis() + " ms"
                + (status == null ? "" : " (last status " + status.wireName() + ")"));
        this.last = last;
    }

    /** The last state of the translation seen, or null when none was (or the job is an evaluation). */
    public Translation last() {
        return last instanceof Translation translation ? translation : null;
    }

    /** The last state of the evaluation seen, or null when none was (or the job is a translation). */
    public Evaluation lastEvaluation() {
        return last instanceof Evaluation evaluation ? evaluation : null;
    }
}
