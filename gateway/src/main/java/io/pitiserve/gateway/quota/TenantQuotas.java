package io.pitiserve.gateway.quota;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.pitiserve.common.errors.ErrorCode;
import io.pitiserve.common.errors.ServiceException;
import io.pitiserve.common.events.TranslationParams;
import io.pitiserve.gateway.status.JobUpdates;

import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

/**
 * Enforces {@link QuotaProperties} per tenant: a request rate (a Bucket4j token bucket per tenant,
 * held by this instance), the jobs in flight (counted from the status view, see
 * {@link InFlightJobs}) and the cost of one job.
 *
 * <p>The request rate is per gateway instance: with N instances behind a balancer a tenant may
 * make up to N times {@code requests} per {@code period}. Configure it for one instance's share.
 */
@Component
public class TenantQuotas {

    /** The name of the request-rate policy in the RateLimit headers. */
    public static final String RATE_POLICY = "tenant";

    private final QuotaProperties properties;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();
    private final InFlightJobs inFlight;

    public TenantQuotas(QuotaProperties properties, JobUpdates updates, Clock clock) {
        this.properties = properties;
        // A late, older view arrives within milliseconds of the newer one; a minute is plenty.
        this.inFlight = new InFlightJobs(clock, Duration.ofMinutes(1));
        updates.subscribeAll(inFlight::apply);
    }

    /** The outcome of one request against the tenant's rate: allowed or not, and the header values. */
    public record RateDecision(boolean allowed, long limit, Duration window, long remaining, Duration retryAfter,
                               Duration reset) {

        /** {@code RateLimit-Policy} (draft-ietf-httpapi-ratelimit-headers). */
        public String policyHeader() {
            return "\"" + RATE_POLICY + "\";q=" + limit + ";w=" + Math.max(1, window.toSeconds());
        }

        /** {@code RateLimit}: the remaining requests and the seconds until the window is full again. */
        public String rateLimitHeader() {
            return "\"" + RATE_POLICY + "\";r=" + remaining + ";t=" + ceilSeconds(reset);
        }
    }

    /** Takes one request from the tenant's rate. */
    public RateDecision tryRequest(String tenant) {
        QuotaProperties.Limits limits = properties.limitsOf(tenant);
        Bucket bucket = buckets.computeIfAbsent(tenant, name -> Bucket.builder()
                .addLimit(Bandwidth.builder().capacity(limits.requests())
                        .refillGreedy(limits.requests(), limits.period()).build())
                .build());
        ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
        return new RateDecision(probe.isConsumed(), limits.requests(), limits.period(), probe.getRemainingTokens(),
                Duration.ofNanos(probe.getNanosToWaitForRefill()), Duration.ofNanos(probe.getNanosToWaitForReset()));
    }

    /**
     * Refuses a job that asks for more network evaluations than the tenant's {@code max-job-cost}
     * (400 {@code job_too_costly}); a single-pass model costs one evaluation per sample.
     */
    public void checkCost(String tenant, TranslationParams params, boolean singlePass) {
        long limit = properties.limitsOf(tenant).maxJobCost();
        long cost = JobCost.of(params, properties, singlePass);
        if (cost > limit) {
            throw new ServiceException(ErrorCode.JOB_TOO_COSTLY, "the job asks for " + cost
                    + " network evaluations (num_samples x (base steps, twice when guided, + upsampler steps)); at"
                    + " most " + limit + " are allowed per job: ask for fewer samples or steps",
                    null, Map.of("cost", cost, "limit", limit));
        }
    }

    /**
     * Counts {@code jobId} as in flight for {@code tenant}, or refuses it with 429
     * {@code too_many_jobs_in_flight} when the tenant has its {@code max-jobs-in-flight} already.
     * A job that is then not accepted after all must be {@link #release released}.
     */
    public void admit(String tenant, String jobId) {
        int limit = properties.limitsOf(tenant).maxJobsInFlight();
        if (!inFlight.tryAdmit(tenant, jobId, limit)) {
            throw new ServiceException(ErrorCode.TOO_MANY_JOBS_IN_FLIGHT, "this API key has "
                    + limit + " jobs queued or running, its limit; submit more when some have finished",
                    properties.inFlightRetryAfter(), Map.of("limit", limit));
        }
    }

    /** Stops counting a job that {@link #admit} counted but that was not accepted. */
    public void release(String jobId) {
        inFlight.release(jobId);
    }

    /** The tenant's jobs queued or running, as this instance knows them. */
    public int jobsInFlight(String tenant) {
        return inFlight.count(tenant);
    }

    private static long ceilSeconds(Duration duration) {
        long seconds = duration.toSeconds();
        return duration.toNanosPart() > 0 ? seconds + 1 : seconds;
    }
}
