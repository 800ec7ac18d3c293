package io.pitiserve.common.consumption;

import java.time.Duration;
import java.util.function.Supplier;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The thread a consumption mode polls on, the one owner of its consumer: it creates the consumer, runs
 * the mode's body with it and closes it after. {@link #stop} wakes the consumer out of any blocking call
 * and waits for the thread. A body that fails on Kafka either ends the thread or, when the mode asks for
 * it, starts over with a new consumer after a pause; any other failure ends the thread.
 */
final class PollingThread {

    /** What the thread does with its consumer; returns once {@link #running()} turns false. */
    @FunctionalInterface
    interface Body {
        void run(Consumer<byte[], byte[]> consumer);
    }

    private static final Logger log = LoggerFactory.getLogger(PollingThread.class);

    private final String name;
    private final boolean daemon;
    private final Supplier<Consumer<byte[], byte[]>> consumers;
    private final Duration restartAfter;
    private final String whenStopped;
    private final Object pause = new Object();

    private volatile boolean running;
    private volatile Consumer<byte[], byte[]> consumer;
    private Thread thread;

    /**
     * @param restartAfter how long to wait before starting over after a Kafka failure; null: such a failure
     *                     ends the thread
     * @param whenStopped  what it means that the thread ended on a failure, for the log
     */
    PollingThread(String name, boolean daemon, Supplier<Consumer<byte[], byte[]>> consumers, Duration restartAfter,
                  String whenStopped) {
        this.name = name;
        this.daemon = daemon;
        this.consumers = consumers;
        this.restartAfter = restartAfter;
        this.whenStopped = whenStopped;
    }

    /**
     * Starts the thread unless it runs; {@code onExit} runs on it last.
     *
     * @throws IllegalStateException when the thread of an earlier start is still ending (its stop gave
     *                               up waiting): two threads would share one mode's state
     */
    synchronized void start(Body body, Runnable onExit) {
        if (running) {
            return;
        }
        if (thread != null && thread.isAlive()) {
            throw new IllegalStateException(name + " is still stopping; start it again once it has ended");
        }
        running = true;
        thread = new Thread(() -> run(body, onExit), name);
        thread.setDaemon(daemon);
        thread.start();
    }

    /** Asks the thread to stop, wakes its consumer and waits up to {@code join} for it to end. */
    void stop(Duration join) {
        stop(join, () -> { });
    }

    /**
     * Like {@link #stop(Duration)}, and runs {@code wakeOthers} once the thread has been told to stop:
     * it wakes whatever else the body may block in (another consumer of its own).
     */
    void stop(Duration join, Runnable wakeOthers) {
        running = false;
        wakeup();
        wakeOthers.run();
        synchronized (pause) {
            pause.notifyAll();
        }
        Thread t;
        synchronized (this) {
            t = thread;
        }
        if (t != null && t != Thread.currentThread()) {
            try {
                t.join(join.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    boolean running() {
        return running;
    }

    /** Cuts the consumer's current (or next) blocking call short with a {@code WakeupException}. */
    void wakeup() {
        Consumer<byte[], byte[]> current = consumer;
        if (current != null) {
            current.wakeup();
        }
    }

    /** Waits up to {@code duration}, or less when stopped. */
    void sleep(Duration duration) {
        long deadline = System.nanoTime() + duration.toNanos();
        synchronized (pause) {
            long left;
            while (running && (left = deadline - System.nanoTime()) > 0) {
                try {
                    pause.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private void run(Body body, Runnable onExit) {
        try {
            while (running) {
                try (Consumer<byte[], byte[]> c = consumers.get()) {
                    consumer = c;
                    body.run(c);
                    return;
                } catch (KafkaException | IllegalStateException e) {
                    if (!running) {
                        if (!(e instanceof WakeupException)) {
                            log.warn("{} failed while stopping; {}", name, whenStopped, e);
                        }
                        return;
                    }
                    if (restartAfter == null) {
                        log.error("{} stopped on a Kafka error; {}", name, whenStopped, e);
                        return;
                    }
                    if (Thread.currentThread().isInterrupted()) {
                        log.warn("{} was interrupted; {}", name, whenStopped);
                        return; // a restart would fail at once on the next consumer
                    }
                    log.warn("{} failed, starting over in {}: {}", name, restartAfter, e.toString());
                } catch (RuntimeException e) {
                    log.error("{} stopped unexpectedly; {}", name, whenStopped, e);
                    return;
                } finally {
                    consumer = null;
                }
                sleep(restartAfter);
            }
        } finally {
            running = false;
            onExit.run();
        }
    }
}
