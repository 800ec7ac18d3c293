package io.pitiserve.gateway.api;

import java.io.IOException;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

import io.pitiserve.gateway.status.JobUpdates;
import io.pitiserve.gateway.status.JobView;

import org.springframework.http.MediaType;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * One client's Server-Sent Events stream of one job. Each event carries the whole job resource
 * as JSON; its name is the new status when the status changed ({@code queued}, {@code running},
 * {@code succeeded}, {@code failed}, {@code cancelled}) and {@code progress} otherwise; its id is
 * the view's version. Updates are written in order off the status view's thread, and an update
 * older than one already sent is dropped, so the terminal event is always the last one.
 */
final class JobEventStream {

    private final SseEmitter emitter;
    private final TranslationResources resources;
    private final Executor executor;
    private final Queue<JobView> pending = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean draining = new AtomicBoolean();
    private JobUpdates.Subscription subscription;
    private long lastVersion = -1;
    private String lastStatus;
    private boolean closed;

    JobEventStream(SseEmitter emitter, TranslationResources resources, Executor executor) {
        this.emitter = emitter;
        this.resources = resources;
        this.executor = executor;
        emitter.onCompletion(this::close);
        emitter.onTimeout(this::close);
        emitter.onError(e -> close());
    }

    synchronized void follow(JobUpdates updates, JobView current, java.util.function.Supplier<JobView> latest) {
        subscription = updates.subscribe(current.jobId(), this::offer);
        send(current);
        // Anything that changed between the first read and the subscription.
        JobView now = latest.get();
        if (now != null) {
            send(now);
        }
    }

    /** Called on the status view's thread: queue the view and write it from the executor, in order. */
    private void offer(JobView view) {
        pending.add(view);
        schedule();
    }

    private void schedule() {
        if (draining.compareAndSet(false, true)) {
            executor.execute(this::drain);
        }
    }

    private void drain() {
        try {
            JobView view;
            while ((view = pending.poll()) != null) {
                send(view);
            }
        } finally {
            draining.set(false);
        }
        if (!pending.isEmpty()) {
            schedule();
        }
    }

    synchronized void send(JobView view) {
        if (closed || view.version() <= lastVersion) {
            return;
        }
        String status = view.state().wireName();
        String name = status.equals(lastStatus) ? "progress" : status;
        try {
            emitter.send(SseEmitter.event().id(Long.toString(view.version())).name(name)
                    .data(resources.of(view), MediaType.APPLICATION_JSON));
        } catch (IOException | IllegalStateException e) {
            close();
            return;
        }
        lastVersion = view.version();
        lastStatus = status;
        if (view.terminal()) {
            closed = true;
            unsubscribe();
            emitter.complete();
        }
    }

    private synchronized void close() {
        closed = true;
        unsubscribe();
    }

    private void unsubscribe() {
        if (subscription != null) {
            subscription.close();
        }
    }
}
