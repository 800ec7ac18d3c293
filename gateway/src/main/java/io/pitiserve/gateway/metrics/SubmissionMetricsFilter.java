package io.pitiserve.gateway.metrics;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.pitiserve.gateway.auth.ApiKeyAuthenticator;
import io.pitiserve.gateway.auth.Tenant;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Counts and times every {@code POST /v1/translations} by its outcome:
 * {@code pitiserve_gateway_submissions_total{tenant, outcome}} and
 * {@code pitiserve_gateway_submission_duration_seconds{outcome}}, the outcome being
 * {@code accepted} (2xx), {@code rejected} (4xx but 401/403), {@code unauthorized} (401/403),
 * {@code unavailable} (503: Kafka or S3 away) or {@code error} (other 5xx). Tenants are the configured
 * ones ({@code none} before authentication), so the tag stays bounded; jobs are never a tag.
 */
public final class SubmissionMetricsFilter extends OncePerRequestFilter {

    private final MeterRegistry meters;

    public SubmissionMetricsFilter(MeterRegistry meters) {
        this.meters = meters;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return !"POST".equals(request.getMethod()) || !"/v1/translations".equals(request.getRequestURI());
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        long started = System.nanoTime();
        try {
            chain.doFilter(request, response);
        } finally {
            if (request.isAsyncStarted()) {
                request.getAsyncContext().addListener(new AsyncListener() {
                    @Override
                    public void onComplete(AsyncEvent event) {
                        record(request, response, started);
                    }

                    @Override
                    public void onTimeout(AsyncEvent event) {
                        // onComplete follows
                    }

                    @Override
                    public void onError(AsyncEvent event) {
                        // onComplete follows
                    }

                    @Override
                    public void onStartAsync(AsyncEvent event) {
                        // same request
                    }
                });
            } else {
                record(request, response, started);
            }
        }
    }

    private void record(HttpServletRequest request, HttpServletResponse response, long started) {
        String outcome = outcomeOf(response.getStatus());
        String tenant = request.getAttribute(ApiKeyAuthenticator.TENANT_ATTRIBUTE) instanceof Tenant t ? t.name() : "none";
        Counter.builder("pitiserve.gateway.submissions")
                .description("Submissions of translations, by tenant and outcome")
                .tag("tenant", tenant).tag("outcome", outcome)
                .register(meters).increment();
        Timer.builder("pitiserve.gateway.submission.duration")
                .description("Time to answer a submission (202 only after the input is stored and Kafka acked)")
                .tag("outcome", outcome)
                .register(meters).record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
    }

    static String outcomeOf(int status) {
        if (status >= 200 && status < 300) {
            return "accepted";
        }
        if (status == 401 || status == 403) {
            return "unauthorized";
        }
        if (status == 503) {
            return "unavailable";
        }
        return status >= 500 ? "error" : "rejected";
    }
}
