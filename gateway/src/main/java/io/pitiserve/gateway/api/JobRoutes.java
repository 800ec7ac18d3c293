package io.pitiserve.gateway.api;

import java.net.URI;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Predicate;

import jakarta.annotation.PreDestroy;
import jakarta.servlet.http.HttpServletRequest;

import io.pitiserve.common.errors.ErrorCode;
import io.pitiserve.common.errors.ServiceException;
import io.pitiserve.common.events.CancellationRequested;
import io.pitiserve.gateway.auth.ApiKeyAuthenticator;
import io.pitiserve.gateway.auth.Tenant;
import io.pitiserve.gateway.config.GatewayProperties;
import io.pitiserve.gateway.status.JobView;
import io.pitiserve.gateway.submission.JobIds;
import io.pitiserve.gateway.submission.KafkaRequestPublisher;
import io.pitiserve.gateway.submission.PublishFailedException;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Component;

/**
 * The steps every job route of the REST API takes, whatever the kind of job: who is asking, which of
 * their jobs the path names, the answer to a submission and the cancellation request. The translation
 * and evaluation controllers differ only in what they accept and how they show a job.
 */
@Component
public class JobRoutes {

    /** The kinds of job a route serves: what a path's id may name, and what messages call it. */
    public enum Kind {
        /** {@code /v1/translations/{id}}: any of the tenant's jobs. */
        TRANSLATION("translation", "jobs", view -> true),
        /** {@code /v1/evaluations/{id}}: only the tenant's evaluations. */
        EVALUATION("evaluation", "evaluations", JobView::evaluation);

        private final String noun;
        private final String plural;
        private final Predicate<JobView> accepts;

        Kind(String noun, String plural, Predicate<JobView> accepts) {
            this.noun = noun;
            this.plural = plural;
            this.accepts = accepts;
        }
    }

    private final JobWaiter waiter;
    private final KafkaRequestPublisher publisher;
    private final GatewayProperties properties;
    private final Clock clock;
    private final ExecutorService asyncExecutor = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "api-async");
        thread.setDaemon(true);
        return thread;
    });

    public JobRoutes(JobWaiter waiter, KafkaRequestPublisher publisher, GatewayProperties properties, Clock clock) {
        this.waiter = waiter;
        this.publisher = publisher;
        this.properties = properties;
        this.clock = clock;
    }

    /** The tenant {@link EdgeFilter} authenticated the request as; 401 when there is none. */
    public static Tenant tenant(HttpServletRequest request) {
        Object tenant = request.getAttribute(ApiKeyAuthenticator.TENANT_ATTRIBUTE);
        if (!(tenant instanceof Tenant t)) {
            throw new ServiceException(ErrorCode.UNAUTHORIZED, "the request is not authenticated");
        }
        return t;
    }

    /**
     * Daemon threads for the parts of an answer that must not run on the status view's thread (a
     * publication that waits for Kafka's acknowledgement, an object store read).
     */
    public Executor asyncExecutor() {
        return asyncExecutor;
    }

    @PreDestroy
    void shutdown() {
        asyncExecutor.shutdownNow();
    }

    /**
     * The tenant's job of {@code kind}, waiting {@code pitiserve.gateway.unknown-job-grace} for a view
     * this instance does not have yet (the job was accepted by another instance a moment ago); 404
     * after that, for a malformed id, another tenant's job or a job of another kind.
     */
    public CompletableFuture<JobView> owned(Tenant tenant, Kind kind, String id) {
        if (!JobIds.wellFormed(id)) {
            return CompletableFuture.failedFuture(ServiceException.jobNotFound(id));
        }
        return waiter.awaitKnown(id, view -> tenant.name().equals(view.tenant()) && kind.accepts.test(view),
                        properties.unknownJobGrace())
                .thenApply(found -> found.orElseThrow(() -> ServiceException.jobNotFound(id)));
    }

    /**
     * The start of the answer to a submission: {@code status}, {@code Location: location} and, when
     * the submission repeated an earlier one's Idempotency-Key, {@code Idempotent-Replayed: true}.
     */
    public static ResponseEntity.BodyBuilder submitted(HttpStatus status, String location, boolean created) {
        ResponseEntity.BodyBuilder answer = ResponseEntity.status(status).location(URI.create(location));
        if (!created) {
            answer.header("Idempotent-Replayed", "true");
        }
        return answer;
    }

    /**
     * Publishes the cancellation of {@code view}'s job for the workers, waiting for Kafka's
     * acknowledgement (so not on the status view's thread): 409 {@code already_terminal} when it has
     * finished, 503 when Kafka does not acknowledge.
     */
    public void requestCancellation(Tenant tenant, Kind kind, JobView view) {
        if (view.terminal()) {
            throw new ServiceException(ErrorCode.ALREADY_TERMINAL, kind.noun + " " + view.jobId() + " already "
                    + view.state().wireName() + "; only queued or running " + kind.plural + " can be cancelled");
        }
        try {
            publisher.publish(new CancellationRequested(view.jobId(), tenant.name(), clock.instant()));
        } catch (PublishFailedException e) {
            throw ServiceException.unavailable("the job queue did not acknowledge the cancellation; retry later",
                    properties.retryAfter());
        }
    }
}
