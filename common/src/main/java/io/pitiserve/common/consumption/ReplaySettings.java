package io.pitiserve.common.consumption;

import java.time.Duration;

/**
 * How a {@link TopicReplay} runs.
 *
 * @param name        the polling thread's name
 * @param pollTimeout how long one poll waits for records; with nothing new on the topic also how long a
 *                    catch-up that no waiter cut short may take to notice it has caught up
 * @param daemon      whether the polling thread is a daemon
 */
public record ReplaySettings(String name, Duration pollTimeout, boolean daemon) {

    public ReplaySettings {
        if (pollTimeout.isNegative() || pollTimeout.isZero()) {
            throw new IllegalArgumentException("the poll timeout must be positive, got " + pollTimeout);
        }
    }
}
