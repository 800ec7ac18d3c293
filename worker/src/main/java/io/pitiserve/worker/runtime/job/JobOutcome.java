package io.pitiserve.worker.runtime.job;

/** How one delivery of a job ended. Every outcome but ABANDONED lets its offset be committed. */
public enum JobOutcome {
    SUCCEEDED, REPLAYED, FAILED, CANCELLED, ABANDONED;

    public String tag() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
