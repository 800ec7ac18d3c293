package io.pitiserve.gateway.api;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Semaphore;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import io.pitiserve.common.errors.ErrorCode;
import io.pitiserve.common.errors.ServiceException;
import io.pitiserve.gateway.auth.ApiKeyAuthenticator;
import io.pitiserve.gateway.auth.Tenant;
import io.pitiserve.gateway.config.EdgeProperties;
import io.pitiserve.gateway.quota.TenantQuotas;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.servlet.HandlerExceptionResolver;

/**
 * The first thing every request meets, before any byte of its body is read:
 * <ol>
 *   <li>{@code /v1} routes are authenticated from the {@code Authorization} header (401 otherwise);</li>
 *   <li>the tenant's request rate is taken (429 with {@code Retry-After} otherwise); every answer
 *       to an authenticated request carries the {@code RateLimit} and {@code RateLimit-Policy}
 *       headers;</li>
 *   <li>a body that announces more than {@code pitiserve.gateway.edge.max-body-size} gets 413;</li>
 *   <li>a request with a body takes one of {@code pitiserve.gateway.edge.max-concurrent-bodies}
 *       slots for as long as it is handled, or gets 503 {@code too_many_uploads} at once, so that
 *       slow uploads never hold more than that many request threads.</li>
 * </ol>
 * A refused request's body is never read; {@link BodyGuardValve} then closes the connection
 * instead of draining it.
 */
public final class EdgeFilter extends OncePerRequestFilter {

    /** The longest request path answered; longer ones get 414 before anything else is looked at. */
    static final int MAX_PATH_LENGTH = 2048;

    private final ApiKeyAuthenticator authenticator;
    private final TenantQuotas quotas;
    private final HandlerExceptionResolver problems;
    private final Semaphore bodySlots;
    private final Duration uploadRetryAfter;
    private final long maxBodySize;

    public EdgeFilter(ApiKeyAuthenticator authenticator, TenantQuotas quotas, HandlerExceptionResolver problems,
                      EdgeProperties properties) {
        this.authenticator = authenticator;
        this.quotas = quotas;
        this.problems = problems;
        this.bodySlots = new Semaphore(properties.maxConcurrentBodies());
        this.uploadRetryAfter = properties.uploadRetryAfter();
        this.maxBodySize = properties.maxBodySize().toBytes();
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        boolean slot = false;
        try {
            if (request.getRequestURI().length() > MAX_PATH_LENGTH) {
                // No route of the API has a path near this long (a job id is 29 characters).
                throw new ServiceException(ErrorCode.URI_TOO_LONG, "the request path has "
                        + request.getRequestURI().length() + " characters; the gateway's paths have at most "
                        + MAX_PATH_LENGTH, null, Map.of("limit", MAX_PATH_LENGTH));
            }
            if (isApi(request)) {
                Tenant tenant = authenticator.authenticate(request.getHeader(HttpHeaders.AUTHORIZATION));
                request.setAttribute(ApiKeyAuthenticator.TENANT_ATTRIBUTE, tenant);
                TenantQuotas.RateDecision rate = quotas.tryRequest(tenant.name());
                response.setHeader("RateLimit-Policy", rate.policyHeader());
                response.setHeader("RateLimit", rate.rateLimitHeader());
                if (!rate.allowed()) {
                    throw new ServiceException(ErrorCode.RATE_LIMITED, "this API key made "
                            + rate.limit() + " requests in the last " + rate.window().toSeconds()
                            + " s, its limit; retry after the time in Retry-After", rate.retryAfter(),
                            Map.of("limit", rate.limit()));
                }
            }
            if (request.getContentLengthLong() > maxBodySize) {
                throw new ServiceException(ErrorCode.REQUEST_TOO_LARGE, "the request body has "
                        + request.getContentLengthLong() + " bytes; the gateway takes at most " + maxBodySize,
                        null, Map.of("limit", maxBodySize));
            }
            if (hasBody(request)) {
                slot = bodySlots.tryAcquire();
                if (!slot) {
                    throw ServiceException.unavailable(ErrorCode.TOO_MANY_UPLOADS, "the gateway is reading as many request bodies"
                            + " as it takes at once; retry shortly", uploadRetryAfter);
                }
            }
        } catch (ServiceException problem) {
            if (problems.resolveException(request, response, null, problem) == null) {
                response.sendError(ProblemStatus.of(problem.code()).value());
            }
            return;
        }
        try {
            chain.doFilter(request, response);
        } finally {
            if (slot) {
                bodySlots.release();
            }
        }
    }

    /** Free body slots now (for metrics and tests). */
    public int freeBodySlots() {
        return bodySlots.availablePermits();
    }

    private static boolean isApi(HttpServletRequest request) {
        String path = request.getRequestURI().substring(request.getContextPath().length());
        return path.equals("/v1") || path.startsWith("/v1/");
    }

    static boolean hasBody(HttpServletRequest request) {
        return request.getContentLengthLong() > 0 || request.getHeader(HttpHeaders.TRANSFER_ENCODING) != null;
    }
}
