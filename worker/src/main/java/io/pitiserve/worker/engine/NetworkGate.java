package io.pitiserve.worker.engine;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a model's native networks alive while any forward runs on them.
 *
 * <p>Every forward passes {@link #enter()} and {@link #exit()}; {@link #close()} refuses later
 * forwards with {@link WorkerStoppingException} and returns only once no forward is inside, so the
 * networks can then be freed. Closing is idempotent.
 *
 * <p>The process itself is covered too: libtorch tears down its global state when the JVM exits,
 * and a forward still running then (on a daemon compute thread) crashes the process. Every open
 * gate is known to one JVM shutdown hook, which gives the gates' owners (a Spring context draining
 * its jobs, a command closing its model) up to {@link #EXIT_GRACE_PROPERTY} to close them while
 * forwards still run, then closes the rest itself; either way the JVM exits only once no forward
 * runs.
 */
public final class NetworkGate implements AutoCloseable {

    /** System property: seconds a shutdown waits for owners to close their models (default 60). */
    public static final String EXIT_GRACE_PROPERTY = "pitiserve.native.exit-grace-seconds";

    private static final Logger log = LoggerFactory.getLogger(NetworkGate.class);
    private static final Set<NetworkGate> OPEN = ConcurrentHashMap.newKeySet();
    private static final AtomicBoolean HOOKED = new AtomicBoolean();
    /** At exit, gates that saw no forward for this long are not being drained by anyone. */
    private static final long QUIET_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(2);
    private static volatile long lastEntered = System.nanoTime();

    private final String name;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition idle = lock.newCondition();
    private int inside;
    private boolean closed;

    private NetworkGate(String name) {
        this.name = name;
    }

    /** An open gate for the networks called {@code name}, known to the exit hook until closed. */
    public static NetworkGate open(String name) {
        NetworkGate gate = new NetworkGate(name);
        OPEN.add(gate);
        if (HOOKED.compareAndSet(false, true)) {
            Runtime.getRuntime().addShutdownHook(new Thread(NetworkGate::atExit, "pitiserve-native-exit"));
        }
        return gate;
    }

    /**
     * Lets one forward in.
     *
     * @throws WorkerStoppingException when the gate is closed
     */
    public void enter() {
        lock.lock();
        try {
            if (closed) {
                throw new WorkerStoppingException("the worker is stopping: the networks of " + name + " are closed");
            }
            inside++;
            lastEntered = System.nanoTime();
        } finally {
            lock.unlock();
        }
    }

    /** A forward that {@link #enter() entered} has left. */
    public void exit() {
        lock.lock();
        try {
            inside--;
            if (inside == 0) {
                idle.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Forwards running now. */
    public int inside() {
        lock.lock();
        try {
            return inside;
        } finally {
            lock.unlock();
        }
    }

    public boolean isClosed() {
        lock.lock();
        try {
            return closed;
        } finally {
            lock.unlock();
        }
    }

    /** Refuses later forwards and waits, however long, until none runs. */
    @Override
    public void close() {
        boolean interrupted = false;
        lock.lock();
        try {
            closed = true;
            long waitedSeconds = 0;
            while (inside > 0) {
                try {
                    if (!idle.await(10, TimeUnit.SECONDS)) {
                        waitedSeconds += 10;
                        log.info("waiting for {} forward(s) on {} to end before freeing its networks ({} s)", inside,
                                name, waitedSeconds);
                    }
                } catch (InterruptedException e) {
                    // Freeing networks under a running forward would crash the process: keep waiting.
                    interrupted = true;
                }
            }
        } finally {
            lock.unlock();
            synchronized (OPEN) {
                OPEN.remove(this);
                OPEN.notifyAll();
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    static Duration exitGrace() {
        try {
            return Duration.ofSeconds(Long.parseLong(System.getProperty(EXIT_GRACE_PROPERTY, "60").strip()));
        } catch (NumberFormatException e) {
            return Duration.ofSeconds(60);
        }
    }

    /** No forward inside any open gate, and none entered lately: nobody is draining jobs through them. */
    private static boolean quiet() {
        return System.nanoTime() - lastEntered > QUIET_NANOS && OPEN.stream().allMatch(gate -> gate.inside() == 0);
    }

    /**
     * The JVM is exiting: owners get the grace to close their gates while forwards keep running
     * through them (a drain); gates left open, or quiet for two seconds, are closed here.
     */
    private static void atExit() {
        long deadline = System.nanoTime() + exitGrace().toNanos();
        synchronized (OPEN) {
            long left;
            while (!OPEN.isEmpty() && (left = (deadline - System.nanoTime()) / 1_000_000) > 0 && !quiet()) {
                try {
                    OPEN.wait(Math.min(left, 100));
                } catch (InterruptedException e) {
                    break;
                }
            }
        }
        for (NetworkGate gate : Set.copyOf(OPEN)) {
            log.info("the process is exiting with {} still open; closing it once its forwards end", gate.name);
            gate.close();
        }
    }
}
