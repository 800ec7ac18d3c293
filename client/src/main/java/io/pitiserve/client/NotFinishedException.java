package io.pitiserve.client;

import java.time.Duration;

/** A wait for a job ran out before the job finished; the job goes on. */
public class NotFinishedException extends PitiServeException {

    private static final long serialVersionUID = 1L;

    private final transient Translation last;

    public NotFinishedException(String id, Duration waited, Translation last) {
        super("job " + id + " did not finish within " + waited.toMillis() + " ms"
                + (last == null ? "" : " (last status " + last.status().wireName() + ")"));
        this.last = last;
    }

    /** The last state of the job seen, or null when none was. */
    public Translation last() {
        return last;
    }
}
