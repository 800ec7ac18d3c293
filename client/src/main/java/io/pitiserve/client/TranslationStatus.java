package io.pitiserve.client;

import java.util.Locale;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** Where a translation job stands. A status this client does not know reads as {@link #UNKNOWN}. */
public enum TranslationStatus {
    QUEUED,
    RUNNING,
    SUCCEEDED,
    FAILED,
    CANCELLED,
    /** A status added to the API after this client was built. */
    UNKNOWN;

    /** Whether the job is finished: succeeded, failed or cancelled. */
    public boolean terminal() {
        return this == SUCCEEDED || this == FAILED || this == CANCELLED;
    }

    /** The name on the wire, e.g. {@code succeeded}. */
    @JsonValue
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The status named {@code name} on the wire; {@link #UNKNOWN} for any other name. */
    @JsonCreator
    public static TranslationStatus fromWireName(String name) {
        for (TranslationStatus status : values()) {
            if (status != UNKNOWN && status.wireName().equals(name)) {
                return status;
            }
        }
        return UNKNOWN;
    }
}
