package io.pitiserve.common.consumption;

import java.time.Duration;

/**
 * How a {@link ConsumptionLoop} runs.
 *
 * @param name         the polling thread's name
 * @param handlerNames the handler threads' names, numbered from 1: {@code handlerNames-1}, ...
 * @param threads      handler threads
 * @param maxInFlight  records started and not done at most; every partition is paused at this bound
 * @param resumeAt     once paused at the bound, partitions resume when no more than this many are in flight
 * @param pollTimeout  how long one poll waits for records
 * @param drainTimeout how long a revocation or a shutdown waits for the records in flight
 * @param daemon       whether the polling thread is a daemon
 */
public record ConsumptionSettings(String name, String handlerNames, int threads, int maxInFlight, int resumeAt,
                                  Duration pollTimeout, Duration drainTimeout, boolean daemon) {

    public ConsumptionSettings {
        if (threads < 1 || maxInFlight < threads || resumeAt < 0 || resumeAt >= maxInFlight) {
            throw new IllegalArgumentException("need 1 <= threads <= maxInFlight and 0 <= resumeAt < maxInFlight, got "
                    + threads + ", " + maxInFlight + ", " + resumeAt);
        }
    }
}
