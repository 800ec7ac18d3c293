package io.pitiserve.common.events;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** The logical CloudEvents types of every event; the wire never carries class names. */
public final class EventTypes {

    public static final String REQUESTED = "io.pitiserve.translation.requested.v1";
    public static final String STARTED = "io.pitiserve.translation.started.v1";
    public static final String PROGRESS = "io.pitiserve.translation.progress.v1";
    public static final String SUCCEEDED = "io.pitiserve.translation.succeeded.v1";
    public static final String FAILED = "io.pitiserve.translation.failed.v1";
    public static final String CANCELLED = "io.pitiserve.translation.cancelled.v1";
    public static final String CANCELLATION_REQUESTED = "io.pitiserve.translation.cancellation_requested.v1";

    static final Map<String, Class<? extends JobEvent>> CLASSES = Map.of(
            REQUESTED, TranslationRequested.class,
            STARTED, TranslationStarted.class,
            PROGRESS, TranslationProgress.class,
            SUCCEEDED, TranslationSucceeded.class,
            FAILED, TranslationFailed.class,
            CANCELLED, TranslationCancelled.class,
            CANCELLATION_REQUESTED, CancellationRequested.class);

    private EventTypes() {
    }

    static String typeOf(Class<?> type) {
        for (Map.Entry<String, Class<? extends JobEvent>> entry : CLASSES.entrySet()) {
            if (entry.getValue() == type) {
                return entry.getKey();
            }
        }
        throw new IllegalArgumentException("not an event class: " + type.getName());
    }

    /** Every known CloudEvents type, sorted. */
    public static Set<String> all() {
        return java.util.Collections.unmodifiableSet(new TreeSet<>(CLASSES.keySet()));
    }

    /**
     * The class-path resource holding the JSON Schema (draft 2020-12) of a type's payload, e.g.
     * {@code pitiserve/schemas/io.pitiserve.translation.succeeded.v1.json}.
     *
     * @throws IllegalArgumentException for an unknown type
     */
    public static String schemaResource(String type) {
        if (!CLASSES.containsKey(type)) {
            throw new IllegalArgumentException("unknown event type '" + type + "'");
        }
        return "pitiserve/schemas/" + type + ".json";
    }

    /** The event class of a CloudEvents type, or null when the type is unknown. */
    public static Class<? extends JobEvent> classOf(String type) {
        return CLASSES.get(type);
    }
}
