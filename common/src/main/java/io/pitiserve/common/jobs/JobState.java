package io.pitiserve.common.jobs;

import java.util.Locale;

/**
 * Where a translation job stands. {@link #QUEUED} and {@link #RUNNING} can still change;
 * {@link #SUCCEEDED}, {@link #FAILED} and {@link #CANCELLED} are terminal. On the wire (REST
 * {@code status}, webhooks) a state is its {@link #wireName()}: {@code queued}, {@code running},
 * {@code succeeded}, {@code failed}, {@code cancelled}.
 */
public enum JobState {
    QUEUED,
    RUNNING,
    SUCCEEDED,
    FAILED,
    CANCELLED;

    /** Whether nothing can change this state any more. */
    public boolean terminal() {
        return this == SUCCEEDED || this == FAILED || this == CANCELLED;
    }

    /** The lowercase name used on the wire, e.g. {@code succeeded}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The state of a wire name ({@code queued}, ...), case-insensitive.
     *
     * @throws IllegalArgumentException for any other name
     */
    public static JobState fromWireName(String wireName) {
        if (wireName != null) {
            for (JobState state : values()) {
                if (state.wireName().equalsIgnoreCase(wireName.trim())) {
                    return state;
                }
            }
        }
        throw new IllegalArgumentException("unknown job status '" + wireName
                + "' (expected queued, running, succeeded, failed or cancelled)");
    }
}
