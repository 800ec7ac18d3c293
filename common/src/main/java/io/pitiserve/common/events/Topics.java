package io.pitiserve.common.events;

import java.util.regex.Pattern;

/**
 * Topic names; every one shares a configurable prefix ({@code pitiserve.} by default).
 *
 * <p>Requests travel in one lane per model, {@code <prefix>requests.<model>}: a job only reaches a
 * worker that serves its model, and each model's workers scale on their own lane's lag.
 *
 * @param prefix     the prefix of every topic name
 * @param events     every lifecycle fact of a job, key = job id
 * @param control    cancellations, compacted, read by every worker
 * @param deadLetter records that could not be read, kept for people to look at
 * @param models     the model catalogue, compacted: what each worker serves, under a lease
 */
public record Topics(String prefix, String events, String control, String deadLetter, String models) {

    /** The part of a lane's name before the model name. */
    public static final String LANE_INFIX = "requests.";

    public static Topics withPrefix(String prefix) {
        return new Topics(prefix, prefix + "events", prefix + "control", prefix + "dead-letter", prefix + "models");
    }

    public static Topics defaults() {
        return withPrefix("pitiserve.");
    }

    /**
     * The request lane of {@code model}: TranslationRequested, key = job id; its partition count caps
     * the model's busy workers.
     *
     * @throws IllegalArgumentException when the name cannot be part of a topic name
     */
    public String lane(String model) {
        return prefix + LANE_INFIX + ModelNames.requireValid(model);
    }

    /** Every lane, present and future: what the gateway's status view reads requests from. */
    public Pattern lanes() {
        return Pattern.compile(Pattern.quote(prefix + LANE_INFIX) + ModelNames.PATTERN);
    }
}
